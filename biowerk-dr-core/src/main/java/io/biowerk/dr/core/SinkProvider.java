package io.biowerk.dr.core;

import java.io.IOException;
import java.net.URI;
import java.util.Set;

/**
 * Makes a {@link Sink} for a repository URI ({@code file:///var/backups/biowerk}, {@code
 * s3://bucket/prefix?region=eu-west-1}). Registered through {@link java.util.ServiceLoader}; a
 * cheap factory, separate from the heavy client the sink holds.
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
}
