package io.biowerk.dr.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.cli.serve.Job.Kind;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.KeyRing;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monthly drill over real backups of directories, with the shipped rules and a running metrics
 * endpoint.
 */
class DrillTest {

  @TempDir Path dir;

  ServeFixture fixture;
  TestClock clock = new TestClock("2024-01-15T02:00:00Z");
  ServeConfig config;

  @BeforeEach
  void setUp() throws Exception {
    fixture = new ServeFixture(dir);
    fixture.data("docs", 0);
    fixture.data("conf", 0);
    config =
        fixture.config(
            """
            repositories: [repo, repo2]
            keys: {file: key}
            sources:
              docs: {uri: data/docs, backup: "0 2 * * *", rpo: 25h, rto: 1h}
              conf: {uri: data/conf, backup: "0 2 * * *", rpo: 25h, rto: 1h, encrypt: false}
            """);
    try (Orchestrator orchestrator = fixture.orchestrator(config, clock, "a")) {
      assertThat(orchestrator.enqueue(Kind.BACKUP, "docs", "test", Map.of()).await(30_000))
          .isTrue();
      assertThat(orchestrator.enqueue(Kind.BACKUP, "conf", "test", Map.of()).await(30_000))
          .isTrue();
    }
  }

  private Drill drill(KeyRing keys, Optional<URI> metrics) {
    return new Drill(config, keys, clock, URI::toString, Optional.of(AlertingIT.rules()), metrics);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> item(Map<String, Object> report, String source, String key) {
    for (Map<String, Object> row : (List<Map<String, Object>>) report.get("sources")) {
      if (row.get("source").equals(source)) {
        return (Map<String, Object>) row.get(key);
      }
    }
    throw new AssertionError("no source " + source);
  }

  @Test
  void aGoodDrillTicksTheChecklistAndWritesBothReports() throws Exception {
    clock.advance(Duration.ofHours(3));
    try (Orchestrator running = fixture.orchestrator(config, clock, "b");
        ApiServer api = ApiServer.start(running, "127.0.0.1", 0, Optional.empty(), true)) {
      Map<String, Object> report =
          drill(
                  fixture.keys(clock),
                  Optional.of(URI.create("http://127.0.0.1:" + api.port() + "/metrics")))
              .run(List.of());
      assertThat(report.get("ok")).as(report.toString()).isEqualTo(true);
      assertThat(map(report.get("checklist")))
          .containsEntry("All backup files are accessible", true)
          .containsEntry("Encryption keys are available", true)
          .containsEntry("Restore scripts execute successfully", true)
          .containsEntry("Data integrity verified post-restore", true)
          .containsEntry("Application functionality confirmed", null)
          .containsEntry("RTO/RPO targets met", true)
          .containsEntry("Monitoring and alerting operational", true)
          .containsEntry("Documentation updated with findings", null);
      assertThat(item(report, "docs", "accessible").get("detail").toString())
          .contains("repo2")
          .contains("matches");
      assertThat(item(report, "docs", "rpo"))
          .containsEntry("measuredSeconds", 10800L)
          .containsEntry("ok", true);
      assertThat(item(report, "docs", "rto"))
          .containsEntry("targetSeconds", 3600L)
          .containsEntry("ok", true);
      assertThat(item(report, "conf", "keys").get("detail")).isEqualTo("not encrypted");

      List<Path> files = Drill.write(report, dir.resolve("reports"), clock.instant());
      assertThat(files.get(0).getFileName().toString()).isEqualTo("drill-20240115-050000.json");
      String markdown = Files.readString(files.get(1));
      assertThat(markdown)
          .contains("**Result: every check passed and every target was met.**")
          .contains("- [x] All backup files are accessible")
          .contains("- [ ] Application functionality confirmed (for a person to confirm)")
          .contains("- [x] RTO/RPO targets met")
          .contains("| docs | docs_20240115_020000 |");
      // The restore test was recorded beside the backup, so status shows the measured RTO.
      BackupRecord docs = fixture.catalog(clock).latest("docs").orElseThrow();
      assertThat(docs.verifications()).extracting(v -> v.level().id()).contains("restore");
    }
  }

  @Test
  void aMissedRpoADamagedCopyAMissingKeyAndADeadEndpointFailTheirItems() throws Exception {
    clock.advance(Duration.ofHours(30)); // beyond the 25 h RPO
    BackupRecord docs = fixture.catalog(clock).latest("docs").orElseThrow();
    try (FileChannel data =
        FileChannel.open(
            dir.resolve("repo2").resolve(docs.manifest().dataKey()), StandardOpenOption.WRITE)) {
      data.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 50);
    }
    Map<String, Object> report =
        drill(KeyRing.empty(), Optional.of(URI.create("http://127.0.0.1:9/metrics")))
            .run(List.of("docs"));
    assertThat(report.get("ok")).isEqualTo(false);
    assertThat(map(report.get("checklist")))
        .containsEntry("All backup files are accessible", false)
        .containsEntry("Encryption keys are available", false)
        .containsEntry("Restore scripts execute successfully", false)
        .containsEntry("RTO/RPO targets met", false)
        .containsEntry("Monitoring and alerting operational", false);
    assertThat(item(report, "docs", "accessible").get("detail").toString())
        .contains("repo2")
        .contains("the backup is damaged");
    assertThat(item(report, "docs", "rpo"))
        .containsEntry("measuredSeconds", 108000L)
        .containsEntry("ok", false);
    assertThat(map(map(report.get("alerting")).get("metrics")).get("detail"))
        .asString()
        .contains("does not answer")
        .contains("is biowerk-dr serve running?");
    assertThat(Drill.markdown(report))
        .contains("**Result: FAILED")
        .contains("- [ ] RTO/RPO targets met **FAILED**");
  }

  @Test
  void withoutAMetricsEndpointTheMonitoringItemIsLeftToAPerson() throws Exception {
    Map<String, Object> report = drill(fixture.keys(clock), Optional.empty()).run(List.of());
    assertThat(report.get("ok")).as(report.toString()).isEqualTo(true);
    assertThat(map(report.get("checklist")))
        .containsEntry("Monitoring and alerting operational", null);
  }

  /** A JSON object of the report, which is maps of strings all the way down. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }
}
