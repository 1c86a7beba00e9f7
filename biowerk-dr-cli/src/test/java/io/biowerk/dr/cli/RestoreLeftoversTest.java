package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20: what a killed restore leaves beside its target (its hidden staging directory) is
 * reported by {@code status --restore-dir}, removed by {@code cleanup} (and only what is ours and
 * dead), and removed by the next restore into the same directory, which says so. The leftover is
 * real: a restore in its own JVM is killed with SIGKILL while it extracts.
 */
class RestoreLeftoversTest {

  private static final String STAGING = ".docs.biowerk-restore-";

  @TempDir Path dir;
  Cli cli;
  Path docs;
  Path restores;

  @BeforeEach
  void aBackupOfADirectory() throws Exception {
    cli = new Cli(dir);
    assertThat(cli.run("keys", "generate").code()).isEqualTo(0);
    docs = Files.createDirectories(cli.work.resolve("docs"));
    Random random = new Random(20);
    for (int i = 0; i < 24; i++) {
      byte[] data = new byte[1 << 20];
      random.nextBytes(data);
      Files.write(docs.resolve("part-" + i + ".bin"), data);
    }
    Cli.Result backup = cli.run("backup", "docs");
    assertThat(backup.code()).as(backup.toString()).isEqualTo(0);
    restores = Files.createDirectories(dir.resolve("restores"));
  }

  @Test
  void aKilledRestoresStagingIsReportedAndRemovedByTheNextRestoreWhichSaysSo() throws Exception {
    Path leftover = killedRestoreLeftover();
    Path notOurs = Files.createDirectories(restores.resolve(".docs.biowerk-restore-notours"));
    Path other = Files.writeString(restores.resolve(".docs.keep"), "mine");
    // Shaped like ours, but its process (this JVM) is alive: a restore still running.
    Path running =
        Files.createDirectories(
            restores.resolve(STAGING + ProcessHandle.current().pid() + "-1234"));

    Cli.Result status = cli.run("status", "--restore-dir", restores.toString());
    assertThat(status.out())
        .as(status.toString())
        .contains("restore leftover " + leftover + " (staging, ")
        .contains("its restore is dead): `biowerk-dr cleanup " + leftover + "` removes it")
        .contains("restore leftover " + running)
        .contains("its restore is still running")
        .doesNotContain(notOurs.toString())
        .doesNotContain(other.toString());
    Cli.Result json = cli.run("status", "--restore-dir", restores.toString(), "--json");
    JsonNode rows = Json.read(json.out()).get("restoreLeftovers");
    assertThat(rows.size()).as(json.toString()).isEqualTo(2);
    JsonNode dead =
        rows.get(0).get("path").asText().equals(leftover.toString()) ? rows.get(0) : rows.get(1);
    assertThat(dead.get("path").asText()).isEqualTo(leftover.toString());
    assertThat(dead.get("stale").asBoolean()).isTrue();
    assertThat(dead.get("bytes").asLong()).isEqualTo(size(leftover)).isPositive();
    assertThat(dead.get("ageSeconds").isNumber()).isTrue();

    Cli.Result dryRun = cli.run("cleanup", "--dry-run", restores.toString());
    assertThat(dryRun.code()).as(dryRun.toString()).isEqualTo(0);
    assertThat(dryRun.out())
        .contains("would remove " + leftover)
        .contains("kept " + running)
        .contains("would remove 1 restore leftover(s), kept 1");
    assertThat(leftover).exists();

    Path target = restores.resolve("docs");
    Cli.Result restore =
        cli.run("restore", "latest:docs", Uris.fileUri(target).toString(), "--repo", repo());
    assertThat(restore.code()).as(restore.toString()).isEqualTo(0);
    assertThat(restore.out())
        .contains("cleaned     removed " + leftover)
        .contains("left by a restore that did not finish");
    assertThat(leftover).doesNotExist();
    assertThat(running).exists();
    assertThat(notOurs).exists();
    assertThat(other).hasContent("mine");
    assertThat(target.resolve("part-7.bin")).hasSameBinaryContentAs(docs.resolve("part-7.bin"));
  }

  @Test
  void cleanupRemovesDeadLeftoversOnlyAndRefusesWhatIsNotOne() throws Exception {
    Path leftover = killedRestoreLeftover();
    Path running =
        Files.createDirectories(
            restores.resolve(STAGING + ProcessHandle.current().pid() + "-beef"));
    // An old target moved aside by a dead restore whose target is gone: the only copy, kept.
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path onlyCopy =
        Files.createDirectories(restores.resolve(".lost.biowerk-old-" + gone.pid() + "-ab12"));
    Files.writeString(onlyCopy.resolve("data.txt"), "precious");

    Path notOne = Files.writeString(restores.resolve(".docs.keep"), "mine");
    Cli.Result refused = cli.run("cleanup", notOne.toString());
    assertThat(refused.code()).as(refused.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(refused.err())
        .contains("cleanup: ")
        .contains("is neither a restore leftover")
        .contains("nothing was removed");

    Cli.Result cleanup = cli.run("cleanup", restores.toString(), "--json");
    assertThat(cleanup.code()).as(cleanup.toString()).isEqualTo(0);
    JsonNode result = Json.read(cleanup.out());
    assertThat(result.get("removed").asInt()).isEqualTo(1);
    assertThat(result.get("kept").asInt()).isEqualTo(2);
    assertThat(notOne).hasContent("mine");
    assertThat(leftover).doesNotExist();
    assertThat(running).exists();
    assertThat(onlyCopy.resolve("data.txt")).hasContent("precious");

    Cli.Result text = cli.run("cleanup", onlyCopy.toString());
    assertThat(text.out())
        .contains("kept (its target is missing: this is the only copy) " + onlyCopy);
    Cli.Result none = cli.run("cleanup", dir.resolve("home").toString());
    assertThat(none.out()).contains("no restore leftovers found");
  }

  private String repo() {
    return cli.defaultRepo().toString();
  }

  /**
   * Runs {@code restore} in its own JVM and kills it with SIGKILL once its staging directory holds
   * data; retries when a run finished before it could be caught.
   */
  private Path killedRestoreLeftover() throws Exception {
    Path target = restores.resolve("docs");
    for (int attempt = 0; attempt < 5; attempt++) {
      Process process = restore(target);
      try {
        Optional<Path> staging = Optional.empty();
        while (process.isAlive()) {
          staging = stagingWithData();
          if (staging.isPresent()) {
            break;
          }
          Thread.sleep(5);
        }
        process.destroyForcibly();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        if (staging.isPresent() && Files.exists(staging.get())) {
          assertThat(staging.get().getFileName().toString())
              .startsWith(STAGING + process.pid() + "-");
          assertThat(target).doesNotExist();
          return staging.get();
        }
      } finally {
        process.destroyForcibly();
      }
      // It finished first: start again from an empty directory.
      io.biowerk.dr.core.internal.FileTrees.delete(target);
    }
    throw new AssertionError("restore finished 5 times before it could be killed mid-way");
  }

  private Optional<Path> stagingWithData() throws IOException {
    try (Stream<Path> entries = Files.list(restores)) {
      for (Path entry : (Iterable<Path>) entries::iterator) {
        if (entry.getFileName().toString().startsWith(STAGING) && size(entry) > 0) {
          return Optional.of(entry);
        }
      }
    } catch (java.nio.file.NoSuchFileException e) {
      // an entry vanished while we looked
    }
    return Optional.empty();
  }

  private static long size(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).mapToLong(RestoreLeftoversTest::sizeOf).sum();
    } catch (java.io.UncheckedIOException e) {
      return 0;
    }
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }

  private Process restore(Path target) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xshare:auto");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(
        List.of(
            "restore",
            "latest:docs",
            Uris.fileUri(target).toString(),
            "--repo",
            repo(),
            "--key-file",
            cli.defaultKeyFile().toString()));
    ProcessBuilder builder = new ProcessBuilder(command).directory(cli.work.toFile());
    builder.environment().put("HOME", cli.home.toString());
    builder.environment().remove("BIOWERK_DR_REPO");
    builder.environment().remove("BIOWERK_DR_KEY_FILE");
    builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.redirectError(dir.resolve("restore-stderr.txt").toFile());
    return builder.start();
  }
}
