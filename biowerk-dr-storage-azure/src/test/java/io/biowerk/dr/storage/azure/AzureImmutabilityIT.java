package io.biowerk.dr.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.StorageException;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Legal holds and immutability policies. Azurite has no version-level immutability (it ignores the
 * headers on upload and answers 501 to Set Legal Hold), so what runs here is what a sink must do on
 * such a container: refuse to open when holds are asked for, and say so clearly. What a held blob
 * does to a delete (409 BlobImmutableDueToPolicy) is injected by {@link FaultyBlobProxy}; on a real
 * account the live test would show it.
 */
@ExtendWith(AzuriteExtension.class)
class AzureImmutabilityIT {

  private static final String KEY = "postgres/monthly/postgres_20240115_020000.dump.zst.enc";

  private final AzuriteServer server;

  AzureImmutabilityIT(AzuriteServer server) {
    this.server = server;
  }

  @Test
  void holdsOnAContainerWithoutVersionLevelImmutabilityAreRefusedAtOpen() {
    String container = server.newContainer("no-vlw");
    for (AzureOptions options :
        new AzureOptions[] {
          server.options(container).legalHold(true).build(),
          server.options(container).immutabilityPeriod(Duration.ofDays(30)).build()
        }) {
      assertThatThrownBy(() -> AzureSink.open(options))
          .isInstanceOf(StorageException.class)
          .hasMessageStartingWith(
              "azure sink: legal-hold and immutability-days need version-level immutability on container '"
                  + container
                  + "'")
          .hasMessageContaining("--enable-vlw true) or drop those options");
    }
  }

  @Test
  void settingALegalHoldWhereTheServiceCannotSaysSo() throws Exception {
    String container = server.newContainer("hold");
    try (AzureSink sink = AzureSink.open(server.options(container).build())) {
      sink.put(KEY, new byte[] {1});
      assertThatThrownBy(() -> sink.setLegalHold(KEY, true))
          .isInstanceOf(StorageException.class)
          .hasMessageStartingWith(
              "azure sink: Set Legal Hold on '" + KEY + "' in container '" + container + "' failed")
          .hasMessageContaining("the account or emulator does not support this");
      assertThat(sink.capabilities())
          .doesNotContain(io.biowerk.dr.core.SinkCapability.IMMUTABILITY);
    }
  }

  @Test
  void deletingAnImmutableBlobIsAnImmutableErrorNamingIt() throws Exception {
    String container = server.newContainer("held");
    URI endpoint = server.endpoint();
    try (FaultyBlobProxy proxy =
        new FaultyBlobProxy(URI.create(endpoint.getScheme() + "://" + endpoint.getAuthority()))) {
      try (AzureSink sink =
          AzureSink.open(
              AzureOptions.builder(server.account(), container)
                  .endpoint(proxy.endpoint(server.account()))
                  .accountKey(AzuriteServer.KEY)
                  .build())) {
        sink.put(KEY, new byte[] {1});
        proxy.answerNext(
            1,
            409,
            "BlobImmutableDueToPolicy",
            "This operation is not permitted as the blob is immutable due to a policy.");
        assertThatThrownBy(() -> sink.delete(KEY))
            .isInstanceOfSatisfying(
                StorageException.class,
                e -> assertThat(e.reason()).isEqualTo(StorageException.Reason.IMMUTABLE))
            .hasMessageStartingWith(
                "azure sink: '" + KEY + "' in container '" + container + "' is held")
            .hasMessageContaining("until the hold is cleared or the policy expires");
        assertThat(sink.get(KEY)).containsExactly(1);
      }
    }
  }
}
