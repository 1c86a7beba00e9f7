package io.biowerk.dr.postgres;

import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceProvider;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/** Makes {@link PostgresSource}s for {@code postgresql://} and {@code postgres://} URIs. */
public final class PostgresSourceProvider implements SourceProvider {

  @Override
  public Set<String> schemes() {
    return PgUri.SCHEMES;
  }

  @Override
  public Source create(URI uri) {
    return PostgresSource.of(uri);
  }

  @Override
  public String artifact() {
    return "biowerk-dr-postgres";
  }

  /** The plan's RTO for this kind of source. */
  @Override
  public Optional<Duration> defaultRto() {
    return Optional.of(PostgresVerifier.DEFAULT_RTO);
  }
}
