package io.biowerk.dr.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.cli.serve.Job.Kind;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.VerificationLevel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduler under a clock the test moves, with real backups of directories into a real
 * repository.
 */
class OrchestratorTest {

  @TempDir java.nio.file.Path dir;

  ServeFixture fixture;

  @BeforeEach
  void setUp() throws IOException {
    fixture = new ServeFixture(dir);
  }

  private String yaml(String sources) {
    return "repositories: [repo]\n"
        + "keys: {file: key}\n"
        + "server: {max-concurrent-jobs: 2, lease-ttl: 60s}\n"
        // Keep everything unless a test says otherwise: GFS keeps one backup a day, and these count
        // them all.
        + "defaults: {retention: {last: 1000}}\n"
        + "sources:\n"
        + sources;
  }

  private List<Instant> backupTimes(TestClock clock, String source) throws IOException {
    return fixture.catalog(clock).list(source).stream()
        .map(b -> b.manifest().startedAt())
        .sorted()
        .toList();
  }

  @Test
  void schedulesFireAtTheirTimesAndAMissedSlotRunsOnce() throws Exception {
    fixture.data("docs", 0);
    TestClock clock = new TestClock("2024-01-15T01:58:00Z");
    ServeConfig config = fixture.config(yaml("  docs: {uri: data/docs, backup: \"0 2 * * *\"}\n"));
    try (Orchestrator orchestrator = fixture.orchestrator(config, clock, "a")) {
      // No backup yet: the slot of yesterday 02:00 was missed, so one backup runs at once.
      orchestrator.tick();
      assertThat(orchestrator.awaitIdle(Duration.ofSeconds(30))).isTrue();
      assertThat(orchestrator.jobs()).extracting(Job::trigger).containsExactly("catch-up");
      assertThat(backupTimes(clock, "docs")).containsExactly(Instant.parse("2024-01-15T01:58:00Z"));

      clock.set("2024-01-15T01:59:59Z");
      orchestrator.tick();
      clock.set("2024-01-15T02:00:00Z");
      orchestrator.tick();
      orchestrator.tick();
      assertThat(orchestrator.awaitIdle(Duration.ofSeconds(30))).isTrue();
      clock.set("2024-01-15T02:00:30Z");
      orchestrator.tick();
      assertThat(orchestrator.awaitIdle(Duration.ofSeconds(30))).isTrue();
      assertThat(backupTimes(clock, "docs"))
          .containsExactly(
              Instant.parse("2024-01-15T01:58:00Z"), Instant.parse("2024-01-15T02:00:00Z"));

      // Two days later: the slots of the 16th and 17th both passed, and one backup runs for them.
      clock.set("2024-01-17T09:00:00Z");
      orchestrator.tick();
      orchestrator.tick();
      assertThat(orchestrator.awaitIdle(Duration.ofSeconds(30))).isTrue();
      assertThat(backupTimes(clock, "docs"))
          .hasSize(3)
          .last()
          .isEqualTo(Instant.parse("2024-01-17T09:00:00Z"));
      assertThat(orchestrator.jobs()).allMatch(j -> j.state() == Job.State.SUCCEEDED);
    }
  }

  @Test
  void aRestartCatchesUpOnlyWhatWasMissed() throws Exception {
    fixture.data("docs", 0);
    TestClock clock = new TestClock("2024-01-15T02:00:00Z");
    ServeConfig config = fixture.config(yaml("  docs: {uri: data/docs, backup: \"0 2 * * *\"}\n"));
    try (Orchestrator first = fixture.orchestrator(config, clock, "a")) {
      first.tick();
      assertThat(first.awaitIdle(Duration.ofSeconds(30))).isTrue();
    }
    // Restarted the same day: the 02:00 backup is in the repository, so nothing runs.
    clock.set("2024-01-15T10:00:00Z");
    try (Orchestrator second = fixture.orchestrator(config, clock, "a")) {
      second.tick();
      assertThat(second.awaitIdle(Duration.ofSeconds(30))).isTrue();
      assertThat(second.jobs()).isEmpty();
    }
    // Down over three slots: one catch-up backup.
    clock.set("2024-01-18T10:00:00Z");
    try (Orchestrator third = fixture.orchestrator(config, clock, "a")) {
      third.tick();
      third.tick();
      assertThat(third.awaitIdle(Duration.ofSeconds(30))).isTrue();
      assertThat(third.jobs()).extracting(Job::trigger).containsExactly("catch-up");
    }
    assertThat(backupTimes(clock, "docs")).hasSize(2);
  }

  @Test
  void aFailingSourceIsRetriedWithBackoffAndDoesNotStopTheOthers() throws Exception {
    fixture.data("docs", 0);
    TestClock clock = new TestClock("2024-01-15T02:00:00Z");
    ServeConfig config =
        fixture.config(
            yaml(
                """
                  broken: {uri: data/missing, backup: "0 2 * * *", retries: 2, retry-backoff: 1m}
                  docs: {uri: data/docs, backup: "0 2 * * *"}
                """));
    try (Orchestrator orchestrator = fixture.orchestrator(config, clock, "a")) {
      orchestrator.tick();
      assertThat(orchestrator.awaitIdle(Duration.ofSeconds(30))).isTrue();
      Job broken =
          orchestrator.jobs().stream()
              .filter(j -> j.source().equals("broken"))
              .findFirst()
              .orElseThrow();
      Job docs =
          orchestrator.jobs().stream()
              .filter(j -> j.source().equals("docs"))
              .findFirst()
              .orElseThrow();
      assertThat(broken.state()).isEqualTo(Job.State.FAILED);
      assertThat(broken.toMap()).containsEntry("attempts", 3);
      assertThat(broken.error()).contains("missing");
      assertThat(fixture.sleeps).containsExactly(Duration.ofMinutes(1), Duration.ofMinutes(2));
      assertThat(docs.state()).isEqualTo(Job.State.SUCCEEDED);
      assertThat(docs.result()).containsKey("storedKey");
      String metrics = metrics(orchestrator);
      assertThat(metrics)
          .contains("biowerk_dr_backup_failures_total{source=\"broken\"} 1.0")
          .contains("biowerk_dr_backup_last_result{source=\"broken\"} 0.0")
          .contains("biowerk_dr_backup_last_result{source=\"docs\"} 1.0")
          .contains("biowerk_dr_backup_failures_total{source=\"docs\"} 0.0");
    }
  }

  @Test
  void theServiceRunsTheDrillOnItsScheduleAndWritesTheReports() throws Exception {
    fixture.data("docs", 0);
    TestClock clock = new TestClock("2024-02-01T05:00:00Z");
    ServeConfig config =
        fixture.config(
            "repositories: [repo]\n"
                + "keys: {file: key}\n"
                + "server: {listen: \"127.0.0.1:0\", drill-schedule: \"0 6 1 * *\", drill-reports: reports,"
                + " drill-rules: \""
                + AlertingIT.rules()
                + "\"}\n"
                + "sources:\n"
                + "  docs: {uri: data/docs, backup: \"0 * * * *\"}\n");
    try (Orchestrator orchestrator = fixture.orchestrator(config, clock, "a")) {
      // No report yet: the backup's and the drill's missed slots run once, the backup first.
      orchestrator.tick();
      assertThat(orchestrator.awaitIdle(Duration.ofSeconds(60))).isTrue();
      Job first = orchestrator.jobs().get(orchestrator.jobs().size() - 1);
      assertThat(first.kind()).isEqualTo(Kind.DRILL);
      assertThat(first.trigger()).isEqualTo("catch-up");
      assertThat(first.state()).as(String.valueOf(first.error())).isEqualTo(Job.State.SUCCEEDED);
      assertThat(dir.resolve("reports/drill-20240201-050000.md")).exists();

      clock.set("2024-02-01T05:59:00Z");
      orchestrator.tick();
      clock.set("2024-02-01T06:00:00Z");
      orchestrator.tick();
      assertThat(orchestrator.awaitIdle(Duration.ofSeconds(60))).isTrue();
      assertThat(orchestrator.jobs())
          .filteredOn(j -> j.kind() == Kind.DRILL)
          .extracting(Job::trigger)
          .containsExactly("catch-up", "schedule");
      assertThat(dir.resolve("reports/drill-20240201-060000.json")).exists();
    }
    // Restarted later that month: the report of 06:00 is the last slot's, so no drill runs.
    clock.set("2024-02-10T00:00:00Z");
    try (Orchestrator restarted = fixture.orchestrator(config, clock, "a")) {
      restarted.tick();
      assertThat(restarted.awaitIdle(Duration.ofSeconds(60))).isTrue();
      assertThat(restarted.jobs()).noneMatch(j -> j.kind() == Kind.DRILL);
    }
  }

  @Test
  void anAttemptLongerThanTheTimeoutIsAbortedAndKeepsNothing() throws Exception {
    java.nio.file.Path big = java.nio.file.Files.createDirectories(dir.resolve("data/big"));
    try (java.io.RandomAccessFile file =
        new java.io.RandomAccessFile(big.resolve("sparse").toFile(), "rw")) {
      file.setLength(16L << 30); // a sparse 16 GiB file: seconds of reading, no disk used
    }
    TestClock clock = new TestClock("2024-01-15T02:00:00Z");
    ServeConfig config =
        fixture.config(
            yaml(
                "  big: {uri: data/big, backup: \"0 2 * * *\", timeout: 1s, retries: 0, compression: none}\n"));
    try (Orchestrator orchestrator = fixture.orchestrator(config, clock, "a")) {
      Job job = orchestrator.enqueue(Kind.BACKUP, "big", "api", Map.of());
      assertThat(job.await(60_000)).isTrue();
      assertThat(job.state()).isEqualTo(Job.State.FAILED);
      assertThat(job.error())
          .isEqualTo(
              "serve: backup of big timed out after 1 s and was aborted; nothing partial was kept; raise the"
                  + " source's timeout if it needs longer");
    }
    assertThat(fixture.catalog(clock).list("big")).isEmpty();
    try (var files = java.nio.file.Files.walk(fixture.repo)) {
      assertThat(
              files
                  .filter(java.nio.file.Files::isRegularFile)
                  .map(p -> fixture.repo.relativize(p).toString()))
          .noneMatch(p -> p.startsWith("big/"));
    }
  }

  @Test
  void aJobAskedForTwiceWhileItRunsIsOneJobAndVerifyWaitsForTheBackup() throws Exception {
    fixture.data("docs", 16 << 20);
    TestClock clock = new TestClock("2024-01-15T02:00:00Z");
    ServeConfig config = fixture.config(yaml("  docs: {uri: data/docs, backup: \"0 2 * * *\"}\n"));
    try (Orchestrator orchestrator = fixture.orchestrator(config, clock, "a")) {
      Job first = orchestrator.enqueue(Kind.BACKUP, "docs", "api", Map.of());
      Job again = orchestrator.enqueue(Kind.BACKUP, "docs", "api", Map.of());
      Job verify = orchestrator.enqueue(Kind.VERIFY, "docs", "api", Map.of("level", "decode"));
      assertThat(again).isSameAs(first);
      assertThat(verify.await(60_000)).isTrue();
      assertThat(first.state()).isEqualTo(Job.State.SUCCEEDED);
      // The verification ran after the backup finished, on the backup it made.
      assertThat(verify.state()).isEqualTo(Job.State.SUCCEEDED);
      assertThat(verify.result())
          .containsEntry("backupId", first.result().get("id"))
          .containsEntry("passed", true);
      BackupRecord record = fixture.catalog(clock).latest("docs").orElseThrow();
      assertThat(record.verifications())
          .extracting(v -> v.level())
          .containsExactly(VerificationLevel.DECODE);
    }
  }

  @Test
  void pruneRunsAfterEachBackupUnderTheSourcesRetention() throws Exception {
    fixture.data("docs", 0);
    TestClock clock = new TestClock("2024-01-15T02:00:00Z");
    ServeConfig config =
        fixture.config(
            yaml("  docs: {uri: data/docs, backup: \"0 2 * * *\", retention: {last: 2}}\n"));
    try (Orchestrator orchestrator = fixture.orchestrator(config, clock, "a")) {
      for (int day = 0; day < 4; day++) {
        orchestrator.tick();
        assertThat(orchestrator.awaitIdle(Duration.ofSeconds(30))).isTrue();
        clock.advance(Duration.ofDays(1));
      }
    }
    assertThat(backupTimes(clock, "docs"))
        .containsExactly(
            Instant.parse("2024-01-17T02:00:00Z"), Instant.parse("2024-01-18T02:00:00Z"));
  }

  @Test
  void twoInstancesOnOneRepositoryRunEachJobOnceAndTheSecondTakesOverWhenTheFirstDies()
      throws Exception {
    fixture.data("docs", 0);
    TestClock clock = new TestClock("2024-01-15T01:00:00Z");
    ServeConfig config = fixture.config(yaml("  docs: {uri: data/docs, backup: \"0 * * * *\"}\n"));
    Orchestrator a = fixture.orchestrator(config, clock, "a");
    Orchestrator b = fixture.orchestrator(config, clock, "b");
    try {
      for (int minute = 0; minute < 90; minute++) {
        a.tick();
        b.tick();
        assertThat(a.awaitIdle(Duration.ofSeconds(30))).isTrue();
        clock.advance(Duration.ofMinutes(1));
      }
      assertThat(a.leader()).isTrue();
      assertThat(b.leader()).isFalse();
      assertThat(b.jobs()).isEmpty();
      assertThat(metrics(b))
          .contains(
              "biowerk_dr_lease_held{repository=\""
                  + fixture.repo.toUri().toString().replaceAll("/$", "")
                  + "\"} 0.0");
      // 01:00 (at once) and 02:00: one backup each, by a.
      assertThat(backupTimes(clock, "docs"))
          .containsExactly(
              Instant.parse("2024-01-15T01:00:00Z"), Instant.parse("2024-01-15T02:00:00Z"));

      a.abandon(); // killed: the lease stays, unrenewed
      // a renewed the lease last at 02:29 (its last tick); with a 60 s time to live it is stale
      // after 02:30.
      assertThat(clock.instant()).isEqualTo(Instant.parse("2024-01-15T02:30:00Z"));
      b.tick();
      assertThat(b.leader()).as("the lease is not stale yet").isFalse();
      clock.set("2024-01-15T02:30:01Z");
      b.tick();
      assertThat(b.leader()).isTrue();
      clock.set("2024-01-15T03:00:00Z");
      b.tick();
      assertThat(b.awaitIdle(Duration.ofSeconds(30))).isTrue();
      assertThat(b.jobs()).extracting(Job::trigger).containsExactly("schedule");
      assertThat(backupTimes(clock, "docs"))
          .hasSize(3)
          .last()
          .isEqualTo(Instant.parse("2024-01-15T03:00:00Z"));
    } finally {
      a.abandon();
      b.shutdown();
    }
    assertThat(Files.exists(fixture.repo.resolve(Lease.KEY)))
        .as("a clean shutdown releases the lease")
        .isFalse();
  }

  static String metrics(Orchestrator orchestrator) throws IOException {
    orchestrator.refreshMetrics();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    orchestrator.metrics().write(out);
    return out.toString(StandardCharsets.UTF_8);
  }
}
