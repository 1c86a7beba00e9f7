package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code restore --target-time} cross-checks the picked backup's manifest times against the
 * repository's own timestamp of its data object (a real file repository's file times): an
 * unencrypted backup whose manifest claims a time well before the repository stored it gets a
 * warning, since its manifest is not authenticated; a backup stored when it says gets none, and an
 * encrypted one (authenticated times) is not second-guessed. A warning, not a refusal: a {@code
 * sync} or a tier move rewrites the timestamp too.
 */
class TargetTimeStoredTimeTest {

  @TempDir Path dir;
  Cli cli;
  Path data;
  Path repo;

  @BeforeEach
  void setUp() throws IOException {
    cli = new Cli(dir);
    data = Files.createDirectories(dir.resolve("data"));
    Files.writeString(data.resolve("a.txt"), "alpha\n");
    repo = dir.resolve("repo");
  }

  private Cli.Result backupAt(Instant at, String... extra) {
    cli.clock.set(at);
    String[] args = new String[4 + extra.length];
    args[0] = "backup";
    args[1] = data.toString();
    args[2] = "--repo";
    args[3] = repo.toString();
    System.arraycopy(extra, 0, args, 4, extra.length);
    Cli.Result backup = cli.run(args);
    assertThat(backup.code()).as(backup.toString()).isZero();
    return backup;
  }

  private Cli.Result restoreAt(Instant now, String target) {
    cli.clock.set(now);
    return cli.run(
        "restore",
        "latest:data",
        dir.resolve(target).toString(),
        "--repo",
        repo.toString(),
        "--target-time",
        now.toString());
  }

  @Test
  void anUnencryptedBackupStoredHoursAfterItsManifestSaysGetsAWarning() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    // The manifest says three hours ago; the repository's file times say now.
    backupAt(now.minus(Duration.ofHours(3)), "--no-encrypt");

    Cli.Result restore = restoreAt(now, "restored");

    assertThat(restore.code()).as(restore.toString()).isZero();
    assertThat(restore.err())
        .contains("WARNING: --target-time picked data_")
        .contains("but the repository stored its data at")
        .contains("copied here later")
        .contains("not authenticated");
  }

  @Test
  void anUnencryptedBackupStoredWhenItSaysGetsNone() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    backupAt(now, "--no-encrypt");

    Cli.Result restore = restoreAt(now.plusSeconds(5), "restored");

    assertThat(restore.code()).as(restore.toString()).isZero();
    assertThat(restore.err()).doesNotContain("WARNING: --target-time");
  }

  @Test
  void anEncryptedBackupsTimesAreAuthenticatedSoTheyAreNotSecondGuessed() {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    backupAt(now.minus(Duration.ofHours(3)));

    Cli.Result restore = restoreAt(now, "restored");

    assertThat(restore.code()).as(restore.toString()).isZero();
    assertThat(restore.err()).doesNotContain("WARNING: --target-time");
  }
}
