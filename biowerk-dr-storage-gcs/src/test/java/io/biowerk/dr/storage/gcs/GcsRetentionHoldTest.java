package io.biowerk.dr.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.RetentionPlan;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.retention.ApplyResult;
import io.biowerk.dr.core.retention.GfsPolicy;
import io.biowerk.dr.core.retention.Retention;
import io.biowerk.dr.testkit.InMemorySource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * Retention meets object holds: a prune that wants to delete a held backup keeps it, says it is
 * held, and prunes the rest. Backups are real (core's {@link BackupJob}) in a {@link GcsSink} on
 * {@link JsonApiTestServer} (a test double of the Cloud Storage JSON API on loopback).
 */
class GcsRetentionHoldTest {

  private static final Instant T0 = Instant.parse("2026-01-05T02:00:00Z");

  private static BackupManifest backup(GcsSink sink, Instant at) throws Exception {
    return BackupJob.of(InMemorySource.of(new byte[] {1, 2, 3, 4}).named("postgres", "dump"))
        .sinks(sink)
        .clock(Clock.fixed(at, ZoneOffset.UTC))
        .build()
        .run();
  }

  @Test
  void aHeldBackupIsKeptAndReportedAsHeldWhileTheRestIsPruned() throws Exception {
    try (JsonApiTestServer server = new JsonApiTestServer().bucket("held");
        GcsSink plain = GcsSink.open(server.options("held").prefix("bw").build());
        GcsSink holding =
            GcsSink.open(server.options("held").prefix("bw").temporaryHold(true).build())) {
      BackupManifest held = backup(holding, T0);
      BackupManifest old = backup(plain, T0.plus(Duration.ofDays(1)));
      BackupManifest newest = backup(plain, T0.plus(Duration.ofDays(2)));
      assertThat(server.objects("held").get("bw/" + held.dataKey()).temporaryHold).isTrue();

      Catalog catalog = Catalog.of(plain);
      RetentionPlan plan =
          Retention.plan(
              catalog,
              "postgres",
              GfsPolicy.builder().keepLast(1).build(),
              T0.plus(Duration.ofDays(3)));
      ApplyResult result = Retention.apply(catalog, plain, plan);

      assertThat(result.deleted()).containsExactly(old.id());
      assertThat(result.skipped())
          .singleElement()
          .satisfies(
              skip -> {
                assertThat(skip.id()).isEqualTo(held.id());
                assertThat(skip.reason())
                    .contains("is held by the store and was kept")
                    .contains("in bucket 'held' is held")
                    .contains("--no-temporary-hold");
              });
      assertThat(catalog.list("postgres"))
          .extracting(BackupRecord::id)
          .containsExactlyInAnyOrder(newest.id(), held.id());

      holding.releaseHolds(held.manifestKey());
      holding.releaseHolds(held.dataKey());
      holding.releaseHolds(held.sha256Key());
      ApplyResult again =
          Retention.apply(
              catalog,
              plain,
              Retention.plan(
                  catalog,
                  "postgres",
                  GfsPolicy.builder().keepLast(1).build(),
                  T0.plus(Duration.ofDays(3))));
      assertThat(again.deleted()).containsExactly(held.id());
      assertThat(catalog.list("postgres"))
          .extracting(BackupRecord::id)
          .containsExactly(newest.id());
    }
  }
}
