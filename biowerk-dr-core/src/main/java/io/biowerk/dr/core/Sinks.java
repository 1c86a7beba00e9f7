package io.biowerk.dr.core;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;

/** Finds {@link Sink}s for repository URIs through {@link SinkProvider}s on the class path. */
public final class Sinks {

  private Sinks() {}

  /**
   * A sink for {@code uri} ({@code file:///var/backups/biowerk}, {@code s3://bucket/prefix}). The
   * caller owns the sink and closes it.
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
            SinkProvider::artifact,
            "repository (sink) for URI scheme",
            "Add the storage module that serves it to the class path (the README lists them),"
                + " or use file:///path.")
        .create(uri);
  }

  /**
   * The URI scheme of every sink provider on the class path, with the artifact that brings it,
   * sorted by scheme: what the CLI's help lists.
   */
  public static Map<String, String> available() {
    return Providers.describe(SinkProvider.class, SinkProvider::schemes, SinkProvider::artifact);
  }

  /** The URI schemes of every sink provider on the class path. */
  public static List<String> schemes() {
    return Providers.keys(SinkProvider.class, SinkProvider::schemes);
  }
}
