package io.biowerk.dr.storage.azure;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.testkit.HeldBackupPrune;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Prune on an Azure container where one backup is under a legal hold: the test kit's {@link
 * HeldBackupPrune} scenario (kept, reported as held naming the container, the rest pruned, removed
 * once the hold is cleared). Azurite stores the blobs; the hold is {@link FaultyBlobProxy}'s fake
 * 409 {@code BlobImmutableDueToLegalHold} on Delete Blob, because Azurite has no version-level
 * immutability.
 */
@ExtendWith(AzuriteExtension.class)
class AzureRetentionHoldIT {

  private final AzuriteServer server;

  AzureRetentionHoldIT(AzuriteServer server) {
    this.server = server;
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
      HeldBackupPrune.run(
          sink,
          new HeldBackupPrune.Holds() {
            @Override
            public void hold(BackupManifest held) {
              proxy.holdBlobsContaining(held.id());
            }

            @Override
            public void release(BackupManifest held) {
              proxy.holdBlobsContaining(null); // the hold is cleared
            }
          },
          "in container '" + container + "' is held");
    }
  }
}
