package io.biowerk.dr.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.StorageException;
import java.net.URI;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Legal holds on a real storage account (Azurite has no version-level immutability). Tagged {@code
 * live}, off by default ({@code mvn verify -Dgroups=live}); needs {@code BIOWERK_DR_AZURE_VLW_URI},
 * the {@code azure://} URI of a container created with version-level immutability ({@code az
 * storage container-rm create ... --enable-vlw true}), and credentials for it in the environment as
 * the sink looks them up.
 */
@Tag("live")
class AzureImmutabilityLiveTest {

  @Test
  void aHeldBlobCannotBeDeletedUntilTheHoldIsCleared() throws Exception {
    String uri = System.getenv("BIOWERK_DR_AZURE_VLW_URI");
    Assumptions.assumeTrue(
        uri != null && !uri.isBlank(),
        "BIOWERK_DR_AZURE_VLW_URI is not set: there is no container with version-level immutability to test"
            + " legal holds against");
    String key = "biowerk-live-test/daily/" + UUID.randomUUID();
    AzureOptions options =
        AzureOptions.fromUri(URI.create(uri + (uri.contains("?") ? "&" : "?") + "legal-hold=true"));
    try (AzureSink sink = AzureSink.open(options)) {
      sink.put(key, new byte[] {1, 2, 3});
      assertThat(sink.properties(key).hasLegalHold()).isTrue();
      assertThatThrownBy(() -> sink.delete(key))
          .isInstanceOfSatisfying(
              StorageException.class,
              e -> assertThat(e.reason()).isEqualTo(StorageException.Reason.IMMUTABLE))
          .hasMessageContaining("is held");
      sink.setLegalHold(key, false);
      sink.delete(key);
      assertThat(sink.list("biowerk-live-test/daily/")).noneMatch(o -> o.key().equals(key));
    }
  }
}
