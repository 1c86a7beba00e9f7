package io.biowerk.dr.core;

import java.io.IOException;
import java.net.URI;
import java.util.Set;

/**
 * Makes a {@link RestoreTarget} for a target URI. Registered through {@link
 * java.util.ServiceLoader} (a {@code provides} clause in {@code module-info.java} and the same
 * class in {@code META-INF/services/io.biowerk.dr.core.RestoreTargetProvider}). See {@code
 * docs/writing-an-adapter.md}.
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

  /**
   * The artifact that brings this provider ({@code biowerk-dr-storage-s3}), named in messages that
   * list what is on the class path. The default is the provider's Java module name, or its package
   * on the class path; adapters override it with their Maven artifact id.
   */
  default String artifact() {
    return Providers.artifactOf(this);
  }
}
