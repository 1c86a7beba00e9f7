package io.biowerk.dr.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.SinkCapability;
import io.biowerk.dr.core.SinkProvider;
import io.biowerk.dr.core.Sinks;
import java.net.URI;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The {@code gs} scheme is served through ServiceLoader, as the CLI and {@link Sinks} find it. */
class GcsSinkProviderTest {

  @Test
  void theGsSchemeIsFoundThroughServiceLoaderUnderItsArtifact() {
    SinkProvider found =
        ServiceLoader.load(SinkProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.schemes().contains("gs"))
            .findFirst()
            .orElseThrow(
                () ->
                    new AssertionError(
                        "no SinkProvider for gs:// on the class path; check META-INF/services"));
    assertThat(found).isInstanceOf(GcsSinkProvider.class);
    assertThat(found.schemes()).containsExactly("gs");
    assertThat(found.artifact()).isEqualTo("biowerk-dr-storage-gcs");
  }

  @Test
  void sinksForUriOpensAGcsSinkOnTheEndpointGiven() throws Exception {
    try (JsonApiTestServer server = new JsonApiTestServer().bucket("lookup");
        Sink sink =
            Sinks.forUri(
                URI.create("gs://lookup/bw?credentials=none&endpoint=" + server.endpoint()))) {
      assertThat(sink).isInstanceOf(GcsSink.class);
      assertThat(sink.capabilities())
          .contains(SinkCapability.ATOMIC_PUT_IF_ABSENT, SinkCapability.SERVER_SIDE_COPY);
      sink.put("a/b", new byte[] {7});
      assertThat(server.objects("lookup")).containsKey("bw/a/b");
    }
  }
}
