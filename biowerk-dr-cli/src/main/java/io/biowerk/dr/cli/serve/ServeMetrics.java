package io.biowerk.dr.cli.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The Prometheus metrics of {@code biowerk-dr serve}, in a registry of its own (plus the JVM and
 * process metrics of the Prometheus Java client), written in the text exposition format on {@code
 * GET /metrics}. Every name starts with {@code biowerk_dr_}; times are Unix seconds, durations
 * seconds, sizes bytes. {@link #NAMES} lists them, and a test checks that every metric the shipped
 * alert rules and dashboard use is one of them. Thread-safe.
 */
public final class ServeMetrics {

  /** Every metric this class exports (counters with their {@code _total} suffix). */
  public static final List<String> NAMES =
      List.of(
          "biowerk_dr_up",
          "biowerk_dr_lease_held",
          "biowerk_dr_jobs_running",
          "biowerk_dr_jobs_queued",
          "biowerk_dr_backup_last_success_timestamp_seconds",
          "biowerk_dr_backup_last_attempt_timestamp_seconds",
          "biowerk_dr_backup_last_result",
          "biowerk_dr_backup_duration_seconds",
          "biowerk_dr_backup_raw_bytes",
          "biowerk_dr_backup_stored_bytes",
          "biowerk_dr_backup_failures_total",
          "biowerk_dr_backups_total",
          "biowerk_dr_backup_schedule_interval_seconds",
          "biowerk_dr_backup_grace_seconds",
          "biowerk_dr_backups_stored",
          "biowerk_dr_verification_last_timestamp_seconds",
          "biowerk_dr_verification_last_result",
          "biowerk_dr_verification_failures_total",
          "biowerk_dr_restore_test_duration_seconds",
          "biowerk_dr_restore_test_last_timestamp_seconds",
          "biowerk_dr_rto_target_seconds",
          "biowerk_dr_rpo_seconds",
          "biowerk_dr_rpo_target_seconds",
          "biowerk_dr_newest_restorable_timestamp_seconds",
          "biowerk_dr_key_age_days",
          "biowerk_dr_key_rotation_days",
          "biowerk_dr_repository_free_bytes",
          "biowerk_dr_repository_size_bytes",
          "biowerk_dr_log_archive_lag_seconds",
          "biowerk_dr_log_archive_lag_target_seconds",
          "biowerk_dr_log_newest_timestamp_seconds",
          "biowerk_dr_log_segments",
          "biowerk_dr_stream_up",
          "biowerk_dr_stream_restarts_total");

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  final Gauge up = gauge("biowerk_dr_up", "1 while the orchestrator runs");
  final Gauge leaseHeld =
      gauge(
          "biowerk_dr_lease_held",
          "1 if this instance holds the repository's lease and runs jobs, 0 if it stands by",
          "repository");
  final Gauge jobsRunning = gauge("biowerk_dr_jobs_running", "jobs running now");
  final Gauge jobsQueued =
      gauge("biowerk_dr_jobs_queued", "jobs waiting for a slot or their source");
  final Gauge lastSuccess =
      gauge(
          "biowerk_dr_backup_last_success_timestamp_seconds",
          "when the newest successful backup of the source finished",
          "source");
  final Gauge lastAttempt =
      gauge(
          "biowerk_dr_backup_last_attempt_timestamp_seconds",
          "when the last backup attempt of the source (run by this instance) ended",
          "source");
  final Gauge lastResult =
      gauge(
          "biowerk_dr_backup_last_result",
          "1 if the last backup attempt of the source succeeded, 0 if it failed",
          "source");
  final Gauge duration =
      gauge("biowerk_dr_backup_duration_seconds", "how long the newest backup took", "source");
  final Gauge rawBytes =
      gauge(
          "biowerk_dr_backup_raw_bytes",
          "bytes the source produced for the newest backup",
          "source");
  final Gauge storedBytes =
      gauge("biowerk_dr_backup_stored_bytes", "bytes stored for the newest backup", "source");
  final Counter failures =
      counter(
          "biowerk_dr_backup_failures",
          "backup jobs that failed after all their retries",
          "source");
  final Counter backups =
      counter("biowerk_dr_backups", "backup jobs that ended, by result", "source", "result");
  final Gauge interval =
      gauge(
          "biowerk_dr_backup_schedule_interval_seconds",
          "the longest gap between two scheduled backups of the source",
          "source");
  final Gauge grace =
      gauge(
          "biowerk_dr_backup_grace_seconds",
          "how late a scheduled backup may be before it counts as missing",
          "source");
  final Gauge stored =
      gauge("biowerk_dr_backups_stored", "backups of the source in the repository", "source");
  final Gauge verificationAt =
      gauge(
          "biowerk_dr_verification_last_timestamp_seconds",
          "when the last verification of the source at this level finished",
          "source",
          "level");
  final Gauge verificationResult =
      gauge(
          "biowerk_dr_verification_last_result",
          "1 if the last verification at this level passed, 0 if it failed",
          "source",
          "level");
  final Counter verificationFailures =
      counter(
          "biowerk_dr_verification_failures",
          "verifications and restore tests that found a damaged backup or could not run",
          "source",
          "level");
  final Gauge restoreDuration =
      gauge(
          "biowerk_dr_restore_test_duration_seconds",
          "how long the last passed restore test took",
          "source");
  final Gauge restoreAt =
      gauge(
          "biowerk_dr_restore_test_last_timestamp_seconds",
          "when the last passed restore test finished",
          "source");
  final Gauge rtoTarget = gauge("biowerk_dr_rto_target_seconds", "the source's RTO", "source");
  final Gauge rpo =
      gauge(
          "biowerk_dr_rpo_seconds",
          "age of the newest restorable backup at the last refresh: the data a loss now would cost",
          "source");
  final Gauge rpoTarget = gauge("biowerk_dr_rpo_target_seconds", "the source's RPO", "source");
  final Gauge newestRestorable =
      gauge(
          "biowerk_dr_newest_restorable_timestamp_seconds",
          "when the newest backup whose last verification did not fail finished",
          "source");
  final Gauge keyAge =
      gauge("biowerk_dr_key_age_days", "age of the active encryption key, from its id", "key_id");
  final Gauge keyRotation =
      gauge(
          "biowerk_dr_key_rotation_days", "how old the active key may get before rotation is due");
  final Gauge free =
      gauge(
          "biowerk_dr_repository_free_bytes",
          "free space where the repository is stored, where the store can tell",
          "repository");
  final Gauge size =
      gauge(
          "biowerk_dr_repository_size_bytes",
          "total space where the repository is stored, where the store can tell",
          "repository");

  final Gauge logLag =
      gauge(
          "biowerk_dr_log_archive_lag_seconds",
          "age of the newest change in the source's archived log at the last refresh:"
              + " what a loss now would cost with point-in-time recovery; +Inf while the archive holds"
              + " no segment",
          "source",
          "log");
  final Gauge logLagTarget =
      gauge(
          "biowerk_dr_log_archive_lag_target_seconds",
          "the stream's max-lag: how old the newest archived change may get",
          "source",
          "log");
  final Gauge logNewest =
      gauge(
          "biowerk_dr_log_newest_timestamp_seconds",
          "the time of the newest change in the archived log",
          "source",
          "log");
  final Gauge logSegments =
      gauge("biowerk_dr_log_segments", "segments in the source's archived log", "source", "log");
  final Gauge streamUp =
      gauge(
          "biowerk_dr_stream_up",
          "1 while the service's receiver of the log runs, 0 while it waits to restart or this"
              + " instance stands by",
          "source",
          "log");
  final Counter streamRestarts =
      counter(
          "biowerk_dr_stream_restarts",
          "times the service restarted the log's receiver after it failed",
          "source",
          "log");

  ServeMetrics() {
    JvmMetrics.builder().register(registry);
  }

  private Gauge gauge(String name, String help, String... labels) {
    return Gauge.builder().name(name).help(help).labelNames(labels).register(registry);
  }

  private Counter counter(String name, String help, String... labels) {
    return Counter.builder().name(name).help(help).labelNames(labels).register(registry);
  }

  /** The content type of {@link #write}. */
  public String contentType() {
    return writer.getContentType();
  }

  /** Writes every metric in the Prometheus text format. */
  public void write(OutputStream out) throws IOException {
    writer.write(out, registry.scrape());
  }

  static double seconds(Instant instant) {
    return instant.toEpochMilli() / 1000.0;
  }

  static double seconds(Duration duration) {
    return duration.toMillis() / 1000.0;
  }
}
