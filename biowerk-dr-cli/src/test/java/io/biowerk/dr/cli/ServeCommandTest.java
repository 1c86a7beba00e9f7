package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biowerk.dr.core.keys.KeyFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code biowerk-dr serve --check} as a person runs it: output, exit codes and the problems it
 * finds.
 */
class ServeCommandTest {

  @TempDir Path dir;

  Cli cli;
  Path config;

  @BeforeEach
  void setUp() throws Exception {
    cli = new Cli(dir);
    Files.createDirectories(cli.work.resolve("docs"));
    KeyFile.at(cli.work.resolve("key")).create(cli.clock);
    config = cli.work.resolve("biowerk-dr.yml");
    write("");
  }

  private void write(String extra) throws Exception {
    Files.writeString(
        config,
        extra
            + "repositories: [repo]\n"
            + "keys: {file: key}\n"
            + "sources:\n"
            + "  docs:\n"
            + "    uri: docs\n"
            + "    backup: \"0 2 * * *\"\n"
            + "    verify: {schedule: \"30 3 * * *\", level: native}\n"
            + "    restore-test: {schedule: \"0 4 * * SUN\"}\n");
  }

  @Test
  void checkPrintsTheScheduleAndExitsZero() {
    Cli.Result result = cli.run("serve", "--config", "biowerk-dr.yml", "--check");
    assertThat(result.code()).as(result.toString()).isZero();
    assertThat(result.out())
        .contains("configuration " + config)
        .contains("listen       127.0.0.1:8090")
        .contains("source docs  file://" + cli.work.resolve("docs"))
        .contains("backup       0 2 * * * (at 02:00, UTC), next 2026-12-01 02:00:00Z")
        .contains("verify       30 3 * * *")
        .contains("level native")
        .contains("restore test 0 4 * * SUN")
        .contains("next 2026-12-06 04:00:00Z")
        .contains("objectives   RPO 1h, RTO 4h")
        .endsWith("configuration OK\n");
  }

  @Test
  void checkShowsTheStreamsAndTheKeyReminderAndNamesALogNoModuleProvides() throws Exception {
    Files.writeString(
        config,
        Files.readString(config)
                .replace("keys: {file: key}", "keys: {file: key, reminder: \"0 9 * * MON\"}")
            + "streams:\n  docs: {log: binlog, max-lag: 5m}\n");
    Cli.Result result = cli.run("serve", "--config", "biowerk-dr.yml", "--check");
    assertThat(result.code()).as(result.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.out())
        .contains("stream docs/binlog  receiver run by the service, max lag 5m")
        .contains("key reminder 0 9 * * MON")
        .contains("PROBLEM: streams.docs.log: ")
        .contains("no provider of the log 'binlog'")
        .contains("wal")
        .contains("oplog")
        .endsWith("1 problem(s)\n");
  }

  @Test
  void checkWithJson() throws Exception {
    cli.variables.put("BIOWERK_DR_CONFIG", "biowerk-dr.yml");
    Cli.Result result = cli.run("serve", "--check", "--json");
    assertThat(result.code()).as(result.toString()).isZero();
    JsonNode json = new ObjectMapper().readTree(result.out());
    assertThat(json.get("ok").asBoolean()).isTrue();
    assertThat(json.at("/sources/0/source").asText()).isEqualTo("docs");
    assertThat(json.at("/sources/0/backup/next").asText()).isEqualTo("2026-12-01T02:00:00Z");
    assertThat(json.at("/sources/0/restoreTest/level").asText()).isEqualTo("restore");
  }

  @Test
  void withoutAConfigurationItSaysHowToGiveOne() {
    Cli.Result result = cli.run("serve");
    assertThat(result.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err())
        .contains(
            "serve: no configuration: pass --config FILE or set $BIOWERK_DR_CONFIG; deploy/biowerk-dr.yml in"
                + " the source tree is an example");
  }

  @Test
  void aConfigurationErrorNamesFileLineAndKeyAndExitsTwo() throws Exception {
    Files.writeString(config, Files.readString(config).replace("0 2 * * *", "0 2 * *"));
    Cli.Result result = cli.run("serve", "--config", "biowerk-dr.yml", "--check");
    assertThat(result.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err())
        .contains(
            "serve config: "
                + config
                + ":6: sources.docs.backup: '0 2 * *' is not a cron expression");
  }

  @Test
  void aNonLoopbackAddressWithoutATokenIsRefused() throws Exception {
    write("server: {listen: \"0.0.0.0:8090\"}\n");
    Cli.Result check = cli.run("serve", "--config", "biowerk-dr.yml", "--check");
    assertThat(check.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(check.out())
        .contains(
            "PROBLEM: server.listen 0.0.0.0 is not a loopback address, so server.token-file is required");
    Cli.Result serve = cli.run("serve", "--config", "biowerk-dr.yml");
    assertThat(serve.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(serve.err())
        .contains("cannot be used: server.listen 0.0.0.0 is not a loopback address");
  }

  @Test
  void aTokenFileOthersCanReadIsRefused() throws Exception {
    Path token = cli.work.resolve("api-token");
    Files.writeString(token, "t0ken\n");
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));
    write("server: {listen: \"0.0.0.0:8090\", token-file: api-token}\n");
    Cli.Result check = cli.run("serve", "--config", "biowerk-dr.yml", "--check");
    assertThat(check.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(check.out())
        .contains(
            "token file "
                + token
                + " can be read or written by group or others; run"
                + " `chmod 600 "
                + token
                + "`");
    assertThat(check.out() + check.err()).doesNotContain("t0ken");
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
    assertThat(cli.run("serve", "--config", "biowerk-dr.yml", "--check").code()).isZero();
  }

  @Test
  void anUnsetPasswordVariableAndAMissingKeyAreProblems() throws Exception {
    Files.delete(cli.work.resolve("key"));
    Files.writeString(
        config,
        Files.readString(config)
            .replace("    uri: docs\n", "    uri: docs\n    password: {env: DOCS_PW}\n"));
    Cli.Result check = cli.run("serve", "--config", "biowerk-dr.yml", "--check");
    assertThat(check.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(check.out())
        .contains("PROBLEM: sources.docs.password: serve: environment variable DOCS_PW is not set")
        .contains("PROBLEM: no encryption key:")
        .contains(
            "create one with `biowerk-dr keys generate --key-file " + cli.work.resolve("key") + "`")
        .contains("2 problem(s)");
  }
}
