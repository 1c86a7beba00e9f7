package io.biowerk.dr.mongo;

import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.RestoreTargetProvider;
import java.net.URI;
import java.util.Set;

/** Makes a {@link MongoRestoreTarget} for {@code mongodb://} and {@code mongodb+srv://} URIs. */
public final class MongoRestoreTargetProvider implements RestoreTargetProvider {

  @Override
  public Set<String> schemes() {
    return Set.of("mongodb", "mongodb+srv");
  }

  @Override
  public RestoreTarget create(URI uri, boolean force) {
    return MongoRestoreTarget.of(uri, force);
  }

  @Override
  public String artifact() {
    return "biowerk-dr-mongo";
  }
}
