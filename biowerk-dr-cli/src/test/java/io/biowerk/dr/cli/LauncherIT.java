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
 * a fresh HOME (so the key is generated on first use), backup -> list -> verify -> restore of a
 * directory, exit codes and stdout/stderr separation, and a backup larger than the heap under
 * {@code JAVA_OPTS=-Xmx64m}.
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

  @Test
  void backupListVerifyRestoreThroughTheLauncher() throws Exception {
    Path docs = Files.createDirectories(work.resolve("docs"));
    Files.writeString(docs.resolve("README.md"), "# BIOwerk DR\n".repeat(1000));
    Files.createDirectories(docs.resolve("runbooks"));
    Files.writeString(docs.resolve("runbooks/restore.md"), "restore latest\n");

    Run backup = run("backup", "file://" + docs);
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
    Map<String, String> env =
        Map.of("PATH", bin + ":" + System.getenv("PATH"), "BIOWERK_DR_CDS", "off");
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
    assertThat(calls).isNotEmpty().allMatch(c -> c.contains("--drain --once"));

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
