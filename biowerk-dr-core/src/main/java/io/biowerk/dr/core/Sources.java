package io.biowerk.dr.core;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.TreeSet;

/**
 * Finds {@link Source}s and {@link RestoreTarget}s for URIs through providers on the class path.
 */
public final class Sources {

  private Sources() {}

  /**
   * A source for {@code uri} ({@code postgresql://...}, {@code redis://...}, {@code file:///dir}).
   *
   * @throws ProviderNotFoundException if no provider serves the scheme; the message lists those
   *     found
   * @throws IOException if the provider cannot make the source
   */
  public static Source forUri(URI uri) throws IOException {
    return Providers.find(
            SourceProvider.class,
            uri.getScheme(),
            SourceProvider::schemes,
            "source for URI scheme",
            "Add the adapter module for it (biowerk-dr-postgres, -redis, -mongo) to the class path.")
        .create(uri);
  }

  /**
   * A restore target for {@code uri}.
   *
   * @param force whether a target that holds data may be overwritten
   * @throws ProviderNotFoundException if no provider serves the scheme; the message lists those
   *     found
   * @throws IOException if the provider cannot make the target
   */
  public static RestoreTarget targetForUri(URI uri, boolean force) throws IOException {
    return Providers.find(
            RestoreTargetProvider.class,
            uri.getScheme(),
            RestoreTargetProvider::schemes,
            "restore target for URI scheme",
            "Add the adapter module for it (biowerk-dr-postgres, -redis, -mongo) to the class path.")
        .create(uri, force);
  }

  /** The URI schemes of every source provider on the class path. */
  public static List<String> schemes() {
    TreeSet<String> schemes = new TreeSet<>();
    Providers.load(SourceProvider.class).forEach(p -> schemes.addAll(p.schemes()));
    return List.copyOf(schemes);
  }

  /** The URI schemes of every restore-target provider on the class path. */
  public static List<String> targetSchemes() {
    TreeSet<String> schemes = new TreeSet<>();
    Providers.load(RestoreTargetProvider.class).forEach(p -> schemes.addAll(p.schemes()));
    return List.copyOf(schemes);
  }
}
