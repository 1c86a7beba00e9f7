package io.biowerk.dr.mongo;

import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceProvider;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
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

  @Override
  public String artifact() {
    return "biowerk-dr-mongo";
  }

  /** The plan's MongoDB RTO: 2 hours (a 50 GB restore in 45-90 minutes, with room to spare). */
  @Override
  public Optional<Duration> defaultRto() {
    return Optional.of(Duration.ofHours(2));
  }
}
