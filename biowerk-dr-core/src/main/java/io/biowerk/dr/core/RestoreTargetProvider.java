package io.biowerk.dr.core;

import java.io.IOException;
import java.net.URI;
import java.util.Set;

/**
 * Makes a {@link RestoreTarget} for a target URI. Registered through {@link
 * java.util.ServiceLoader}.
 */
public interface RestoreTargetProvider {

  /** The URI schemes this provider serves. */
  Set<String> schemes();

  /**
   * Makes a restore target for {@code uri}.
   *
   * @param force whether the target may be overwritten when it already holds data
   * @throws IllegalArgumentException if the URI or an option is malformed; the message names it
   * @throws IOException if the target cannot be prepared
   */
  RestoreTarget create(URI uri, boolean force) throws IOException;
}
