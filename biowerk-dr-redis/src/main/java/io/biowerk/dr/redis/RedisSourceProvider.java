package io.biowerk.dr.redis;

import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceProvider;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/** Makes a {@link RedisSource} for {@code redis://} and {@code rediss://} URIs. */
public final class RedisSourceProvider implements SourceProvider {

  @Override
  public Set<String> schemes() {
    return Set.of("redis", "rediss");
  }

  @Override
  public Source create(URI uri) {
    return RedisSource.of(uri);
  }

  @Override
  public String artifact() {
    return "biowerk-dr-redis";
  }

  /** The plan's RTO for this kind of source. */
  @Override
  public Optional<Duration> defaultRto() {
    return Optional.of(Duration.ofHours(1));
  }
}
