package io.biowerk.dr.mongo;

import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceProvider;
import java.net.URI;
import java.util.Set;

/** Makes a {@link MongoSource} for {@code mongodb://} and {@code mongodb+srv://} URIs. */
public final class MongoSourceProvider implements SourceProvider {

  @Override
  public Set<String> schemes() {
    return Set.of("mongodb", "mongodb+srv");
  }

  @Override
  public Source create(URI uri) {
    return MongoSource.of(uri);
  }
}
