package io.biowerk.dr.redis;

import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.RestoreTargetProvider;
import java.net.URI;
import java.util.Set;

/**
 * Makes Redis restore targets: {@code redis://} and {@code rediss://} restore online into a running
 * server ({@link RedisRestoreTarget}); {@code redis-rdb:///dir} writes {@code dump.rdb} for an
 * offline restore ({@link RdbFileRestoreTarget}).
 */
public final class RedisRestoreTargetProvider implements RestoreTargetProvider {

  @Override
  public Set<String> schemes() {
    return Set.of("redis", "rediss", "redis-rdb");
  }

  @Override
  public RestoreTarget create(URI uri, boolean force) {
    if ("redis-rdb".equalsIgnoreCase(uri.getScheme())) {
      return RdbFileRestoreTarget.of(uri, force);
    }
    return RedisRestoreTarget.of(uri, force);
  }

  @Override
  public String artifact() {
    return "biowerk-dr-redis";
  }
}
