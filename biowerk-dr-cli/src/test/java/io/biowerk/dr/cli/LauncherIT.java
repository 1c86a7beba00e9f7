package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real launcher {@code ./biowerk-dr} as a process, the way a user, cron or a runbook does:
 * a fresh HOME (so the key is generated on first use at a terminal, and refused without one),
 * backup -> list -> verify -> restore of a directory, exit codes and stdout/stderr separation, and
 * a backup larger than the heap under {@code JAVA_OPTS=-Xmx64m}.
 */
class LauncherIT {

  @TempDir Path dir;
  Path root;
  Path home;
  Path work;

  record Run(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  @BeforeEach
  void setUp() throws IOException {
    root = Path.of(System.getProperty("biowerk.root", "..")).toAbsolutePath().normalize();
    assertThat(root.resolve("biowerk-dr")).as("the launcher at the repository root").isExecutable();
    home = Files.createDirectories(dir.resolve("home"));
    work = Files.createDirectories(dir.resolve("work"));
  }

  Run run(Map<String, String> extra, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(root.resolve("biowerk-dr").toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("BIOWERK_DR_") || k.equals("JAVA_OPTS"));
    env.put("HOME", home.toString());
    env.putAll(extra);
    Path out = dir.resolve("stdout");
    Path err = dir.resolve("stderr");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process process = builder.start();
    // The first run may build the jar (minutes on a cold machine); later runs take about a second.
    assertThat(process.waitFor(10, TimeUnit.MINUTES)).as("the launcher finished").isTrue();
    return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  Run run(String... args) throws Exception {
    return run(Map.of(), args);
  }

  /**
   * Runs the launcher as a person at a terminal does: under {@code script}, which gives it a real
   * pseudo-terminal as standard input (stdout and stderr still go to files, so they stay apart).
   */
  Run runAtTerminal(String... args) throws Exception {
    StringBuilder line = new StringBuilder(quote(root.resolve("biowerk-dr").toString()));
    for (String arg : args) {
      line.append(' ').append(quote(arg));
    }
    Path out = dir.resolve("stdout");
    Path err = dir.resolve("stderr");
    line.append(" >").append(quote(out.toString())).append(" 2>").append(quote(err.toString()));
    ProcessBuilder builder =
        new ProcessBuilder("script", "-qec", line.toString(), "/dev/null")
            .directory(work.toFile())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD);
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("BIOWERK_DR_") || k.equals("JAVA_OPTS"));
    env.put("HOME", home.toString());
    Process process = builder.start();
    assertThat(process.waitFor(10, TimeUnit.MINUTES)).as("the launcher finished").isTrue();
    return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static String quote(String text) {
    return "'" + text.replace("'", "'\\''") + "'";
  }

  @Test
  void withoutATerminalTheQuickStartRefusesToCreateTheKeyAndRepositoryAndSaysWhatToSet()
      throws Exception {
    Path docs = Files.createDirectories(work.resolve("docs"));
    Files.writeString(docs.resolve("README.md"), "# BIOwerk DR\n");

    // No terminal at all (stdin a pipe, stdout and stderr files), as under cron
    Run backup = run("backup", "file://" + docs);

    assertThat(backup.code()).as(backup.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(backup.err())
        .contains("no repository is configured")
        .contains("no terminal")
        .contains("$BIOWERK_DR_REPO");
    assertThat(work.resolve("biowerk-backups")).doesNotExist();
    assertThat(home.resolve(".config/biowerk-dr/key")).doesNotExist();

    // The same with the repository given: the key is what it refuses to create now
    Run keyless = run("backup", "file://" + docs, "--repo", dir.resolve("repo").toString());
    assertThat(keyless.code()).as(keyless.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(keyless.err()).contains("no encryption key is configured").contains("keys generate");
    assertThat(home.resolve(".config/biowerk-dr/key")).doesNotExist();

    // At a terminal (a real pty on stdin), the quick start works as the README says
    Run attended = runAtTerminal("backup", "file://" + docs);
    assertThat(attended.code()).as(attended.toString()).isEqualTo(0);
    assertThat(attended.err()).contains("created a new encryption key");
    assertThat(home.resolve(".config/biowerk-dr/key")).exists();
    assertThat(work.resolve("biowerk-backups")).isDirectory();

    // Then, unattended again, the key and repository that now exist are used
    Run later = run("backup", "file://" + docs);
    assertThat(later.code()).as(later.toString()).isEqualTo(0);
    assertThat(later.err()).doesNotContain("created a new encryption key");
  }

  @Test
  void backupListVerifyRestoreThroughTheLauncher() throws Exception {
    Path docs = Files.createDirectories(work.resolve("docs"));
    Files.writeString(docs.resolve("README.md"), "# BIOwerk DR\n".repeat(1000));
    Files.createDirectories(docs.resolve("runbooks"));
    Files.writeString(docs.resolve("runbooks/restore.md"), "restore latest\n");

    // The README's quick start, from a terminal: the key and the repository are created
    Run backup = runAtTerminal("backup", "file://" + docs);
    assertThat(backup.code()).as(backup.toString()).isEqualTo(0);
    assertThat(backup.out())
        .startsWith("backup docs_")
        .contains("stored as   docs_")
        .contains("ratio");
    Path key = home.resolve(".config/biowerk-dr/key");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");
    assertThat(backup.err()).contains("created a new encryption key").contains("vault");
    assertThat(backup.err()).doesNotContain("\r");

    Run list = run("list", "--json");
    assertThat(list.code()).as(list.toString()).isEqualTo(0);
    JsonNode rows = Json.read(list.out());
    assertThat(rows).hasSize(1);
    String id = rows.get(0).get("id").asText();
    assertThat(rows.get(0).get("source").asText()).isEqualTo("docs");

    Run verify = run("verify", "latest");
    assertThat(verify.code()).as(verify.toString()).isEqualTo(0);
    assertThat(verify.out()).startsWith("ok      " + id + "  decode");

    Path target = dir.resolve("restored");
    Run restore = run("restore", id, target.toString());
    assertThat(restore.code()).as(restore.toString()).isEqualTo(0);
    assertThat(Files.readString(target.resolve("README.md")))
        .isEqualTo("# BIOwerk DR\n".repeat(1000));
    assertThat(Files.readString(target.resolve("runbooks/restore.md")))
        .isEqualTo("restore latest\n");

    Run again = run("restore", id, target.toString());
    assertThat(again.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(again.err()).contains("--force");

    Run scheme = run("backup", "nfs://server/export");
    assertThat(scheme.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(scheme.err()).contains("found: file");
  }

  @Test
  void aStoppedBackupCleansUpAndLeavesNothingBehind() throws Exception {
    // A 64 GiB sparse file: reading its zeros keeps the backup busy for far longer than the test
    // waits.
    Path sparse = Files.createDirectories(work.resolve("sparse"));
    // the default repository exists (no terminal here, so a backup would not create it)
    Files.createDirectories(work.resolve("biowerk-backups"));
    try (java.io.RandomAccessFile file =
        new java.io.RandomAccessFile(sparse.resolve("zeros").toFile(), "rw")) {
      file.setLength(64L << 30);
    }
    ProcessBuilder builder =
        new ProcessBuilder(
                root.resolve("biowerk-dr").toString(), "backup", sparse.toString(), "--no-encrypt")
            .directory(work.toFile());
    builder
        .environment()
        .keySet()
        .removeIf(k -> k.startsWith("BIOWERK_DR_") || k.equals("JAVA_OPTS"));
    builder.environment().put("HOME", home.toString());
    builder
        .redirectOutput(dir.resolve("stdout").toFile())
        .redirectError(dir.resolve("stderr").toFile());
    Process process = builder.start();
    Path markers = work.resolve("biowerk-backups/sparse/.in-progress");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (!(Files.isDirectory(markers) && hasAny(markers))) {
      assertThat(process.isAlive()).as("the backup is running").isTrue();
      assertThat(System.nanoTime()).as("the backup started within 5 minutes").isLessThan(deadline);
      Thread.sleep(100);
    }
    Thread.sleep(1500);
    assertThat(process.isAlive()).as("still backing up 64 GiB").isTrue();
    process.destroy(); // SIGTERM, as a scheduler's timeout or a stopped pod sends
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("stopped within a minute").isTrue();
    assertThat(process.exitValue()).isNotEqualTo(0);
    List<Path> left;
    try (var walk = Files.walk(work.resolve("biowerk-backups"))) {
      left = walk.filter(Files::isRegularFile).toList();
    }
    assertThat(left).as("no data, temp file, manifest or in-progress marker is left").isEmpty();
    assertThat(Files.readString(dir.resolve("stderr")))
        .contains("interrupted")
        .contains("nothing was kept");
  }

  @Test
  void aBackupLargerThanTheHeapStreamsUnderJavaOpts() throws Exception {
    Path big = Files.createDirectories(work.resolve("big"));
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    Random random = new Random(42);
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(big.resolve("blob.bin"))) {
      for (int i = 0; i < 96; i++) {
        random.nextBytes(chunk);
        sha.update(chunk);
        out.write(chunk);
      }
    }
    String expected = HexFormat.of().formatHex(sha.digest());
    Map<String, String> smallHeap = Map.of("JAVA_OPTS", "-Xmx64m");
    // the key and the default repository exist (no terminal here, so a backup would not create
    // them)
    assertThat(run("keys", "generate").code()).isZero();
    Files.createDirectories(work.resolve("biowerk-backups"));
    Run backup = run(smallHeap, "backup", big.toString(), "--json");
    assertThat(backup.code()).as(backup.toString()).isEqualTo(0);
    assertThat(Json.read(backup.out()).get("rawSize").asLong()).isGreaterThan(96L << 20);

    Path target = dir.resolve("big-restored");
    Run restore = run(smallHeap, "restore", "latest:big", target.toString());
    assertThat(restore.code()).as(restore.toString()).isEqualTo(0);
    MessageDigest restored = MessageDigest.getInstance("SHA-256");
    restored.update(Files.readAllBytes(target.resolve("blob.bin")));
    assertThat(HexFormat.of().formatHex(restored.digest())).isEqualTo(expected);
    assertThat(new String(Files.readAllBytes(dir.resolve("stderr")), StandardCharsets.UTF_8))
        .doesNotContain("OutOfMemoryError");
  }

  @Test
  void theClassDataArchiveIsTrainedOncePerJarAndUsedByLaterRuns() throws Exception {
    // A copy of the jar of its own, so the archive this test trains lands next to it and not beside
    // the build's.
    Path jar = Files.createDirectories(dir.resolve("cds")).resolve("biowerk-dr.jar");
    Files.copy(root.resolve("biowerk-dr-cli/target/biowerk-dr.jar"), jar);
    Path archive = dir.resolve("cds/biowerk-dr.jsa");
    Path classes = dir.resolve("classes.log");
    Map<String, String> env = Map.of("BIOWERK_DR_JAR", jar.toString());
    Files.createDirectories(work.resolve("biowerk-backups"));

    Run first = run(env, "--version");
    assertThat(first.code()).as(first.toString()).isEqualTo(0);
    assertThat(archive).as("trained by the first run").isNotEmptyFile();
    assertThat(dir.resolve("cds/biowerk-dr.jsa.failed")).doesNotExist();
    assertThat(first.out())
        .startsWith("biowerk-dr ")
        .doesNotContain("cds")
        .doesNotContain("warning");

    Map<String, String> logged =
        Map.of(
            "BIOWERK_DR_JAR", jar.toString(), "JAVA_OPTS", "-Xlog:class+load=info:file=" + classes);
    Run list = run(logged, "list", "--json");
    assertThat(list.code()).as(list.toString()).isEqualTo(0);
    assertThat(Json.read(list.out())).as("stdout is still just the JSON").isEmpty();
    // picocli is Java 5 bytecode, which only a static archive holds
    assertThat(Files.readString(classes))
        .as("classes mapped from the trained archive")
        .contains("io.biowerk.dr.cli.ListCommand source: shared objects file")
        .contains("picocli.CommandLine source: shared objects file");
    FileTime trained = Files.getLastModifiedTime(archive);

    Map<String, String> off = new java.util.HashMap<>(logged);
    off.put("BIOWERK_DR_CDS", "off");
    Run without = run(off, "list", "--json");
    assertThat(without.code()).as(without.toString()).isEqualTo(0);
    assertThat(Files.readString(classes))
        .doesNotContain("io.biowerk.dr.cli.ListCommand source: shared objects file")
        .doesNotContain("picocli.CommandLine source: shared objects file");

    // A new jar (a rebuild or an upgrade) is trained again: the old archive would be ignored by the
    // JVM.
    Files.setLastModifiedTime(jar, FileTime.fromMillis(trained.toMillis() + 2000));
    Run rebuilt = run(env, "--version");
    assertThat(rebuilt.code()).as(rebuilt.toString()).isEqualTo(0);
    assertThat(Files.getLastModifiedTime(archive).toMillis())
        .as("retrained after the jar changed")
        .isGreaterThan(trained.toMillis());
  }

  /** A file that starts like WAL segment {@code number} of timeline 1 (16 MiB segments). */
  private static Path walSegment(Path directory, long number) throws IOException {
    String name = String.format("%08X%08X%08X", 1, number / 256, number % 256);
    java.nio.ByteBuffer header =
        java.nio.ByteBuffer.allocate(256 << 10).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    header.putShort(0, (short) 0xD110).putShort(2, (short) 0x0002).putInt(4, 1);
    header.putLong(8, number << 24).putLong(24, 42L).putInt(32, 16 << 20);
    Path file = directory.resolve(name);
    Files.write(file, header.array());
    return file;
  }

  @Test
  void asyncWalPushSpoolsWithoutAJvmAndADetachedDrainerStoresWhatFailsSticks() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path javaLog = dir.resolve("java-calls");
    // every JVM the launcher starts is logged: the pushes must start none, only the drainer does
    Path fakeJava = bin.resolve("java");
    Files.writeString(
        fakeJava,
        "#!/bin/sh\necho \"$*\" >> "
            + javaLog
            + "\nexec "
            + Path.of(System.getProperty("java.home"), "bin", "java")
            + " \"$@\"\n");
    Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path keyFile = home.resolve(".config/biowerk-dr/key");
    io.biowerk.dr.core.keys.KeyFile.at(keyFile).create(java.time.Clock.systemUTC());
    Path spool = dir.resolve("spool");
    Path repo = dir.resolve("repo");
    Path pgWal = Files.createDirectories(dir.resolve("pg_wal"));
    // the drainer waits 5 s for more segments (30 s by default), so it does not outlive the test
    // long
    Map<String, String> env =
        Map.of(
            "PATH",
            bin + ":" + System.getenv("PATH"),
            "BIOWERK_DR_CDS",
            "off",
            "BIOWERK_DR_DRAIN_IDLE",
            "5");
    List<String> names = new ArrayList<>();
    for (long n = 3; n < 6; n++) {
      Path segment = walSegment(pgWal, n);
      names.add(segment.getFileName().toString());
      Run push =
          run(
              env,
              "wal-push",
              "--source",
              "lt",
              "--async",
              "--spool",
              spool.toString(),
              "--repo",
              repo.toString(),
              segment.toString());
      assertThat(push.code()).as(push.toString()).isZero();
      assertThat(push.out()).isEmpty();
    }
    Path wal = repo.resolve("lt/wal");
    long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!Files.exists(wal.resolve(names.get(2) + ".manifest.json"))) {
      assertThat(System.nanoTime())
          .as("the drainer stored " + names + "; spool: " + listing(spool))
          .isLessThan(until);
      Thread.sleep(200);
    }
    for (String name : names) {
      assertThat(wal.resolve(name + ".manifest.json")).exists();
    }
    List<String> calls = Files.readAllLines(javaLog);
    assertThat(calls).isNotEmpty().allMatch(c -> c.contains("--drain --idle "));

    // a file that is not the segment it is named after: queued at once, refused by the drainer
    Path bad = pgWal.resolve("000000010000000000000009");
    Files.write(bad, new byte[8192]);
    Run queued =
        run(
            env,
            "wal-push",
            "--source",
            "lt",
            "--async",
            "--spool",
            spool.toString(),
            "--repo",
            repo.toString(),
            bad.toString());
    assertThat(queued.code()).as(queued.toString()).isZero();
    Path error = spool.resolve("000000010000000000000009.error");
    until = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (!Files.exists(error)) {
      assertThat(System.nanoTime()).as("the drainer failed: " + listing(spool)).isLessThan(until);
      Thread.sleep(200);
    }
    Path next = walSegment(pgWal, 10);
    Run refused =
        run(
            env,
            "wal-push",
            "--source",
            "lt",
            "--async",
            "--spool",
            spool.toString(),
            "--repo",
            repo.toString(),
            next.toString());
    assertThat(refused.code()).as(refused.toString()).isEqualTo(1);
    assertThat(refused.err())
        .contains("an earlier archiving failed (000000010000000000000009.error)")
        .contains("long page header")
        .contains("delete " + error);
    assertThat(spool.resolve(next.getFileName().toString())).doesNotExist();
  }

  /** A fake {@code java} first on the PATH that logs every JVM the launcher starts. */
  private Path javaLogger(Path bin, Path javaLog) throws IOException {
    Files.createDirectories(bin);
    Path fakeJava = bin.resolve("java");
    Files.writeString(
        fakeJava,
        "#!/bin/sh\necho \"$*\" >> "
            + javaLog
            + "\nexec "
            + Path.of(System.getProperty("java.home"), "bin", "java")
            + " \"$@\"\n");
    Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwxr-xr-x"));
    return fakeJava;
  }

  private static List<String> fetchJvms(Path javaLog, boolean prefetcher) throws IOException {
    if (!Files.exists(javaLog)) {
      return List.of();
    }
    return Files.readAllLines(javaLog).stream()
        .filter(c -> c.contains("wal-fetch") && c.contains("--prefetcher") == prefetcher)
        .toList();
  }

  @Test
  void walFetchServesReadySegmentsWithoutAJvmAndRefetchesADamagedOne() throws Exception {
    Path javaLog = dir.resolve("java-calls");
    Path bin = dir.resolve("bin");
    javaLogger(bin, javaLog);
    Path keyFile = home.resolve(".config/biowerk-dr/key");
    io.biowerk.dr.core.keys.KeyFile.at(keyFile).create(java.time.Clock.systemUTC());
    Path repo = dir.resolve("repo");
    Path pgWal = Files.createDirectories(dir.resolve("pg_wal"));
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    Map<String, String> env =
        Map.of(
            "PATH", bin + ":" + System.getenv("PATH"), "BIOWERK_DR_CDS", "off", "TMPDIR", tmp + "");
    List<Path> segments = new ArrayList<>();
    for (long n = 3; n < 7; n++) {
      Path segment = walSegment(pgWal, n);
      segments.add(segment);
      Run push = run(env, "wal-push", "--source", "lf", "--repo", repo.toString(), segment + "");
      assertThat(push.code()).as(push.toString()).isZero();
    }
    Files.deleteIfExists(javaLog);
    String first = segments.get(0).getFileName().toString();
    String second = segments.get(1).getFileName().toString();
    Path out = Files.createDirectories(dir.resolve("out"));
    Run fetched = run(env, "wal-fetch", "--source", "lf", "--repo", repo + "", first, out + "/1");
    assertThat(fetched.code()).as(fetched.toString()).isZero();
    assertThat(out.resolve("1")).hasSameBinaryContentAs(segments.get(0));
    assertThat(fetchJvms(javaLog, true)).as("one prefetcher").hasSize(1);
    assertThat(fetchJvms(javaLog, false)).as("no JVM per segment").isEmpty();
    Path spool;
    try (var dirs =
        Files.list(tmp.resolve("biowerk-dr-" + System.getProperty("user.name") + "/fetch"))) {
      spool = dirs.findFirst().orElseThrow();
    }
    assertThat(spool.getFileName().toString()).startsWith("lf-wal-");
    Path ready = spool.resolve(second);
    long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (!Files.exists(spool.resolve(second + ".sha256")) || !Files.exists(ready)) {
      assertThat(System.nanoTime()).as("read ahead: " + listing(spool)).isLessThan(until);
      Thread.sleep(50);
    }
    // damaged on local disk after it was checked: the launcher's check catches it at the
    // destination, deletes it there and hands over to the JVM, which fetches it from the archive
    byte[] bytes = Files.readAllBytes(ready);
    bytes[64] ^= 1;
    Files.write(ready, bytes);
    Run again = run(env, "wal-fetch", "--source", "lf", "--repo", repo + "", second, out + "/2");
    assertThat(again.code()).as(again.toString()).isZero();
    assertThat(again.err())
        .contains(second + " in the spool " + spool + " did not match its checksum");
    assertThat(out.resolve("2")).hasSameBinaryContentAs(segments.get(1));
    assertThat(fetchJvms(javaLog, false)).as("the JVM path took the damaged one").hasSize(1);
    // the next ones come from the spool again, without a JVM
    for (int i = 2; i < 4; i++) {
      String name = segments.get(i).getFileName().toString();
      Run next = run(env, "wal-fetch", "--source", "lf", "--repo", repo + "", name, out + "/" + i);
      assertThat(next.code()).as(next.toString()).isZero();
      assertThat(out.resolve("" + i)).hasSameBinaryContentAs(segments.get(i));
    }
    assertThat(fetchJvms(javaLog, false)).hasSize(1);
    // the end of the archive: exit 1 (the prefetcher says absent, the JVM path confirms)
    Run end =
        run(
            env,
            "wal-fetch",
            "--source",
            "lf",
            "--repo",
            repo + "",
            "000000010000000000000099",
            out + "/9");
    assertThat(end.code()).as(end.toString()).isEqualTo(1);
    assertThat(end.err()).contains("000000010000000000000099 is not in ");
    assertThat(out.resolve("9")).doesNotExist();
    assertThat(fetchJvms(javaLog, true)).as("still one prefetcher").hasSize(1);
    try (var files = Files.list(spool)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.endsWith(".part") || n.endsWith(".tmp"));
    }
    // the prefetcher stops when its spool goes (it may still be writing while the first attempts
    // run)
    for (int attempt = 0; Files.exists(spool); attempt++) {
      try {
        io.biowerk.dr.core.internal.FileTrees.delete(spool);
      } catch (java.nio.file.DirectoryNotEmptyException busy) {
        assertThat(attempt).as("spool deleted").isLessThan(50);
        Thread.sleep(200);
      }
    }
  }

  @Test
  void recoveryThroughTheLauncherReplaysTheWalWithoutAJvmPerSegment() throws Exception {
    assertThat(run("--version").code()).as("the jar is built").isZero();
    Path scratch = Files.createTempDirectory(Path.of("/tmp"), "biowerk-launchfetch-");
    Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path javaLog = scratch.resolve("java-calls");
    Path calls = scratch.resolve("fetch-calls");
    Path bin = scratch.resolve("bin");
    javaLogger(bin, javaLog);
    Path keyFile = scratch.resolve("key");
    io.biowerk.dr.core.keys.KeyFile.at(keyFile).create(java.time.Clock.systemUTC());
    Path repo = scratch.resolve("repo");
    Path tmp = Files.createDirectories(scratch.resolve("tmp"));
    // what the server runs: the repository's launcher, logging each call, the fake java first
    Path bw = scratch.resolve("bw");
    Files.writeString(
        bw,
        "#!/bin/sh\necho \"$*\" >> "
            + calls
            + "\nPATH="
            + bin
            + ":$PATH\nTMPDIR="
            + tmp
            + "\nHOME="
            + scratch
            + "\nBIOWERK_DR_NO_BUILD=1\nBIOWERK_DR_CDS=off\n"
            + "export PATH TMPDIR HOME BIOWERK_DR_NO_BUILD BIOWERK_DR_CDS\nexec "
            + root.resolve("biowerk-dr")
            + " \"$@\"\n");
    Files.setPosixFilePermissions(bw, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (io.biowerk.dr.postgres.PrivateCluster cluster =
        io.biowerk.dr.postgres.PrivateCluster.start(
            Map.of("wal_level", "replica", "archive_mode", "on", "max_wal_senders", "4"))) {
      // the server's archive_command (its OS user) writes the WAL; the backup below (this user)
      // writes beside it
      Files.createDirectories(repo.resolve("lf/wal"));
      cluster.own(scratch);
      cluster.execute(
          "ALTER SYSTEM SET archive_command = '"
              + bw
              + " wal-push --source lf --async --spool "
              + scratch.resolve("push-spool")
              + " --repo "
              + repo
              + " --key-file "
              + keyFile
              + " %p'");
      cluster.execute("SELECT pg_reload_conf()");
      cluster.execute("CREATE TABLE events (id int PRIMARY KEY, body text)");
      Run backup =
          run(
              Map.of("BIOWERK_DR_CDS", "off"),
              "backup",
              cluster.uri("postgres") + "?mode=physical&name=lf",
              "--repo",
              repo + "",
              "--key-file",
              keyFile + "");
      assertThat(backup.code())
          .as(
              backup
                  + "\npush spool: "
                  + listing(scratch.resolve("push-spool"))
                  + "\n"
                  + cluster.log())
          .isZero();
      cluster.own(repo);
      java.time.Instant target = null;
      for (int batch = 1; batch <= 6; batch++) {
        cluster.execute(
            "INSERT INTO events SELECT g, repeat(md5(g::text), 20) FROM generate_series("
                + (batch * 10000)
                + ", "
                + (batch * 10000 + 9999)
                + ") g");
        cluster.execute("SELECT pg_switch_wal()");
        if (batch == 4) {
          Thread.sleep(300);
          target = java.time.Instant.now();
          Thread.sleep(300);
        }
      }
      String last = cluster.single("SELECT pg_walfile_name(pg_current_wal_lsn())");
      cluster.execute("SELECT pg_switch_wal()");
      long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
      Path wal = repo.resolve("lf/wal");
      while (!Files.exists(wal.resolve(last + ".manifest.json"))) {
        assertThat(System.nanoTime())
            .as("archived up to " + last + ": " + listing(wal) + "\n" + cluster.log())
            .isLessThan(until);
        Thread.sleep(200);
      }
      Path restored = scratch.resolve("restored");
      Run restore =
          run(
              Map.of("BIOWERK_DR_CDS", "off"),
              "restore",
              "latest:lf",
              restored.toString(),
              "--target-time",
              target.toString(),
              "--repo",
              repo + "",
              "--key-file",
              keyFile + "",
              "--fetch-command",
              bw.toString());
      assertThat(restore.code()).as(restore.toString()).isZero();
      cluster.own(scratch);
      Files.deleteIfExists(javaLog);
      try (io.biowerk.dr.postgres.PrivateCluster copy =
          io.biowerk.dr.postgres.PrivateCluster.onRestored(
              restored, Map.of("archive_mode", "off"))) {
        copy.startServer();
        copy.awaitPromoted(180);
        assertThat(copy.single("SELECT count(*) FROM events")).isEqualTo("40000");
      }
      List<String> requests =
          Files.readAllLines(calls).stream().filter(c -> c.contains("wal-fetch")).toList();
      List<String> stored;
      try (var files = Files.list(wal)) {
        stored =
            files
                .map(p -> p.getFileName().toString())
                .filter(n -> n.matches("[0-9A-F]{24}\\.manifest\\.json"))
                .map(n -> n.substring(0, 24))
                .toList();
      }
      long segmentsAsked =
          requests.stream().filter(r -> stored.stream().anyMatch(r::contains)).count();
      assertThat(segmentsAsked).as("segments replayed: " + requests).isGreaterThanOrEqualTo(4);
      assertThat(fetchJvms(javaLog, true)).as("one prefetcher").hasSize(1);
      // the JVM path only answered what the archive does not hold (history files, the end)
      assertThat(fetchJvms(javaLog, false))
          .as("fetch JVMs, among requests " + requests)
          .noneMatch(c -> stored.stream().anyMatch(c::contains));
    } finally {
      removeWhilePrefetcherStops(scratch);
    }
  }

  /**
   * Removes {@code scratch}: the prefetcher stops once its spool goes, but it may still write while
   * the first attempts run, so this retries for about six seconds before it gives up and throws.
   */
  private static void removeWhilePrefetcherStops(Path scratch) throws Exception {
    for (int attempt = 0; ; attempt++) {
      try {
        io.biowerk.dr.postgres.PrivateCluster.run(List.of("rm", "-rf", scratch.toString()));
        return;
      } catch (IllegalStateException busy) {
        if (attempt >= 20) {
          throw busy;
        }
        Thread.sleep(300);
      }
    }
  }

  private static long lsn(String text) {
    String[] parts = text.strip().split("/", -1);
    return (Long.parseLong(parts[0], 16) << 32) + Long.parseLong(parts[1], 16);
  }

  @Test
  void walReceiveStopsOnSigtermWithinSecondsAndStoresWhatItReceived() throws Exception {
    assertThat(run("--version").code()).as("the jar is built").isZero();
    Path keyFile = dir.resolve("key");
    io.biowerk.dr.core.keys.KeyFile.at(keyFile).create(java.time.Clock.systemUTC());
    Path repo = dir.resolve("repo");
    try (io.biowerk.dr.postgres.PrivateCluster cluster =
        io.biowerk.dr.postgres.PrivateCluster.start(
            Map.of("wal_level", "replica", "max_wal_senders", "4"))) {
      cluster.execute("CREATE TABLE t (id int)");
      // a flush interval of a minute: what reaches the repository below was stored by the stop
      ProcessBuilder builder =
          new ProcessBuilder(
                  root.resolve("biowerk-dr").toString(),
                  "wal-receive",
                  cluster.uri("postgres") + "?name=rs&slot=rs_slot&flush-interval=60000",
                  "--repo",
                  repo.toString(),
                  "--key-file",
                  keyFile.toString())
              .directory(work.toFile())
              .redirectOutput(dir.resolve("receive.out").toFile())
              .redirectError(dir.resolve("receive.err").toFile());
      builder.environment().keySet().removeIf(k -> k.startsWith("BIOWERK_DR_"));
      builder.environment().put("HOME", home.toString());
      builder.environment().put("BIOWERK_DR_CDS", "off");
      Process receiver = builder.start();
      try {
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (cluster
            .single(
                "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'biowerk-dr wal-receive'")
            .equals("0")) {
          assertThat(receiver.isAlive())
              .as("receiver runs: " + Files.readString(dir.resolve("receive.err")))
              .isTrue();
          assertThat(System.nanoTime()).as("receiver connected").isLessThan(until);
          Thread.sleep(100);
        }
        cluster.execute("INSERT INTO t SELECT generate_series(1, 1000)");
        long written = lsn(cluster.single("SELECT pg_current_wal_lsn()::text"));
        // received (the receiver reports what it received as written)
        while (lsn(
                cluster.single(
                    "SELECT coalesce(max(write_lsn), '0/0')::text FROM pg_stat_replication"
                        + " WHERE application_name = 'biowerk-dr wal-receive'"))
            < written) {
          assertThat(System.nanoTime()).as("received").isLessThan(until);
          Thread.sleep(50);
        }
        long stopAt = System.nanoTime();
        receiver.destroy(); // SIGTERM
        assertThat(receiver.waitFor(60, TimeUnit.SECONDS)).isTrue();
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopAt);
        // before, the shutdown hook waited for a thread blocked in System.exit: 20 s every time
        assertThat(tookMillis)
            .as(
                "stopped well before the 20 s cleanup wait; err: "
                    + Files.readString(dir.resolve("receive.err")))
            .isLessThan(10_000);
        Path wal = repo.resolve("rs/wal");
        List<Path> partials;
        try (var files = Files.list(wal)) {
          partials =
              files
                  .filter(
                      p ->
                          p.getFileName()
                              .toString()
                              .matches(
                                  "[0-9A-F]{24}\\.partial\\.[0-9a-f]{8}-[0-9a-f]{8}\\.manifest\\.json"))
                  .toList();
        }
        // the receiver stores its partial segment in pieces; the newest reaches furthest
        assertThat(partials).as(listing(wal)).isNotEmpty();
        long received = 0;
        for (Path partial : partials) {
          java.util.regex.Matcher m =
              java.util.regex.Pattern.compile("\"receivedUpTo\"\\s*:\\s*\"([0-9A-F]+/[0-9A-F]+)\"")
                  .matcher(Files.readString(partial));
          assertThat(m.find()).as(Files.readString(partial)).isTrue();
          received = Math.max(received, lsn(m.group(1)));
        }
        assertThat(received)
            .as("the stop stored what was received")
            .isGreaterThanOrEqualTo(written);
      } finally {
        receiver.destroyForcibly();
      }
    }
  }

  private static String listing(Path directory) throws IOException {
    if (!Files.isDirectory(directory)) {
      return "(none)";
    }
    try (var files = Files.list(directory)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList().toString();
    }
  }

  private static boolean hasAny(Path dir) throws IOException {
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      return files.findAny().isPresent();
    }
  }
}
