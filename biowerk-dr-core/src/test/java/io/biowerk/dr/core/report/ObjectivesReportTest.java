package io.biowerk.dr.core.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.Backups;
import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.report.ObjectivesReport.SourceObjectives;
import io.biowerk.dr.core.report.ObjectivesReport.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ObjectivesReportTest {

  static final Instant NOW = Instant.parse("2024-01-15T12:00:00Z");

  /**
   * The plan's targets with the per-kind RTOs the PostgreSQL and Redis adapters declare (their own
   * modules test that they do; core has no adapter on its class path).
   */
  static final ObjectivesReport PLAN =
      ObjectivesReport.withPlanTargets()
          .rtoOfKind("postgresql", Duration.ofHours(2))
          .rtoOfKind("redis", Duration.ofHours(1));

  final InMemorySink sink = InMemorySink.named("test");
  final Catalog catalog = Catalog.of(sink);

  @Test
  void rpoIsTheAgeOfTheNewestRestorableBackupAgainstOneHourByDefault() throws Exception {
    Backups.write(
        sink, "postgres", "postgresql", NOW.minus(Duration.ofMinutes(50)), "daily", new byte[1]);
    BackupManifest broken =
        Backups.write(
            sink, "redis", "redis", NOW.minus(Duration.ofMinutes(20)), "daily", new byte[1]);
    Backups.write(sink, "redis", "redis", NOW.minus(Duration.ofHours(3)), "daily", new byte[1]);
    // The newest redis backup failed verification, so the restorable one is 3 hours old.
    catalog.record(
        new VerificationResult(
            broken.id(),
            VerificationLevel.DECODE,
            NOW.minusSeconds(60),
            false,
            Duration.ofSeconds(2),
            "decode: raw SHA-256 differs"));

    List<SourceObjectives> report = PLAN.report(catalog, NOW);

    assertThat(report).extracting(SourceObjectives::source).containsExactly("postgres", "redis");
    SourceObjectives postgres = report.get(0);
    assertThat(postgres.rpoAgeSeconds()).isEqualTo(45 * 60); // finished 5 minutes after it started
    assertThat(postgres.rpoTargetSeconds()).isEqualTo(3600);
    assertThat(postgres.rpoStatus()).isEqualTo(Status.OK);
    assertThat(postgres.rtoStatus()).isEqualTo(Status.UNKNOWN);
    assertThat(postgres.overall()).isEqualTo(Status.UNKNOWN);
    SourceObjectives redis = report.get(1);
    assertThat(redis.backups()).isEqualTo(2);
    assertThat(redis.newestBackupId()).isEqualTo("redis_20240115_090000");
    assertThat(redis.rpoStatus()).isEqualTo(Status.VIOLATED);
    assertThat(redis.lastVerifiedAt()).isNull();
    assertThat(redis.rtoTargetSeconds()).isEqualTo(3600); // the plan's 1 h for Redis
  }

  @Test
  void rtoIsTheLastRestoreTestAgainstThePerKindTarget() throws Exception {
    BackupManifest older =
        Backups.write(
            sink, "postgres", "postgresql", NOW.minus(Duration.ofDays(7)), "daily", new byte[1]);
    BackupManifest newer =
        Backups.write(
            sink,
            "postgres",
            "postgresql",
            NOW.minus(Duration.ofMinutes(30)),
            "daily",
            new byte[1]);
    catalog.record(
        new VerificationResult(
            older.id(),
            VerificationLevel.RESTORE,
            NOW.minus(Duration.ofDays(6)),
            true,
            Duration.ofMinutes(150),
            "restore: ok"));
    catalog.record(
        new VerificationResult(
            older.id(),
            VerificationLevel.RESTORE,
            NOW.minus(Duration.ofDays(1)),
            false,
            Duration.ofMinutes(10),
            "restore: failed"));
    catalog.record(
        new VerificationResult(
            newer.id(),
            VerificationLevel.STORED,
            NOW.minus(Duration.ofMinutes(10)),
            true,
            Duration.ofSeconds(3),
            "stored: ok"));

    SourceObjectives postgres = PLAN.report(catalog, NOW).get(0);

    assertThat(postgres.lastRestoreSeconds()).isEqualTo(150 * 60);
    assertThat(postgres.lastRestoreTestAt()).isEqualTo(NOW.minus(Duration.ofDays(6)));
    assertThat(postgres.rtoTargetSeconds()).isEqualTo(2 * 3600);
    assertThat(postgres.rtoStatus()).isEqualTo(Status.VIOLATED);
    assertThat(postgres.lastVerifiedAt()).isEqualTo(NOW.minus(Duration.ofMinutes(10)));
    assertThat(postgres.lastVerifiedLevel()).isEqualTo("stored");
    assertThat(postgres.overall()).isEqualTo(Status.VIOLATED);

    SourceObjectives relaxed =
        PLAN.rto("postgres", Duration.ofHours(3)).report(catalog, NOW).get(0);
    assertThat(relaxed.rtoStatus()).isEqualTo(Status.OK);
    assertThat(relaxed.overall()).isEqualTo(Status.OK);
  }

  @Test
  void theJsonFormHoldsOnlySimpleValues() throws Exception {
    Backups.write(sink, "config", "files", NOW.minus(Duration.ofHours(2)), "daily", new byte[1]);
    ObjectivesReport report = PLAN.rpo(Duration.ofHours(24));

    Map<String, Object> json = report.report(catalog, NOW).get(0).toMap();

    assertThat(json)
        .containsEntry("source", "config")
        .containsEntry("kind", "files")
        .containsEntry("rpoStatus", "OK")
        .containsEntry("rtoStatus", "UNKNOWN")
        .containsEntry("status", "UNKNOWN")
        .containsEntry("rpoTargetSeconds", 86_400L)
        .containsEntry("rtoTargetSeconds", 4 * 3600L)
        .containsEntry("newestBackupAt", "2024-01-15T10:05:00Z")
        .containsEntry("lastRestoreSeconds", null);
    assertThat(new String(io.biowerk.dr.core.internal.Json.bytes(json), StandardCharsets.UTF_8))
        .contains("\"rpoAgeSeconds\" : 6900");
  }

  @Test
  void aSourceWithoutBackupsIsUnknownAndTargetsMustBePositive() {
    SourceObjectives none = PLAN.evaluate("mongodb", List.of(), NOW);
    assertThat(none.rpoStatus()).isEqualTo(Status.UNKNOWN);
    assertThat(none.rtoStatus()).isEqualTo(Status.UNKNOWN);
    assertThat(none.newestBackupId()).isNull();
    assertThatThrownBy(() -> PLAN.rpo(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("RPO target (PT0S) must be positive");
  }
}
