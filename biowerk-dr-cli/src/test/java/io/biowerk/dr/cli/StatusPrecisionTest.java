package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.local.LocalSink;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20: {@code status} prints a restore test's duration with its real precision (1.6 s is not
 * "1.00 s") and takes RPO targets per source, so a daily dump is not "VIOLATED" against an hourly
 * target meant for another source.
 */
class StatusPrecisionTest {

  @TempDir Path dir;

  @Test
  void aShortRestoreTestIsPrintedWithItsMilliseconds() throws Exception {
    Cli cli = new Cli(dir);
    BackupManifest app =
        Fixtures.backup(cli.defaultRepo(), null, "app", Fixtures.data(1000, 1), cli.clock);
    Catalog.of(LocalSink.existing(cli.defaultRepo()))
        .record(
            new VerificationResult(
                app.id(),
                VerificationLevel.RESTORE,
                cli.clock.instant(),
                true,
                Duration.ofMillis(1600),
                "restored"));
    Cli.Result status = cli.run("status");
    assertThat(status.code()).as(status.toString()).isEqualTo(0);
    assertThat(status.out()).contains("1.60 s").doesNotContain("1.00 s");
    JsonNode json = Json.read(cli.run("status", "--json").out());
    assertThat(json.get("sources").get(0).get("lastRestoreMillis").asLong()).isEqualTo(1600);
  }

  @Test
  void rpoTargetsArePerSource() throws Exception {
    Cli cli = new Cli(dir);
    Fixtures.backup(cli.defaultRepo(), null, "postgres", Fixtures.data(1000, 1), cli.clock);
    cli.clock.advance(Duration.ofHours(5));
    Fixtures.backup(cli.defaultRepo(), null, "config", Fixtures.data(1000, 2), cli.clock);
    cli.clock.advance(Duration.ofMinutes(30));

    JsonNode one = Json.read(cli.run("status", "--json", "--rpo", "1h").out());
    assertThat(status(one, "postgres")).isEqualTo("VIOLATED");

    Cli.Result per = cli.run("status", "--json", "--rpo", "postgres=25h", "--rpo", "1h");
    assertThat(per.code()).as(per.toString()).isEqualTo(0);
    JsonNode json = Json.read(per.out());
    assertThat(status(json, "postgres")).isEqualTo("OK");
    assertThat(status(json, "config")).isEqualTo("OK");
    assertThat(target(json, "postgres")).isEqualTo(25 * 3600);
    assertThat(target(json, "config")).isEqualTo(3600);

    Cli.Result bad = cli.run("status", "--rpo", "Postgres!=25h");
    assertThat(bad.code()).as(bad.toString()).isEqualTo(ExitCodes.USAGE);
  }

  private static String status(JsonNode report, String source) {
    return find(report, source).get("rpoStatus").asText();
  }

  private static long target(JsonNode report, String source) {
    return find(report, source).get("rpoTargetSeconds").asLong();
  }

  private static JsonNode find(JsonNode report, String source) {
    for (JsonNode s : report.get("sources")) {
      if (s.get("source").asText().equals(source)) {
        return s;
      }
    }
    throw new AssertionError("no source " + source + " in " + report);
  }
}
