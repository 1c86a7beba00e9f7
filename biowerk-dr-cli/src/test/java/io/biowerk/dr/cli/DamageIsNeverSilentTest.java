package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.biowerk.dr.core.BackupManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20: a backup that looks like one but cannot be used (its manifest does not parse, its data
 * object is gone) is listed as DAMAGED by {@code list} and {@code status}, counted in their JSON,
 * and makes {@code list}, {@code verify all} and {@code status --fail-on-violation} exit 3; an
 * UNKNOWN objective counts as a violation.
 */
class DamageIsNeverSilentTest {

  @TempDir Path dir;
  Cli cli;
  BackupManifest first;
  BackupManifest second;
  BackupManifest third;

  @BeforeEach
  void threeBackups() throws Exception {
    cli = new Cli(dir);
    first = Fixtures.backup(cli.defaultRepo(), null, "app", Fixtures.data(1000, 1), cli.clock);
    cli.clock.advance(Duration.ofMinutes(10));
    second = Fixtures.backup(cli.defaultRepo(), null, "app", Fixtures.data(1000, 2), cli.clock);
    cli.clock.advance(Duration.ofMinutes(10));
    third = Fixtures.backup(cli.defaultRepo(), null, "app", Fixtures.data(1000, 3), cli.clock);
  }

  @Test
  void anUnparsableManifestIsListedAsDamagedAndExits3Everywhere() throws Exception {
    Files.writeString(cli.defaultRepo().resolve(second.manifestKey()), "{ not json");
    assertDamagedEverywhere(second);
  }

  @Test
  void aMissingDataObjectIsListedAsDamagedAndExits3Everywhere() throws Exception {
    Files.delete(cli.defaultRepo().resolve(second.dataKey()));
    assertDamagedEverywhere(second);
  }

  @Test
  void aHealthyRepositoryStillExits0() throws Exception {
    assertThat(cli.run("list").code()).isEqualTo(0);
    Cli.Result verify = cli.run("verify", "all", "--json");
    assertThat(verify.code()).as(verify.toString()).isEqualTo(0);
    assertThat(Json.read(verify.out()).get("damaged").asInt()).isEqualTo(0);
  }

  @Test
  void anUnknownObjectiveIsAViolationForFailOnViolation() throws Exception {
    // A fresh backup, but never restore-tested: the RTO is UNKNOWN.
    Cli.Result result = cli.run("status", "--fail-on-violation", "--rpo", "1h");
    assertThat(result.code()).as(result.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(result.out()).contains("UNKNOWN");
    assertThat(result.err()).contains("status: an objective is UNKNOWN");
  }

  private void assertDamagedEverywhere(BackupManifest damaged) throws Exception {
    Cli.Result list = cli.run("list");
    assertThat(list.code()).as(list.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(list.out())
        .contains(first.id())
        .contains(third.id())
        .containsPattern(damaged.id() + " .*DAMAGED");
    assertThat(list.err()).contains("1 backup(s) are DAMAGED").contains(damaged.manifestKey());

    Cli.Result listJson = cli.run("list", "--json");
    assertThat(listJson.code()).isEqualTo(ExitCodes.INTEGRITY);
    JsonNode rows = Json.read(listJson.out());
    assertThat(rows.size()).isEqualTo(3);
    assertThat(rows.get(2).get("damaged").asBoolean()).isTrue();
    assertThat(rows.get(2).get("id").asText()).isEqualTo(damaged.id());

    Cli.Result verify = cli.run("verify", "all", "--level", "stored", "--json");
    assertThat(verify.code()).as(verify.toString()).isEqualTo(ExitCodes.INTEGRITY);
    JsonNode summary = Json.read(verify.out());
    assertThat(summary.get("ok").asBoolean()).isFalse();
    assertThat(summary.get("verified").asInt()).isEqualTo(2);
    assertThat(summary.get("damaged").asInt()).isEqualTo(1);
    assertThat(verify.err()).contains("1 of 3 backups FAILED verification");

    Cli.Result status = cli.run("status", "--json");
    assertThat(status.code()).isEqualTo(0);
    JsonNode report = Json.read(status.out());
    assertThat(report.get("ok").asBoolean()).isFalse();
    assertThat(report.get("damaged").asInt()).isEqualTo(1);
    assertThat(cli.run("status").out()).contains("DAMAGED: 1 backup(s) cannot be used");

    Cli.Result failing = cli.run("status", "--fail-on-violation");
    assertThat(failing.code()).as(failing.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(failing.err()).contains("status: 1 backup(s) are DAMAGED");
  }
}
