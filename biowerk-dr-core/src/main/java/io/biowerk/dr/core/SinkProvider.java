package io.biowerk.dr.core;

import java.io.IOException;
import java.net.URI;
import java.util.Set;

/**
 * Makes a {@link Sink} for a repository URI ({@code file:///var/backups/biowerk}, {@code
 * s3://bucket/prefix?region=eu-west-1}). Registered through {@link java.util.ServiceLoader} (a
 * {@code provides} clause in {@code module-info.java} and the same class in {@code
 * META-INF/services/io.biowerk.dr.core.SinkProvider}); a cheap factory, separate from the heavy
 * client the sink holds. What the sink can do beyond the basics it declares itself ({@link
 * Sink#capabilities()}). See {@code docs/writing-an-adapter.md}.
 */
public interface SinkProvider {

  /** The URI schemes this provider serves. */
  Set<String> schemes();

  /**
   * Makes a sink for {@code uri}; options ride on the URI's query.
   *
   * @throws IllegalArgumentException if the URI or an option is malformed; the message names it
   * @throws IOException if the store cannot be reached or does not exist
   */
  Sink create(URI uri) throws IOException;

  /**
   * The artifact that brings this provider ({@code biowerk-dr-storage-s3}), named in messages that
   * list what is on the class path. The default is the provider's Java module name, or its package
   * on the class path; adapters override it with their Maven artifact id.
   */
  default String artifact() {
    return Providers.artifactOf(this);
  }
}
