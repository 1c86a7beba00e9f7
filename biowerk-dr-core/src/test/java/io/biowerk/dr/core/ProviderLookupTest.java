package io.biowerk.dr.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.local.LocalSink;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ServiceLoader lookups of sinks, codecs and sources by the URI scheme or id that data names. */
class ProviderLookupTest {

  @TempDir Path dir;

  @Test
  void theFileSchemeFindsALocalSinkAndCreatesItsDirectory() throws Exception {
    Path root = dir.resolve("repo/nested");
    Sink sink = Sinks.forUri(URI.create("file://" + root));
    assertThat(sink).isInstanceOf(LocalSink.class);
    assertThat(((LocalSink) sink).root()).isEqualTo(root);
    assertThat(Files.isDirectory(root)).isTrue();
    assertThat(Sinks.schemes()).contains("file");
    assertThat(Sinks.forUri(URI.create("FILE://" + root)))
        .as("schemes match case-insensitively")
        .isInstanceOf(LocalSink.class);
  }

  @Test
  void anUnknownSinkSchemeListsTheSchemesFound() {
    assertThatThrownBy(() -> Sinks.forUri(URI.create("s3x://bucket/prefix")))
        .isInstanceOfSatisfying(
            ProviderNotFoundException.class,
            e -> {
              assertThat(e.requested()).isEqualTo("s3x");
              assertThat(e.available()).contains("file");
            })
        .hasMessageContaining("'s3x'")
        .hasMessageContaining("found: ")
        .hasMessageContaining("file")
        .hasMessageContaining("Add the storage module");
  }

  @Test
  void codecsAreFoundByTheIdAManifestRecords() throws Exception {
    Codec zstd = Codecs.byId("zst", Map.of("level", "7", "workers", "2"), KeyRing.empty());
    assertThat(zstd).isInstanceOf(ZstdCodec.class);
    assertThat(zstd.parameters()).containsEntry("level", "7").containsEntry("workers", "2");
    Codec enc =
        Codecs.byId("enc", Map.of("cipher", "aes-256-gcm", "key-id", "k1"), KeyRing.empty());
    assertThat(enc).isInstanceOf(EncryptionCodec.class);
    assertThat(Codecs.ids()).contains("enc", "zst");
    assertThat(
            Codecs.fromSpecs(
                List.of(new CodecSpec("zst", Map.of()), new CodecSpec("enc", Map.of())),
                KeyRing.empty()))
        .extracting(Codec::id)
        .containsExactly("zst", "enc");
  }

  @Test
  void anUnknownCodecIdListsTheIdsFound() {
    assertThatThrownBy(() -> Codecs.byId("lz4", Map.of(), KeyRing.empty()))
        .isInstanceOfSatisfying(
            ProviderNotFoundException.class,
            e -> {
              assertThat(e.requested()).isEqualTo("lz4");
              assertThat(e.available()).contains("enc", "zst");
            })
        .hasMessageContaining("no codec with id 'lz4' is available; found: ")
        .hasMessageContaining("enc, ")
        .hasMessageContaining("zst")
        .hasMessageContaining("install the module that provides it");
  }

  @Test
  void badCodecParametersAreProgrammerErrorsNamingTheOption() {
    assertThatThrownBy(() -> Codecs.byId("zst", Map.of("level", "fast"), KeyRing.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("level")
        .hasMessageContaining("fast");
    assertThatThrownBy(() -> Codecs.byId("zst", Map.of("level", "99"), KeyRing.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("99");
  }

  @Test
  void anUnknownSourceSchemeListsTheSchemesFound() {
    assertThatThrownBy(() -> Sources.forUri(URI.create("oracle://db/orders")))
        .isInstanceOfSatisfying(
            ProviderNotFoundException.class, e -> assertThat(e.requested()).isEqualTo("oracle"))
        .hasMessageContaining("'oracle'")
        .hasMessageContaining("found: ")
        .hasMessageContaining("Add the adapter module");
  }
}
