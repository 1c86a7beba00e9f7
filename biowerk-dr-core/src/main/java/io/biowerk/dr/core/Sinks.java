package io.biowerk.dr.core;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.TreeSet;

/** Finds {@link Sink}s for repository URIs through {@link SinkProvider}s on the class path. */
public final class Sinks {

  private Sinks() {}

  /**
   * A sink for {@code uri} ({@code file:///var/backups/biowerk}, {@code s3://bucket/prefix}).
   *
   * @throws ProviderNotFoundException if no provider serves the scheme; the message lists those
   *     found
   * @throws IOException if the provider cannot make the sink
   */
  public static Sink forUri(URI uri) throws IOException {
    return Providers.find(
            SinkProvider.class,
            uri.getScheme(),
            SinkProvider::schemes,
            "repository (sink) for URI scheme",
            "Add the storage module for it (biowerk-dr-storage-s3, -azure, -gcs) to the class path, or use file:///path.")
        .create(uri);
  }

  /** The URI schemes of every sink provider on the class path. */
  public static List<String> schemes() {
    TreeSet<String> schemes = new TreeSet<>();
    Providers.load(SinkProvider.class).forEach(p -> schemes.addAll(p.schemes()));
    return List.copyOf(schemes);
  }
}
