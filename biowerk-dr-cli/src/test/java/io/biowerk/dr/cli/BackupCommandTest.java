package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupCommandTest {

  @TempDir Path dir;
  Cli cli;
  Path config;

  @BeforeEach
  void aDirectory() throws Exception {
    cli = new Cli(dir);
    config = Files.createDirectories(cli.work.resolve("config"));
    Files.writeString(
        config.resolve("compose.yml"), "services:\n  db:\n    image: postgres\n".repeat(200));
    Files.createDirectories(config.resolve("certs"));
    Files.write(config.resolve("certs/server.pem"), Fixtures.data(20_000, 7));
  }

  @Test
  void firstBackupCreatesTheKeyPrintsItOnceAndReportsTheBackup() throws Exception {
    Cli.Result result = cli.run("backup", "config");
    assertThat(result.code()).as(result.toString()).isEqualTo(0);
    Path key = cli.defaultKeyFile();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");
    String keyLine =
        Files.readAllLines(key).stream()
            .filter(l -> l.startsWith("key "))
            .findFirst()
            .orElseThrow();
    String keyId = keyLine.substring(4, keyLine.indexOf(':'));
    assertThat(result.err())
        .contains("created a new encryption key " + keyId + " in " + key)
        .contains("WARNING: store a copy of this key in your password vault")
        .contains(keyLine);

    assertThat(result.out())
        .startsWith("backup config_20261130_120000 done in ")
        .contains("source      " + Uris.fileUri(config) + " (files)")
        .contains("stored as   config_20261130_120000.tar.zst.enc")
        .contains(
            "in          "
                + Uris.fileUri(cli.defaultRepo())
                + "/config/daily/config_20261130_120000.tar.zst.enc")
        .containsPattern(
            "size        [0-9.]+ KiB raw -> [0-9.]+ (KiB|B) stored \\(ratio [0-9.]+\\)")
        .contains("encryption  aes-256-gcm, key " + keyId);
    assertThat(cli.defaultRepo().resolve("config/daily/config_20261130_120000.tar.zst.enc"))
        .isRegularFile();

    // The second backup uses the same key and does not print it again.
    cli.clock.advance(java.time.Duration.ofMinutes(1));
    Cli.Result second = cli.run("backup", Uris.fileUri(config).toString());
    assertThat(second.code()).as(second.toString()).isEqualTo(0);
    assertThat(second.err())
        .doesNotContain(keyLine.substring(keyLine.indexOf(':') + 2))
        .doesNotContain("WARNING");
    assertThat(second.out()).contains("key " + keyId);
  }

  @Test
  void jsonOutputIsOneDocumentOnStdout() throws Exception {
    Cli.Result result =
        cli.run("backup", "config", "--json", "--no-encrypt", "--compression", "zstd:19");
    assertThat(result.code()).as(result.toString()).isEqualTo(0);
    JsonNode json = Json.read(result.out());
    assertThat(json.get("ok").asBoolean()).isTrue();
    assertThat(json.get("id").asText()).isEqualTo("config_20261130_120000");
    assertThat(json.get("storedName").asText()).isEqualTo("config_20261130_120000.tar.zst");
    assertThat(json.get("rawSize").asLong()).isGreaterThan(json.get("storedSize").asLong());
    assertThat(json.get("ratio").asDouble()).isGreaterThan(1.0);
    assertThat(json.get("keyId").isNull()).isTrue();
    assertThat(json.get("manifest").get("codecs").get(0).get("parameters").get("level").asText())
        .isEqualTo("19");
    // --no-encrypt needs no key and makes none.
    assertThat(cli.defaultKeyFile()).doesNotExist();
    assertThat(result.err()).isEmpty();
  }

  @Test
  void fanOutWritesEveryRepository() throws Exception {
    Path second = dir.resolve("offsite");
    Cli.Result result =
        cli.run(
            "backup",
            "config",
            "--repo",
            "primary",
            "--repo",
            second.toString(),
            "--compression",
            "none",
            "--no-encrypt");
    assertThat(result.code()).as(result.toString()).isEqualTo(0);
    String manifest = "config/daily/config_20261130_120000.tar.manifest.json";
    assertThat(cli.work.resolve("primary").resolve(manifest)).isRegularFile();
    assertThat(second.resolve(manifest)).isRegularFile();
    assertThat(Files.readString(second.resolve(manifest)))
        .isEqualTo(Files.readString(cli.work.resolve("primary").resolve(manifest)));
  }

  @Test
  void repositoryFromTheEnvironment() throws Exception {
    cli.variables.put("BIOWERK_DR_REPO", dir.resolve("env-repo").toString());
    assertThat(cli.run("backup", "config", "--no-encrypt").code()).isEqualTo(0);
    assertThat(dir.resolve("env-repo/config/daily")).isDirectory();
    assertThat(cli.defaultRepo()).doesNotExist();
  }

  @Test
  void keysFromTheEnvironmentEncryptWithoutCreatingAKeyFile() throws Exception {
    cli.variables.put(
        "BIOWERK_DR_KEY", "ci-1:" + Base64.getEncoder().encodeToString(Fixtures.data(32, 3)));
    Cli.Result result = cli.run("backup", "config");
    assertThat(result.code()).as(result.toString()).isEqualTo(0);
    assertThat(result.out()).contains("key ci-1");
    assertThat(cli.defaultKeyFile()).doesNotExist();
    assertThat(cli.run("verify", "latest").out()).startsWith("ok ");
  }

  @Test
  void anUnknownSchemeIsAUsageErrorListingTheSchemesAndChangesNothing() throws Exception {
    Cli.Result result = cli.run("backup", "gopher://host/data");
    assertThat(result.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err().lines().toList()).hasSize(1);
    assertThat(result.err())
        .startsWith("biowerk-dr: no source for URI scheme 'gopher' is available; found: file")
        .contains("Add the adapter module");
    assertThat(cli.defaultRepo()).doesNotExist();
    assertThat(cli.defaultKeyFile()).doesNotExist();

    Cli.Result json = cli.run("backup", "gopher://host/data", "--json");
    JsonNode error = Json.read(json.out());
    assertThat(error.get("exitCode").asInt()).isEqualTo(2);
    assertThat(error.get("type").asText()).isEqualTo("ProviderNotFoundException");
  }

  @Test
  void badCompressionAndTierAreUsageErrors() throws Exception {
    Cli.Result codec = cli.run("backup", "config", "--compression", "lz4");
    assertThat(codec.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(codec.err())
        .contains("--compression must be zstd, zstd:LEVEL (1-22) or none, not 'lz4'");
    Cli.Result level = cli.run("backup", "config", "--compression", "zstd:99");
    assertThat(level.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(level.err()).contains("zstd level (99) must be 1-");
    Cli.Result tier = cli.run("backup", "config", "--tier", "hourly");
    assertThat(tier.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(tier.err()).contains("--tier must be one of daily, weekly, monthly");
    assertThat(cli.defaultRepo()).doesNotExist();
  }

  @Test
  void aMissingSourceDirectoryFailsAndLeavesNoBackup() throws Exception {
    Cli.Result result = cli.run("backup", "no-such-dir", "--no-encrypt");
    assertThat(result.code()).as(result.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(result.err()).startsWith("biowerk-dr: ").contains("no-such-dir");
    assertThat(result.err().lines().count()).isEqualTo(1);
    assertThat(cli.run("list").out()).doesNotContain("no-such-dir_");
  }

  @Test
  void anUnsafeKeyFileStopsTheBackupBeforeAnythingIsWritten() throws Exception {
    cli.run("keys", "generate");
    Files.setPosixFilePermissions(
        cli.defaultKeyFile(), PosixFilePermissions.fromString("rw-rw-r--"));
    Cli.Result result = cli.run("backup", "config");
    assertThat(result.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(result.err()).contains("chmod 600");
    assertThat(cli.defaultRepo()).doesNotExist();
  }
}
