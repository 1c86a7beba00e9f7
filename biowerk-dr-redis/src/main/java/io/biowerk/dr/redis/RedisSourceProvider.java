package io.biowerk.dr.redis;

import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceProvider;
import java.net.URI;
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
}
