package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.NativeVerifier;
import io.biowerk.dr.core.Sources;
import java.net.URI;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The adapter is found through ServiceLoader by URI scheme and by source kind. */
class ProvidersTest {

  @Test
  void theProvidersDescribeTheAdapter() {
    assertThat(Sources.provider("postgresql").orElseThrow().artifact())
        .isEqualTo("biowerk-dr-postgres");
    assertThat(Sources.defaultRto("postgresql")).contains(java.time.Duration.ofHours(2));
    assertThat(Sources.defaultRto("postgres")).contains(java.time.Duration.ofHours(2));
  }

  @Test
  void sourceAndTargetAreFoundByScheme() throws Exception {
    assertThat(Sources.forUri(URI.create("postgresql://u@h:5432/db")))
        .isInstanceOf(PostgresSource.class)
        .hasToString("postgresql://u@h:5432/db");
    assertThat(Sources.forUri(URI.create("postgres://u:pw@h:5432/db")))
        .isInstanceOf(PostgresSource.class)
        .hasToString("postgresql://u@h:5432/db");
    assertThat(Sources.targetForUri(URI.create("postgresql://u@h/db?create=true"), false))
        .isInstanceOf(PostgresRestoreTarget.class);
    assertThat(Sources.schemes()).contains("postgresql", "postgres");
    assertThat(Sources.targetSchemes()).contains("postgresql", "postgres");
  }

  @Test
  void verifierIsFoundBySourceKind() {
    assertThat(
            ServiceLoader.load(NativeVerifier.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(v -> v.sourceKinds().contains("postgresql")))
        .singleElement()
        .isInstanceOf(PostgresVerifier.class);
  }
}
