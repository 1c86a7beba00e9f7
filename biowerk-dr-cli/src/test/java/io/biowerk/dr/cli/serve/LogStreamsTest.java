package io.biowerk.dr.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogSegmentInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The continuous log streams of {@code serve}: their configuration, and the archive lag the service
 * reads from segments really archived in a real repository (metrics and {@code /status}).
 */
class LogStreamsTest {

  @TempDir Path dir;

  ServeFixture fixture;

  @BeforeEach
  void setUp() throws IOException {
    fixture = new ServeFixture(dir);
    fixture.data("docs", 0);
  }

  private ServeConfig config(String streams) throws IOException {
    return fixture.config(
        "repositories: [repo]\n"
            + "keys: {file: key}\n"
            + "sources:\n"
            + "  docs: {uri: data/docs, backup: \"0 2 * * *\"}\n"
            + streams);
  }

  static double metric(Orchestrator orchestrator, String name, String labels) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    orchestrator.metrics().write(out);
    String text = out.toString(StandardCharsets.UTF_8);
    Matcher matcher =
        Pattern.compile("(?m)^" + Pattern.quote(name + "{" + labels + "}") + " (\\S+)$")
            .matcher(text);
    assertThat(matcher.find()).as(name + "{" + labels + "} in\n" + text).isTrue();
    return Double.parseDouble(matcher.group(1).replace("+Inf", "Infinity"));
  }

  private void archive(KeyRing keys, String name, Instant lastTime) throws IOException {
    Path file = dir.resolve("segment-" + name);
    Files.writeString(file, "wal bytes of " + name);
    try (LocalSink sink = LocalSink.existing(fixture.repo)) {
      LogArchive.of(sink, "docs", "wal", List.of(), keys)
          .push(
              new LogSegmentInfo(
                  name,
                  "0/" + name,
                  "0/" + name + "1",
                  Optional.empty(),
                  Optional.of(lastTime),
                  Map.of()),
              file);
    }
  }

  @Test
  void theArchiveLagIsTheAgeOfTheNewestArchivedChangeAndInfiniteWithoutAny() throws Exception {
    TestClock clock = new TestClock("2024-01-15T12:00:00Z");
    ServeConfig config = config("streams:\n  docs: {log: wal, max-lag: 15m, run: false}\n");
    try (Orchestrator orchestrator = fixture.orchestrator(config, clock, "a")) {
      orchestrator.refreshMetrics();
      assertThat(
              metric(
                  orchestrator,
                  "biowerk_dr_log_archive_lag_seconds",
                  "log=\"wal\",source=\"docs\""))
          .isInfinite();
      assertThat(
              metric(
                  orchestrator,
                  "biowerk_dr_log_archive_lag_target_seconds",
                  "log=\"wal\",source=\"docs\""))
          .isEqualTo(900);
      Map<String, Object> empty = streamStatus(orchestrator);
      assertThat(empty).containsEntry("segments", 0).containsEntry("lagOk", false);
      assertThat(empty.get("lagSeconds")).isNull();

      // Two segments, the newer one's last change 20 minutes ago: lag 1200 s, beyond max-lag.
      KeyRing keys = fixture.keys(clock);
      archive(keys, "000000010000000000000001", Instant.parse("2024-01-15T11:30:00Z"));
      archive(keys, "000000010000000000000002", Instant.parse("2024-01-15T11:40:00Z"));
      orchestrator.refreshMetrics();
      assertThat(
              metric(
                  orchestrator,
                  "biowerk_dr_log_archive_lag_seconds",
                  "log=\"wal\",source=\"docs\""))
          .isEqualTo(1200);
      assertThat(metric(orchestrator, "biowerk_dr_log_segments", "log=\"wal\",source=\"docs\""))
          .isEqualTo(2);
      assertThat(
              metric(
                  orchestrator,
                  "biowerk_dr_log_newest_timestamp_seconds",
                  "log=\"wal\",source=\"docs\""))
          .isEqualTo((double) Instant.parse("2024-01-15T11:40:00Z").getEpochSecond());
      Map<String, Object> late = streamStatus(orchestrator);
      assertThat(late)
          .containsEntry("segments", 2)
          .containsEntry("lagSeconds", 1200L)
          .containsEntry("newestChange", "2024-01-15T11:40:00Z")
          .containsEntry("lagOk", false);

      // A third segment a minute old: within max-lag.
      archive(keys, "000000010000000000000003", Instant.parse("2024-01-15T11:59:00Z"));
      clock.advance(Duration.ZERO);
      orchestrator.refreshMetrics();
      assertThat(
              metric(
                  orchestrator,
                  "biowerk_dr_log_archive_lag_seconds",
                  "log=\"wal\",source=\"docs\""))
          .isEqualTo(60);
      assertThat(streamStatus(orchestrator)).containsEntry("lagOk", true);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> streamStatus(Orchestrator orchestrator) throws IOException {
    List<Map<String, Object>> streams =
        (List<Map<String, Object>>) orchestrator.status().get("streams");
    assertThat(streams).hasSize(1);
    return streams.get(0);
  }

  @Test
  void aStreamIsConfiguredWithDefaults() throws IOException {
    ServeConfig config = config("streams:\n  docs: {log: oplog, uri: \"mongodb://m:27017/\"}\n");
    ServeConfig.StreamConfig stream = config.streams().get(0);
    assertThat(stream.id()).isEqualTo("docs/oplog");
    assertThat(stream.run()).isTrue();
    assertThat(stream.uri()).contains(java.net.URI.create("mongodb://m:27017/"));
    assertThat(stream.maxLag()).isEqualTo(Duration.ofMinutes(15));
    assertThat(stream.restartBackoff()).isEqualTo(Duration.ofSeconds(5));
    assertThat(stream.maxBackoff()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void aStreamOfNoSourceNamesTheSourcesThatExist() {
    assertThatThrownBy(() -> config("streams:\n  pg: {log: wal}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("biowerk-dr.yml:6")
        .hasMessageContaining("no source named 'pg'")
        .hasMessageContaining("one of: docs");
  }

  @Test
  void aStreamWithoutALogSaysWhichLogsThereAre() {
    assertThatThrownBy(() -> config("streams:\n  docs: {max-lag: 5m}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("streams.docs.log")
        .hasMessageContaining(
            "expected the log to stream: one of oplog (MongoDB's operation log), wal (PostgreSQL's"
                + " write-ahead log)");
  }

  @Test
  void aStreamUriWithAPasswordIsRefused() {
    assertThatThrownBy(
            () -> config("streams:\n  docs: {log: wal, uri: \"postgresql://u:pw@h/db\"}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("the URI holds a password")
        .hasMessageNotContaining("pw@");
  }

  @Test
  void aMaxBackoffShorterThanTheFirstIsRefused() {
    assertThatThrownBy(
            () -> config("streams:\n  docs: {log: wal, restart-backoff: 1m, max-backoff: 10s}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("max-backoff (10s) is shorter than restart-backoff");
  }
}
