package io.biowerk.dr.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.cli.serve.Job.Kind;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.keys.KeyRecords;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduled key-rotation reminder of {@code serve} under a clock the test moves, with a real
 * key file whose active key is dated by the clock: quiet while the key is young, a reminder from 10
 * days before the rotation period ends, a failed job once it is past, and the key-age metric.
 */
class KeyReminderTest {

  @TempDir Path dir;

  private static List<Job> reminders(Orchestrator orchestrator) {
    return orchestrator.jobs().stream().filter(j -> j.kind() == Kind.KEY_REMINDER).toList();
  }

  @Test
  void theReminderRunsOnItsScheduleAndSaysWhenRotationIsDueOrOverdue() throws Exception {
    ServeFixture fixture = new ServeFixture(dir);
    fixture.data("docs", 0);
    // 2024-01-01 is a Monday; the key is made that day.
    TestClock clock = new TestClock("2024-01-01T08:00:00Z");
    fixture.keys(clock);
    ServeConfig config =
        fixture.config(
            """
            repositories: [repo]
            keys: {file: key, rotation: 90d, reminder: "0 9 * * MON"}
            sources:
              docs: {uri: data/docs, backup: "0 2 * * *"}
            """);
    try (Orchestrator orchestrator = fixture.orchestrator(config, clock, "a")) {
      orchestrator.tick();
      assertThat(orchestrator.awaitIdle(Duration.ofSeconds(30))).isTrue();
      assertThat(reminders(orchestrator)).as("no catch-up of a reminder").isEmpty();

      clock.set("2024-01-01T09:00:00Z");
      orchestrator.tick();
      assertThat(orchestrator.awaitIdle(Duration.ofSeconds(30))).isTrue();
      assertThat(reminders(orchestrator)).hasSize(1);
      Job young = reminders(orchestrator).get(0);
      assertThat(young.state()).isEqualTo(Job.State.SUCCEEDED);
      assertThat(young.result())
          .containsEntry("status", "ok")
          .containsEntry("ageDays", 0L)
          .containsEntry("daysLeft", 89L)
          .containsEntry("rotationDueAt", "2024-03-31T00:00:00Z");

      // 2024-03-25, a Monday, 84 days: due within 10 days.
      clock.set("2024-03-25T09:00:00Z");
      orchestrator.tick();
      assertThat(orchestrator.awaitIdle(Duration.ofSeconds(30))).isTrue();
      Job due = reminders(orchestrator).get(1);
      assertThat(due.state()).isEqualTo(Job.State.SUCCEEDED);
      assertThat(due.result()).containsEntry("status", "due").containsEntry("daysLeft", 5L);
      assertThat((String) due.result().get("reminder"))
          .contains("due for rotation in 5 day(s)")
          .contains("biowerk-dr keys rotate --key-file " + fixture.keyFile);

      // 2024-04-01, 91 days: overdue, the job fails and says what to do.
      clock.set("2024-04-01T09:00:00Z");
      orchestrator.tick();
      assertThat(orchestrator.awaitIdle(Duration.ofSeconds(30))).isTrue();
      Job overdue = reminders(orchestrator).get(2);
      assertThat(overdue.state()).isEqualTo(Job.State.FAILED);
      assertThat(overdue.error())
          .startsWith("serve: the active key k20240101")
          .contains("is 91 days old, past its 90-day rotation period")
          .contains("rotate it with biowerk-dr keys rotate --key-file");
      assertThat(overdue.result()).containsEntry("status", "overdue");

      orchestrator.refreshMetrics();
      assertThat(
              LogStreamsTest.metric(
                  orchestrator,
                  "biowerk_dr_key_age_days",
                  "key_id=\"" + overdue.result().get("keyId") + "\""))
          .isEqualTo(91);
      assertThat(reminders(orchestrator)).allMatch(j -> j.source().equals(Orchestrator.KEYS));
    }
  }

  @Test
  void theKeyAgeMetricUsesTheRecordedCreationTimeOverTheDateInTheId() throws Exception {
    ServeFixture fixture = new ServeFixture(dir);
    fixture.data("docs", 0);
    TestClock clock = new TestClock("2024-01-01T08:00:00Z");
    fixture.keys(clock);
    // The key was made elsewhere a month earlier and brought into this key file: its record says
    // so.
    String id = KeyFile.at(fixture.keyFile).activeKeyId().orElseThrow();
    KeyRecords.beside(fixture.keyFile).recordCreated(id, Instant.parse("2023-12-01T08:00:00Z"));
    ServeConfig config =
        fixture.config(
            """
            repositories: [repo]
            keys: {file: key, rotation: 90d}
            sources:
              docs: {uri: data/docs, backup: "0 2 * * *"}
            """);
    try (Orchestrator orchestrator = fixture.orchestrator(config, clock, "a")) {
      clock.set("2024-01-02T09:00:00Z");
      orchestrator.refreshMetrics();
      assertThat(
              LogStreamsTest.metric(
                  orchestrator, "biowerk_dr_key_age_days", "key_id=\"" + id + "\""))
          .isEqualTo(32);
    }
  }

  @Test
  void aRotationPeriodNoLongerThanTheReminderIsRefused() throws IOException {
    ServeFixture fixture = new ServeFixture(dir);
    assertThatThrownBy(
            () ->
                fixture.config(
                    """
                    repositories: [repo]
                    keys: {rotation: 7d}
                    sources:
                      docs: {uri: data/docs, backup: "0 2 * * *"}
                    """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("keys.rotation")
        .hasMessageContaining("longer than the 10 days the reminder starts before it");
  }

  @Test
  void aReminderThatIsNotCronSaysWhatIsExpected() throws IOException {
    ServeFixture fixture = new ServeFixture(dir);
    assertThatThrownBy(
            () ->
                fixture.config(
                    """
                    repositories: [repo]
                    keys: {reminder: weekly}
                    sources:
                      docs: {uri: data/docs, backup: "0 2 * * *"}
                    """))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("keys.reminder")
        .hasMessageContaining("is not a cron expression");
  }
}
