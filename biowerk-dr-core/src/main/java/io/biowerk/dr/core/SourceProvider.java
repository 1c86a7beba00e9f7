package io.biowerk.dr.core;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Makes a {@link Source} for a source URI ({@code postgresql://user@host:5432/orders}, {@code
 * redis://host:6379}, {@code file:///etc/biowerk}). Registered through {@link
 * java.util.ServiceLoader} (a {@code provides} clause in the module's {@code module-info.java} and
 * the same class in {@code META-INF/services/io.biowerk.dr.core.SourceProvider}); a cheap factory.
 * It also describes the adapter to core and the CLI, which know no adapter by name: its {@link
 * #artifact()} and {@link #defaultRto()}. See {@code docs/writing-an-adapter.md}.
 */
public interface SourceProvider {

  /** The URI schemes this provider serves. */
  Set<String> schemes();

  /**
   * Makes a source for {@code uri}; options ride on the URI's query.
   *
   * @throws IllegalArgumentException if the URI or an option is malformed; the message names it
   * @throws IOException if the source cannot be prepared
   */
  Source create(URI uri) throws IOException;

  /**
   * The artifact that brings this provider ({@code biowerk-dr-storage-s3}), named in messages that
   * list what is on the class path. The default is the provider's Java module name, or its package
   * on the class path; adapters override it with their Maven artifact id.
   */
  default String artifact() {
    return Providers.artifactOf(this);
  }

  /**
   * The recovery-time objective the plan sets for sources of this kind, when it is stricter than
   * the overall one: how long a restore of one of its backups may take ({@code verify --level
   * restore} measures it). Empty (the default) means the plan's overall target applies. An
   * operator's target for a source still wins over it.
   */
  default Optional<Duration> defaultRto() {
    return Optional.empty();
  }
}
