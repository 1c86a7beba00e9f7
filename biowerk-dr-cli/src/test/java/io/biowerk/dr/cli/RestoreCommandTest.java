package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestoreCommandTest {

  @TempDir Path dir;
  Cli cli;
  Path config;

  @BeforeEach
  void aBackedUpDirectory() throws Exception {
    cli = new Cli(dir);
    config = Files.createDirectories(cli.work.resolve("config"));
    Files.writeString(config.resolve("app.env"), "MODE=production\n");
    Files.createDirectories(config.resolve("certs"));
    Files.write(config.resolve("certs/ca.pem"), Fixtures.data(50_000, 9));
    Cli.Result backup = cli.run("backup", "config");
    assertThat(backup.code()).as(backup.toString()).isEqualTo(0);
  }

  @Test
  void restoresTheLatestBackupIntoANewDirectory() throws Exception {
    Path target = dir.resolve("restored");
    Cli.Result result = cli.run("restore", "latest:config", target.toString());
    assertThat(result.code()).as(result.toString()).isEqualTo(0);
    assertThat(result.out())
        .startsWith("restored config_20261130_120000 (")
        .contains("into " + Uris.fileUri(target))
        .contains("checksums verified");
    assertThat(Files.readString(target.resolve("app.env"))).isEqualTo("MODE=production\n");
    assertThat(Files.readAllBytes(target.resolve("certs/ca.pem")))
        .isEqualTo(Fixtures.data(50_000, 9));
  }

  @Test
  void aNonEmptyTargetIsRefusedWithoutForce() throws Exception {
    Path target = Files.createDirectories(dir.resolve("live"));
    Files.writeString(target.resolve("keep-me.txt"), "current data");
    Cli.Result refused = cli.run("restore", "latest", target.toString());
    assertThat(refused.code()).as(refused.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(refused.err()).startsWith("biowerk-dr: ").contains("--force");
    assertThat(refused.err().lines().count()).isEqualTo(1);
    assertThat(Files.readString(target.resolve("keep-me.txt"))).isEqualTo("current data");

    Cli.Result forced = cli.run("restore", "latest", target.toString(), "--force", "--json");
    assertThat(forced.code()).as(forced.toString()).isEqualTo(0);
    JsonNode json = Json.read(forced.out());
    assertThat(json.get("id").asText()).isEqualTo("config_20261130_120000");
    assertThat(Files.readString(target.resolve("app.env"))).isEqualTo("MODE=production\n");
  }

  @Test
  void targetTimePicksTheNewestBackupFinishedBeforeItAndSaysWhich() throws Exception {
    cli.clock.advance(Duration.ofHours(6));
    Files.writeString(config.resolve("app.env"), "MODE=compromised\n");
    assertThat(cli.run("backup", "config").code()).isEqualTo(0);

    Path target = dir.resolve("before-breach");
    Cli.Result result =
        cli.run(
            "restore", "latest:config", target.toString(), "--target-time", "2026-11-30T15:00:00Z");
    assertThat(result.code()).as(result.toString()).isEqualTo(0);
    assertThat(result.err())
        .contains("picked config_20261130_120000")
        .contains("a logical backup cannot be replayed to the exact time");
    assertThat(Files.readString(target.resolve("app.env"))).isEqualTo("MODE=production\n");

    Cli.Result tooEarly =
        cli.run(
            "restore",
            "latest:config",
            dir.resolve("x").toString(),
            "--target-time",
            "2020-01-01T00:00:00Z");
    assertThat(tooEarly.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(tooEarly.err())
        .contains("no backup of 'config' had finished by 2020-01-01T00:00:00Z");

    Cli.Result withId =
        cli.run(
            "restore",
            "config_20261130_120000",
            dir.resolve("y").toString(),
            "--target-time",
            "2026-11-30T15:00:00Z");
    assertThat(withId.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(withId.err()).contains("--target-time picks a backup itself");

    Cli.Result badTime =
        cli.run("restore", "latest", dir.resolve("z").toString(), "--target-time", "yesterday");
    assertThat(badTime.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(badTime.err()).contains("is not an ISO-8601 time");
    assertThat(Instant.parse("2026-11-30T15:00:00Z")).isBefore(cli.clock.instant());
  }

  @Test
  void aWrongKeyIsAnIntegrityFailureAndTheTargetIsNotWritten() throws Exception {
    Path file = cli.defaultKeyFile();
    List<String> lines = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      lines.add(
          line.startsWith("key ")
              ? line.substring(0, line.indexOf(':') + 2)
                  + Base64.getEncoder().encodeToString(new byte[32])
              : line);
    }
    Files.write(file, lines);
    Path target = dir.resolve("restored");
    Cli.Result result = cli.run("restore", "latest", target.toString());
    assertThat(result.code()).as(result.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(result.err()).contains("is not the key this backup was encrypted with");
    assertThat(target).doesNotExist();
  }

  @Test
  void anotherKeyFileIsAnIntegrityFailureThatNamesTheKeyNeeded() throws Exception {
    // A new machine with a freshly generated key instead of the one from the vault.
    Path other = dir.resolve("other-key");
    assertThat(cli.run("keys", "generate", "--key-file", other.toString()).code()).isEqualTo(0);
    String needed =
        Files.readAllLines(cli.defaultKeyFile()).stream()
            .filter(l -> l.startsWith("active: "))
            .findFirst()
            .orElseThrow()
            .substring("active: ".length());
    Path target = dir.resolve("restored");
    Cli.Result result =
        cli.run("restore", "latest", target.toString(), "--key-file", other.toString());
    assertThat(result.code()).as(result.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(result.err()).contains("no key with id '" + needed + "'").contains("--key-file");
    assertThat(target).doesNotExist();
  }

  @Test
  void aDamagedBackupIsRefusedBeforeTheTargetSeesAByte() throws Exception {
    Path data;
    try (var walk = Files.walk(cli.defaultRepo())) {
      data = walk.filter(p -> p.toString().endsWith(".tar.zst.enc")).findFirst().orElseThrow();
    }
    VerifyCommandTest.flipOneByte(data);
    Path target = dir.resolve("restored");
    Cli.Result result = cli.run("restore", "latest", target.toString());
    assertThat(result.code()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(result.err()).contains("stored SHA-256").contains("damaged");
    assertThat(target).doesNotExist();
  }

  @Test
  void aMissingRepositoryOrBackupIsAFailureWithAClearMessage() throws Exception {
    Cli.Result repo =
        cli.run("restore", "latest", dir.resolve("t").toString(), "--repo", "/nonexistent/repo");
    assertThat(repo.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(repo.err())
        .contains("repository file:///nonexistent/repo (from --repo) does not exist");

    Cli.Result backup = cli.run("restore", "config_19990101_000000", dir.resolve("t").toString());
    assertThat(backup.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(backup.err())
        .contains("no backup with id 'config_19990101_000000'")
        .contains("biowerk-dr list");

    Cli.Result scheme = cli.run("restore", "latest", "ldap://dir/restore");
    assertThat(scheme.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(scheme.err())
        .contains("no restore target for URI scheme 'ldap'")
        .contains("found: file");
  }
}
