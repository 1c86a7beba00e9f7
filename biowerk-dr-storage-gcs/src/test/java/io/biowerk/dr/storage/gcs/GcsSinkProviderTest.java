package io.biowerk.dr.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.SinkProvider;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The {@code gs} scheme is served through ServiceLoader, as the CLI and {@code Sinks} find it. */
class GcsSinkProviderTest {

  @Test
  void theGsSchemeIsFoundThroughServiceLoader() {
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
  }
}
