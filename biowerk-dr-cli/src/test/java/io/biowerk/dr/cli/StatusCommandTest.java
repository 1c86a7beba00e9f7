package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.biowerk.dr.core.BackupManifest;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatusCommandTest {

  @TempDir Path dir;

  @Test
  void reportsRpoPerSourceAgainstTheTarget() throws Exception {
    Cli cli = new Cli(dir);
    BackupManifest fresh =
        Fixtures.backup(cli.defaultRepo(), null, "fresh", Fixtures.data(1000, 1), cli.clock);
    cli.clock.advance(Duration.ofHours(2));
    Fixtures.backup(cli.defaultRepo(), null, "other", Fixtures.data(1000, 2), cli.clock);
    cli.clock.advance(Duration.ofMinutes(30));

    Cli.Result result = cli.run("status");
    assertThat(result.code()).as(result.toString()).isEqualTo(0);
    assertThat(result.out())
        .contains("SOURCE")
        .contains(fresh.id())
        .contains("VIOLATED (1h)")
        .contains("OK (1h)")
        .contains("2h 30m");

    Cli.Result json = cli.run("status", "--json", "--rpo", "3h");
    JsonNode report = Json.read(json.out());
    assertThat(report.get("sources")).hasSize(2);
    assertThat(report.get("sources").get(0).get("source").asText()).isEqualTo("fresh");
    assertThat(report.get("sources").get(0).get("rpoStatus").asText()).isEqualTo("OK");
    assertThat(report.get("sources").get(0).get("rtoStatus").asText()).isEqualTo("UNKNOWN");
    assertThat(report.get("sources").get(0).get("rpoTargetSeconds").asLong()).isEqualTo(3 * 3600);
  }

  @Test
  void theActiveKeysAgeIsReportedAgainstTheKeyPolicy() throws Exception {
    Cli cli = new Cli(dir);
    Cli.Result generated = cli.run("keys", "generate");
    assertThat(generated.code()).as(generated.toString()).isEqualTo(0);
    Fixtures.backup(cli.defaultRepo(), null, "app", Fixtures.data(1000, 1), cli.clock);

    cli.clock.advance(Duration.ofDays(10));
    Cli.Result fresh = cli.run("status");
    assertThat(fresh.out()).contains("10 days old: OK (rotation due at 90 days)");

    cli.clock.advance(Duration.ofDays(71));
    Cli.Result warned = cli.run("status");
    assertThat(warned.code()).as(warned.toString()).isEqualTo(0);
    assertThat(warned.out())
        .contains("created 2026-11-30T12:00:00Z, 81 days old: WARNING, rotation is due at 90 days");
    JsonNode warning = Json.read(cli.run("status", "--json").out()).get("key");
    assertThat(warning.get("status").asText()).isEqualTo("WARNING");
    assertThat(warning.get("ageDays").asLong()).isEqualTo(81);
    assertThat(warning.get("createdAt").asText()).isEqualTo("2026-11-30T12:00:00Z");

    cli.clock.advance(Duration.ofDays(10));
    Cli.Result violated = cli.run("status");
    assertThat(violated.out())
        .contains("91 days old: POLICY VIOLATION, older than 90 days")
        .contains("biowerk-dr keys rotate");
    JsonNode report = Json.read(cli.run("status", "--json").out());
    assertThat(report.get("key").get("status").asText()).isEqualTo("VIOLATED");
    assertThat(report.get("ok").asBoolean()).isFalse();

    JsonNode relaxed =
        Json.read(
                cli.run("status", "--json", "--key-warn-after", "100", "--key-max-age", "120")
                    .out())
            .get("key");
    assertThat(relaxed.get("status").asText()).isEqualTo("OK");
    assertThat(relaxed.get("maxAgeDays").asInt()).isEqualTo(120);

    Cli.Result wrong = cli.run("status", "--key-warn-after", "100", "--key-max-age", "90");
    assertThat(wrong.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(wrong.err()).contains("status: --key-warn-after (100) must be 0 to --key-max-age");
  }

  @Test
  void failOnViolationExitsWithFailure() throws Exception {
    Cli cli = new Cli(dir);
    Fixtures.backup(cli.defaultRepo(), null, "app", Fixtures.data(1000, 1), cli.clock);
    cli.clock.advance(Duration.ofDays(2));
    Cli.Result result = cli.run("status", "--fail-on-violation");
    assertThat(result.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(result.out()).contains("VIOLATED");
    assertThat(result.err()).contains("status: an objective is VIOLATED").contains("take a backup");
  }

  @Test
  void anEmptyOrMissingRepositoryIsReported() throws Exception {
    Cli cli = new Cli(dir);
    Cli.Result missing = cli.run("status");
    assertThat(missing.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(missing.err()).contains("does not exist");
    java.nio.file.Files.createDirectories(cli.defaultRepo());
    Cli.Result empty = cli.run("status");
    assertThat(empty.code()).isEqualTo(0);
    assertThat(empty.out()).contains("no backups yet");
    Cli.Result badRpo = cli.run("status", "--rpo", "soon");
    assertThat(badRpo.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(badRpo.err()).contains("--rpo 'soon' is not a duration");
  }
}
