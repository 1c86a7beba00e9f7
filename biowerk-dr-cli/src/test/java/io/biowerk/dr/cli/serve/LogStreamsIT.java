package io.biowerk.dr.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.postgres.PrivateCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The WAL receiver as a stream supervised by {@code serve}, against a real private PostgreSQL
 * cluster: the service starts it when it takes the lease, it archives WAL (the lag metric and
 * {@code /status} follow), and when the receiver fails for real (its replication slot is dropped
 * while the archive holds WAL) it is restarted with doubling backoff, its state and last error in
 * {@code /status} and metrics; shutdown stops it within the bound.
 */
class LogStreamsIT {

  Path scratch;
  PrivateCluster cluster;

  @BeforeEach
  void start() throws Exception {
    scratch = Files.createTempDirectory(Path.of("/tmp"), "biowerk-streams-");
    Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
    cluster =
        PrivateCluster.start(
            Map.of("wal_level", "replica", "max_wal_senders", "4", "archive_mode", "off"));
    cluster.execute("CREATE TABLE events (id int PRIMARY KEY)");
  }

  @AfterEach
  void stop() throws Exception {
    try {
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      PrivateCluster.run(List.of("rm", "-rf", scratch.toString()));
    }
  }

  static void await(String what, BooleanSupplier condition, Duration within) throws Exception {
    long until = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > until) {
        throw new AssertionError(what + " within " + within);
      }
      Thread.sleep(100);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> stream(Orchestrator orchestrator) {
    try {
      return ((List<Map<String, Object>>) orchestrator.status().get("streams")).get(0);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> receiver(Orchestrator orchestrator) {
    return (Map<String, Object>) stream(orchestrator).get("receiver");
  }

  @Test
  void theServiceRunsTheWalReceiverAndRestartsItWithBackoffWhenItFails() throws Exception {
    ServeFixture fixture = new ServeFixture(scratch);
    ServeConfig config =
        fixture.config(
            "repositories: [repo]\n"
                + "keys: {file: key}\n"
                + "server: {shutdown-grace: 10s}\n"
                + "sources:\n"
                + "  pg:\n"
                + "    uri: \""
                + cluster.uri("postgres")
                + "\"\n"
                + "    backup: \"0 2 * * *\"\n"
                + "streams:\n"
                + "  pg:\n"
                + "    log: wal\n"
                + "    uri: \""
                + cluster.uri("postgres")
                + "?flush-interval=200\"\n"
                + "    max-lag: 10m\n"
                + "    restart-backoff: 1s\n"
                + "    max-backoff: 2s\n");
    Orchestrator orchestrator = fixture.orchestrator(config, Clock.systemUTC(), "a");
    try {
      assertThat(receiver(orchestrator)).containsEntry("state", "stopped");
      orchestrator.tick(); // takes the lease: the catch-up backup and the stream start
      await(
          "the receiver's slot is active",
          () -> {
            try {
              return "t"
                  .equals(
                      cluster.single(
                          "SELECT coalesce(bool_or(active), false)::text::char FROM"
                              + " pg_replication_slots WHERE slot_name = 'biowerk_pg'"));
            } catch (Exception e) {
              return false;
            }
          },
          Duration.ofSeconds(60));
      assertThat(receiver(orchestrator)).containsEntry("state", "running");
      assertThat(
              LogStreamsTest.metric(
                  orchestrator, "biowerk_dr_stream_up", "log=\"wal\",source=\"pg\""))
          .isEqualTo(1);

      cluster.execute("INSERT INTO events SELECT generate_series(1, 1000)");
      String segment = cluster.single("SELECT pg_walfile_name(pg_current_wal_lsn())");
      cluster.execute("SELECT pg_switch_wal()");
      try (LocalSink sink = LocalSink.existing(fixture.repo)) {
        LogArchive archive =
            LogArchive.of(sink, "pg", "wal", List.of(), fixture.keys(Clock.systemUTC()));
        await(
            "segment " + segment + " archived by the supervised receiver",
            () -> {
              try {
                return archive.names().contains(segment);
              } catch (Exception e) {
                return false;
              }
            },
            Duration.ofSeconds(60));
      }
      orchestrator.refreshMetrics();
      double lag =
          LogStreamsTest.metric(
              orchestrator, "biowerk_dr_log_archive_lag_seconds", "log=\"wal\",source=\"pg\"");
      assertThat(lag).isBetween(0.0, 120.0);
      assertThat(stream(orchestrator)).containsEntry("lagOk", true);

      // The slot is dropped under the receiver: it cannot resume without losing WAL and fails.
      await(
          "the slot dropped",
          () -> {
            try {
              cluster.execute(
                  "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                      + " WHERE slot_name = 'biowerk_pg' AND active_pid IS NOT NULL");
              cluster.execute("SELECT pg_drop_replication_slot('biowerk_pg')");
              return true;
            } catch (Exception e) {
              return false;
            }
          },
          Duration.ofSeconds(30));
      await(
          "two restarts after the failure",
          () -> ((Integer) receiver(orchestrator).get("restarts")) >= 2,
          Duration.ofSeconds(60));
      Map<String, Object> failing = receiver(orchestrator);
      assertThat((String) failing.get("lastError"))
          .contains("replication slot 'biowerk_pg' does not exist")
          .contains("create-slot=true");
      // Backoff doubles from 1 s and stops at max-backoff, 2 s.
      assertThat((Double) failing.get("nextBackoffSeconds")).isEqualTo(2.0);
      assertThat(
              LogStreamsTest.metric(
                  orchestrator, "biowerk_dr_stream_restarts_total", "log=\"wal\",source=\"pg\""))
          .isGreaterThanOrEqualTo(2);

      long start = System.nanoTime();
      orchestrator.shutdown();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
      assertThat(receiver(orchestrator)).containsEntry("state", "stopped");
      assertThat(
              LogStreamsTest.metric(
                  orchestrator, "biowerk_dr_stream_up", "log=\"wal\",source=\"pg\""))
          .isZero();
      assertThat(Thread.getAllStackTraces().keySet())
          .noneMatch(t -> t.getName().startsWith("biowerk-dr-stream-") && t.isAlive());
    } finally {
      orchestrator.shutdown();
    }
  }
}
