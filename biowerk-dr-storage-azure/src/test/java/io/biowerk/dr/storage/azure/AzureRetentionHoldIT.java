package io.biowerk.dr.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.retention.ApplyResult;
import io.biowerk.dr.core.retention.GfsPolicy;
import io.biowerk.dr.core.retention.Retention;
import io.biowerk.dr.testkit.InMemorySource;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Prune on an Azure container where one backup is under a legal hold: retention keeps the held
 * backup, reports it as held (naming the container and what to do) and prunes the rest instead of
 * failing. Azurite stores the blobs; the hold is {@link FaultyBlobProxy}'s fake 409 {@code
 * BlobImmutableDueToLegalHold} on Delete Blob, because Azurite has no version-level immutability.
 */
@ExtendWith(AzuriteExtension.class)
class AzureRetentionHoldIT {

  private static final Instant T0 = Instant.parse("2026-11-01T02:00:00Z");

  private final AzuriteServer server;

  AzureRetentionHoldIT(AzuriteServer server) {
    this.server = server;
  }

  private static BackupManifest backup(AzureSink sink, Instant at) throws Exception {
    return BackupJob.of(InMemorySource.of(new byte[] {1, 2, 3, 4}).named("postgres", "dump"))
        .sinks(sink)
        .clock(Clock.fixed(at, ZoneOffset.UTC))
        .build()
        .run();
  }

  @Test
  void aHeldBackupIsKeptAndReportedAsHeldWhileTheRestIsPruned() throws Exception {
    String container = server.newContainer("hold");
    URI endpoint = server.endpoint();
    try (FaultyBlobProxy proxy =
            new FaultyBlobProxy(
                URI.create(endpoint.getScheme() + "://" + endpoint.getAuthority()));
        AzureSink sink =
            AzureSink.open(
                AzureOptions.builder(server.account(), container)
                    .endpoint(proxy.endpoint(server.account()))
                    .accountKey(AzuriteServer.KEY)
                    .prefix("bw")
                    .build())) {
      BackupManifest held = backup(sink, T0);
      BackupManifest old = backup(sink, T0.plus(Duration.ofDays(1)));
      BackupManifest newest = backup(sink, T0.plus(Duration.ofDays(2)));
      proxy.holdBlobsContaining(held.id());

      Catalog catalog = Catalog.of(sink);
      GfsPolicy keepOne = GfsPolicy.builder().keepLast(1).build();
      ApplyResult result =
          Retention.apply(
              catalog,
              sink,
              Retention.plan(catalog, "postgres", keepOne, T0.plus(Duration.ofDays(3))));

      assertThat(result.deleted()).containsExactly(old.id());
      assertThat(result.skipped())
          .singleElement()
          .satisfies(
              skip -> {
                assertThat(skip.id()).isEqualTo(held.id());
                assertThat(skip.reason())
                    .contains("is held by the store and was kept")
                    .contains("in container '" + container + "' is held");
              });
      assertThat(catalog.list("postgres"))
          .extracting(BackupRecord::id)
          .containsExactlyInAnyOrder(newest.id(), held.id());
      assertThat(sink.get(held.dataKey())).containsExactly(1, 2, 3, 4);

      proxy.holdBlobsContaining(null); // the hold is cleared: the next prune removes the backup
      ApplyResult again =
          Retention.apply(
              catalog,
              sink,
              Retention.plan(catalog, "postgres", keepOne, T0.plus(Duration.ofDays(3))));
      assertThat(again.deleted()).containsExactly(held.id());
      assertThat(catalog.list("postgres"))
          .extracting(BackupRecord::id)
          .containsExactly(newest.id());
    }
  }
}
