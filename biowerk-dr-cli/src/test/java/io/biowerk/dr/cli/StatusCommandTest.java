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
