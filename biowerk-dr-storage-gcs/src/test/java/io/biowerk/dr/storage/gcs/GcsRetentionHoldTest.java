package io.biowerk.dr.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.testkit.HeldBackupPrune;
import org.junit.jupiter.api.Test;

/**
 * Retention meets object holds: the test kit's {@link HeldBackupPrune} scenario (a held backup is
 * kept and reported as held, the rest pruned, and it goes once released). The held backup is
 * written through a {@link GcsSink} that puts a temporary hold on what it writes; the hold is the
 * one {@link JsonApiTestServer} (a test double of the Cloud Storage JSON API on loopback) keeps and
 * enforces, released through the sink.
 */
class GcsRetentionHoldTest {

  @Test
  void aHeldBackupIsKeptAndReportedAsHeldWhileTheRestIsPruned() throws Exception {
    try (JsonApiTestServer server = new JsonApiTestServer().bucket("held");
        GcsSink plain = GcsSink.open(server.options("held").prefix("bw").build());
        GcsSink holding =
            GcsSink.open(server.options("held").prefix("bw").temporaryHold(true).build())) {
      HeldBackupPrune.run(
          plain,
          new HeldBackupPrune.Holds() {
            @Override
            public Sink writer(Sink sink) {
              return holding;
            }

            @Override
            public void hold(BackupManifest held) {
              assertThat(server.objects("held").get("bw/" + held.dataKey()).temporaryHold)
                  .as("the hold the holding sink put on as it wrote")
                  .isTrue();
            }

            @Override
            public void release(BackupManifest held) throws Exception {
              holding.releaseHolds(held.manifestKey());
              holding.releaseHolds(held.dataKey());
              holding.releaseHolds(held.sha256Key());
            }
          },
          "in bucket 'held' is held",
          "--no-temporary-hold");
    }
  }
}
