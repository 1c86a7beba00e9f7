package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogSegmentInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, item 6 through the command with file repositories: a backup fanned out to a healthy and
 * a read-only repository is kept, complete, in the healthy one and exits 1 naming the failed one
 * and the {@code sync} that repairs it; {@code sync} copies what is missing byte for byte, resumes
 * after a {@code kill -9}, refuses to overwrite a differing object and reports damage with exit 3.
 */
class FanOutAndSyncTest {

  @TempDir Path dir;
  private final List<Path> immutable = new ArrayList<>();

  @AfterEach
  void writableAgain() throws Exception {
    for (Path path : List.copyOf(immutable)) {
      makeWritable(path);
    }
  }

  private Path docs() throws IOException {
    Path docs = Files.createDirectories(dir.resolve("docs"));
    Files.writeString(docs.resolve("a.txt"), "alpha\n".repeat(1000));
    Files.write(docs.resolve("b.bin"), Fixtures.data(300_000, 7));
    return docs;
  }

  /**
   * Makes {@code repo} an existing repository nobody can write to: {@code chattr +i} when this runs
   * as root (root ignores file modes), mode 0555 otherwise; checked, so the test cannot pass on a
   * writable directory.
   */
  private void makeReadOnly(Path repo) throws Exception {
    Files.createDirectories(repo);
    if ("root".equals(System.getProperty("user.name"))) {
      Process chattr = new ProcessBuilder("chattr", "+i", repo.toString()).inheritIO().start();
      assertThat(chattr.waitFor()).as("chattr +i " + repo).isZero();
    } else {
      Files.setPosixFilePermissions(repo, PosixFilePermissions.fromString("r-xr-xr-x"));
    }
    immutable.add(repo);
    Path probe = repo.resolve("probe");
    try {
      Files.createFile(probe);
      Files.delete(probe);
      throw new AssertionError(repo + " is still writable; the test needs a read-only directory");
    } catch (IOException expected) {
      // read-only, as wanted
    }
  }

  private void makeWritable(Path repo) throws Exception {
    if ("root".equals(System.getProperty("user.name"))) {
      new ProcessBuilder("chattr", "-i", repo.toString()).inheritIO().start().waitFor();
    } else {
      Files.setPosixFilePermissions(repo, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    immutable.remove(repo);
  }

  private static List<String> files(Path root) throws IOException {
    if (!Files.exists(root)) {
      return List.of();
    }
    // A running sync renames temp files while the tree is walked: look again.
    for (int attempt = 0; ; attempt++) {
      try (Stream<Path> walk = Files.walk(root)) {
        return walk.filter(Files::isRegularFile)
            .map(p -> root.relativize(p).toString())
            .sorted()
            .toList();
      } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
        if (attempt == 20) {
          throw e;
        }
      }
    }
  }

  private static List<String> ids(Cli cli, Path repo, String... more) {
    List<String> args = new ArrayList<>(List.of("list", "--repo", repo.toString()));
    args.addAll(List.of(more));
    Cli.Result list = cli.run(args.toArray(String[]::new));
    assertThat(list.code()).as(list.toString()).isZero();
    return list.out().lines().skip(1).map(l -> l.split("\\s+", -1)[0]).sorted().toList();
  }

  @Test
  void aReadOnlySecondRepositoryKeepsTheBackupInTheFirstExits1AndSyncRepairsIt() throws Exception {
    Path docs = docs();
    Path local = dir.resolve("local");
    Path readOnly = dir.resolve("offsite");
    makeReadOnly(readOnly);
    Cli cli = new Cli(dir);
    Path key = dir.resolve("key");
    assertThat(cli.run("keys", "generate", "--key-file", key.toString()).code()).isZero();

    Cli.Result backup =
        cli.run(
            "backup",
            docs.toString(),
            "--key-file",
            key.toString(),
            "--repo",
            local.toString(),
            "--repo",
            readOnly.toString());
    assertThat(backup.code()).as(backup.toString()).isEqualTo(ExitCodes.FAILURE);
    String id = backup.out().lines().findFirst().orElseThrow().split(" ", -1)[1];
    assertThat(backup.out())
        .contains("  in          " + Uris.fileUri(local) + "/docs/daily/" + id)
        .contains("  NOT in      " + Uris.fileUri(readOnly) + " (failed; see below)");
    assertThat(backup.err())
        .contains("backup: " + id + " FAILED in " + Uris.fileUri(readOnly) + ": ")
        .contains("nothing of it is listed there")
        .contains(
            "biowerk-dr sync --from "
                + Uris.fileUri(local)
                + " --to "
                + Uris.fileUri(readOnly)
                + " --source docs")
        .contains("is complete only in " + Uris.fileUri(local))
        .contains("exit 1");
    // Complete where it succeeded: listed, verified, restorable. Nothing at all where it failed.
    assertThat(ids(cli, local)).containsExactly(id);
    Cli.Result verify =
        cli.run("verify", id, "--repo", local.toString(), "--key-file", key.toString());
    assertThat(verify.code()).as(verify.toString()).isZero();
    assertThat(files(readOnly)).isEmpty();

    // The outage ends: the command the message gave copies the backup over.
    makeWritable(readOnly);
    Cli.Result sync =
        cli.run(
            "sync", "--from", local.toString(), "--to", readOnly.toString(), "--source", "docs");
    assertThat(sync.code()).as(sync.toString()).isZero();
    assertThat(sync.out()).contains("copied      backup " + id).contains("copied 1 backup(s)");
    assertThat(ids(cli, readOnly)).containsExactly(id);
    for (String file : files(local)) {
      // Verification logs are each repository's own history; sync does not copy them.
      if (!file.contains(".in-progress")
          && !file.startsWith(".")
          && !file.endsWith(".verify.json")) {
        assertThat(Files.readAllBytes(readOnly.resolve(file)))
            .as("byte for byte: " + file)
            .isEqualTo(Files.readAllBytes(local.resolve(file)));
      }
    }
    Path restored = dir.resolve("restored");
    Cli.Result restore =
        cli.run(
            "restore",
            id,
            restored.toString(),
            "--repo",
            readOnly.toString(),
            "--key-file",
            key.toString());
    assertThat(restore.code()).as(restore.toString()).isZero();
    assertThat(Files.readAllBytes(restored.resolve("b.bin"))).isEqualTo(Fixtures.data(300_000, 7));
  }

  @Test
  void aPartialFanOutSaysSoInJson() throws Exception {
    Path docs = docs();
    Path local = dir.resolve("local");
    Path readOnly = dir.resolve("offsite");
    makeReadOnly(readOnly);
    Cli cli = new Cli(dir);
    Cli.Result backup =
        cli.run(
            "backup",
            docs.toString(),
            "--no-encrypt",
            "--json",
            "--repo",
            local.toString(),
            "--repo",
            readOnly.toString());
    assertThat(backup.code()).as(backup.toString()).isEqualTo(ExitCodes.FAILURE);
    var json = Json.read(backup.out());
    assertThat(json.get("ok").asBoolean()).isFalse();
    assertThat(json.get("repositories")).hasSize(1);
    assertThat(json.get("repositories").get(0).asText()).isEqualTo(Uris.fileUri(local).toString());
    var failed = json.get("failedRepositories");
    assertThat(failed).hasSize(1);
    assertThat(failed.get(0).get("repository").asText())
        .isEqualTo(Uris.fileUri(readOnly).toString());
    assertThat(failed.get(0).get("error").asText()).isNotBlank();
    assertThat(failed.get(0).get("sync").asText())
        .startsWith("biowerk-dr sync --from " + Uris.fileUri(local));
  }

  @Test
  void everyRepositoryFailingKeepsNothingAndExits1() throws Exception {
    Path docs = docs();
    Path first = dir.resolve("first");
    Path second = dir.resolve("second");
    makeReadOnly(first);
    makeReadOnly(second);
    Cli cli = new Cli(dir);
    Cli.Result backup =
        cli.run(
            "backup",
            docs.toString(),
            "--no-encrypt",
            "--repo",
            first.toString(),
            "--repo",
            second.toString());
    assertThat(backup.code()).as(backup.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(backup.err()).contains("failed in every repository").contains("nothing was kept");
    assertThat(files(first)).isEmpty();
    assertThat(files(second)).isEmpty();
  }

  private Path threeBackups(Cli cli, Path repo, Path key) throws Exception {
    Path docs = docs();
    for (int i = 0; i < 3; i++) {
      Files.write(docs.resolve("b.bin"), Fixtures.data(300_000 + i, i));
      Cli.Result backup =
          cli.run(
              "backup", docs.toString(), "--key-file", key.toString(), "--repo", repo.toString());
      assertThat(backup.code()).as(backup.toString()).isZero();
      cli.clock.advance(Duration.ofHours(1));
    }
    return docs;
  }

  @Test
  void syncCopiesWhatIsMissingByteForByteAndThenNothing() throws Exception {
    Cli cli = new Cli(dir);
    Path key = dir.resolve("key");
    assertThat(cli.run("keys", "generate", "--key-file", key.toString()).code()).isZero();
    Path from = dir.resolve("from");
    Path to = dir.resolve("to");
    threeBackups(cli, from, key);
    // WAL segments travel too: two pushed with the library, as archive_command would.
    LogArchive wal =
        LogArchive.of(
            LocalSink.open(from),
            "orders",
            "wal",
            BackupCommand.compression("zstd"),
            KeyRing.empty());
    for (String name : List.of("000000010000000000000001", "000000010000000000000002")) {
      Path segment = dir.resolve(name);
      Files.write(segment, Fixtures.data(100_000, name.hashCode()));
      wal.push(
          new LogSegmentInfo(
              name, "0/1000000", "0/2000000", Optional.empty(), Optional.empty(), Map.of()),
          segment);
    }

    Cli.Result dry = cli.run("sync", "--from", from.toString(), "--to", to.toString(), "--dry-run");
    assertThat(dry.code()).as(dry.toString()).isZero();
    assertThat(dry.out()).contains("would copy 3 backup(s) and 2 log segment(s)");
    assertThat(files(to)).isEmpty();

    Cli.Result sync = cli.run("sync", "--from", from.toString(), "--to", to.toString());
    assertThat(sync.code()).as(sync.toString()).isZero();
    assertThat(sync.out())
        .contains("copied 3 backup(s) and 2 log segment(s)")
        .contains("0 already there");
    assertThat(ids(cli, to)).isEqualTo(ids(cli, from)).hasSize(3);
    List<String> copied = files(to);
    assertThat(copied)
        .isEqualTo(
            files(from).stream()
                .filter(f -> !f.contains("/.") && !f.endsWith(".verify.json"))
                .toList());
    for (String file : copied) {
      assertThat(Files.readAllBytes(to.resolve(file)))
          .as(file)
          .isEqualTo(Files.readAllBytes(from.resolve(file)));
    }
    Cli.Result verify =
        cli.run("verify", "all", "--repo", to.toString(), "--key-file", key.toString());
    assertThat(verify.code()).as(verify.toString()).isZero();

    Cli.Result again = cli.run("sync", "--from", from.toString(), "--to", to.toString(), "--json");
    assertThat(again.code()).as(again.toString()).isZero();
    var json = Json.read(again.out());
    assertThat(json.get("backups").asInt()).isZero();
    assertThat(json.get("logSegments").asInt()).isZero();
    assertThat(json.get("alreadyPresent").asInt()).isEqualTo(5);
  }

  @Test
  void syncRefusesToOverwriteADifferingObjectAndExits3() throws Exception {
    Cli cli = new Cli(dir);
    Path from = dir.resolve("from");
    Path to = dir.resolve("to");
    Path docs = docs();
    Cli.Result backup =
        cli.run("backup", docs.toString(), "--no-encrypt", "--repo", from.toString(), "--json");
    assertThat(backup.code()).as(backup.toString()).isZero();
    String dataKey = Json.read(backup.out()).get("storedKey").asText();
    // --to holds other bytes under the same name (no manifest: not a listed backup there).
    Path foreign = to.resolve(dataKey);
    Files.createDirectories(foreign.getParent());
    Files.writeString(foreign, "not this backup");

    Cli.Result sync = cli.run("sync", "--from", from.toString(), "--to", to.toString());
    assertThat(sync.code()).as(sync.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(sync.err())
        .contains("CONFLICT: " + dataKey + " in --to holds different bytes")
        .contains("not overwritten")
        .contains("exit 3");
    assertThat(Files.readString(foreign)).isEqualTo("not this backup");
    assertThat(files(to)).containsExactly(dataKey);

    // A manifest of the same backup that describes other data is a conflict too.
    Files.delete(foreign);
    assertThat(cli.run("sync", "--from", from.toString(), "--to", to.toString()).code()).isZero();
    Path manifest = to.resolve(dataKey + ".manifest.json");
    String text = Files.readString(manifest);
    String sha = Json.read(text).get("stored").get("sha256").asText();
    Files.writeString(manifest, text.replace(sha, "0".repeat(64)));
    Cli.Result conflict = cli.run("sync", "--from", from.toString(), "--to", to.toString());
    assertThat(conflict.code()).as(conflict.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(conflict.err())
        .contains("CONFLICT: " + dataKey + ".manifest.json in --to describes different data");
  }

  @Test
  void aDamagedBackupInFromIsNotCopiedTheOthersAreAndExits3() throws Exception {
    Cli cli = new Cli(dir);
    Path key = dir.resolve("key");
    assertThat(cli.run("keys", "generate", "--key-file", key.toString()).code()).isZero();
    Path from = dir.resolve("from");
    Path to = dir.resolve("to");
    threeBackups(cli, from, key);
    List<String> ids = ids(cli, from);
    // Flip one byte of the newest backup's data object.
    Path data;
    try (Stream<Path> walk = Files.walk(from.resolve("docs/daily"))) {
      data =
          walk.filter(p -> p.getFileName().toString().startsWith(ids.get(2)))
              .filter(p -> p.getFileName().toString().endsWith(".enc"))
              .findFirst()
              .orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(data);
    bytes[bytes.length / 2] ^= 1;
    Files.write(data, bytes);

    Cli.Result sync = cli.run("sync", "--from", from.toString(), "--to", to.toString());
    assertThat(sync.code()).as(sync.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(sync.err()).contains("DAMAGED in --from, not copied: docs/daily/" + ids.get(2));
    assertThat(sync.out()).contains("copied 2 backup(s)");
    assertThat(ids(cli, to)).containsExactly(ids.get(0), ids.get(1));
    assertThat(files(to)).noneMatch(f -> f.contains(ids.get(2)));
  }

  @Test
  void aSyncKilledMidWayListsNoPartialBackupAndTheNextSyncCopiesOnlyTheRest() throws Exception {
    Cli cli = new Cli(dir);
    Path key = dir.resolve("key");
    assertThat(cli.run("keys", "generate", "--key-file", key.toString()).code()).isZero();
    Path from = dir.resolve("from");
    Path docs = Files.createDirectories(dir.resolve("big"));
    int count = 6;
    for (int i = 0; i < count; i++) {
      Files.write(docs.resolve("r.bin"), Fixtures.data(6_000_000, 100 + i));
      Cli.Result backup =
          cli.run(
              "backup",
              docs.toString(),
              "--compression",
              "none",
              "--key-file",
              key.toString(),
              "--repo",
              from.toString());
      assertThat(backup.code()).as(backup.toString()).isZero();
      cli.clock.advance(Duration.ofHours(1));
    }
    for (int attempt = 0; attempt < 5; attempt++) {
      Path to = dir.resolve("to-" + attempt);
      Process sync = syncProcess(from, to);
      try {
        while (sync.isAlive() && manifests(to) == 0 && files(to).isEmpty()) {
          Thread.sleep(2);
        }
        while (sync.isAlive() && manifests(to) < 2) {
          Thread.sleep(2);
        }
        sync.destroyForcibly();
        assertThat(sync.waitFor(60, TimeUnit.SECONDS)).isTrue();
      } finally {
        sync.destroyForcibly();
      }
      int listed = manifests(to);
      if (listed >= count) {
        continue; // it finished first: try again into a fresh repository
      }
      // What the killed sync left is never a partial backup: every listed backup verifies.
      List<String> before = Files.exists(to) ? ids(cli, to) : List.of();
      assertThat(before).hasSize(listed);
      if (!before.isEmpty()) {
        Cli.Result verify =
            cli.run("verify", "all", "--repo", to.toString(), "--key-file", key.toString());
        assertThat(verify.code()).as(verify.toString()).isZero();
      }
      Cli.Result resume = cli.run("sync", "--from", from.toString(), "--to", to.toString());
      assertThat(resume.code()).as(resume.toString()).isZero();
      assertThat(resume.out())
          .contains("copied " + (count - listed) + " backup(s)")
          .contains(listed + " already there");
      assertThat(ids(cli, to)).isEqualTo(ids(cli, from));
      Cli.Result verify =
          cli.run("verify", "all", "--repo", to.toString(), "--key-file", key.toString());
      assertThat(verify.code()).as(verify.toString()).isZero();
      return;
    }
    throw new AssertionError("sync finished 5 times before it could be killed mid-way");
  }

  private static int manifests(Path repo) throws IOException {
    return (int) files(repo).stream().filter(f -> f.endsWith(".manifest.json")).count();
  }

  private Process syncProcess(Path from, Path to) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xshare:auto");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(List.of("sync", "--from", from.toString(), "--to", to.toString()));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().remove("BIOWERK_DR_REPO");
    builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.redirectError(dir.resolve("sync-stderr.txt").toFile());
    return builder.start();
  }
}
