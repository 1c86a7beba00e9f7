package io.biowerk.dr.core;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
            SourceProvider::artifact,
            "source for URI scheme",
            "Add the adapter module that serves it to the class path (the README lists them).")
        .create(uri);
  }

  /** The provider of sources of {@code kind} (a URI scheme), if one is on the class path. */
  public static Optional<SourceProvider> provider(String kind) {
    return Providers.lookup(SourceProvider.class, kind, SourceProvider::schemes);
  }

  /**
   * The RTO target the provider of sources of {@code kind} declares ({@link
   * SourceProvider#defaultRto()}); empty if it declares none or no provider of that kind is on the
   * class path.
   */
  public static Optional<Duration> defaultRto(String kind) {
    return provider(kind).flatMap(SourceProvider::defaultRto);
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
            RestoreTargetProvider::artifact,
            "restore target for URI scheme",
            "Add the adapter module that serves it to the class path (the README lists them).")
        .create(uri, force);
  }

  /**
   * The URI scheme of every source provider on the class path, with the artifact that brings it
   * ({@code file -> biowerk-dr-core}), sorted by scheme: what the CLI's help lists.
   */
  public static Map<String, String> available() {
    return Providers.describe(
        SourceProvider.class, SourceProvider::schemes, SourceProvider::artifact);
  }

  /** As {@link #available()}, for restore targets. */
  public static Map<String, String> availableTargets() {
    return Providers.describe(
        RestoreTargetProvider.class,
        RestoreTargetProvider::schemes,
        RestoreTargetProvider::artifact);
  }

  /** The URI schemes of every source provider on the class path. */
  public static List<String> schemes() {
    return Providers.keys(SourceProvider.class, SourceProvider::schemes);
  }

  /** The URI schemes of every restore-target provider on the class path. */
  public static List<String> targetSchemes() {
    return Providers.keys(RestoreTargetProvider.class, RestoreTargetProvider::schemes);
  }
}
