package io.biowerk.dr.core;

import java.io.IOException;
import java.net.URI;
import java.util.Set;

/**
 * Makes a {@link Source} for a source URI ({@code postgresql://user@host:5432/orders}, {@code
 * redis://host:6379}, {@code file:///etc/biowerk}). Registered through {@link
 * java.util.ServiceLoader}.
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
}
