package io.biowerk.dr.postgres;

import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.RestoreTargetProvider;
import java.net.URI;
import java.util.Set;

/** Makes {@link PostgresRestoreTarget}s for {@code postgresql://} and {@code postgres://} URIs. */
public final class PostgresRestoreTargetProvider implements RestoreTargetProvider {

  @Override
  public Set<String> schemes() {
    return PgUri.SCHEMES;
  }

  @Override
  public RestoreTarget create(URI uri, boolean force) {
    return PostgresRestoreTarget.of(uri, force);
  }

  @Override
  public String artifact() {
    return "biowerk-dr-postgres";
  }
}
