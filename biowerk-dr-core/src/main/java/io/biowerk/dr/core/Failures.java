package io.biowerk.dr.core;

import java.io.IOException;

/**
 * Rethrows a failure caught as a {@link Throwable} (on another thread, or while closing) with its type kept.
 */
public final class Failures {

  private Failures() {}

  /**
   * Throws {@code failure} as it is when it is an {@link IOException}, a {@link RuntimeException} or an
   * {@link Error}, and wrapped in an {@code IOException} saying {@code what} failed otherwise. Does nothing when
   * {@code failure} is null.
   *
   * @param what the work that failed, for the wrapping message ({@code "files: extraction"})
   * @throws IOException {@code failure}, or a checked failure of another kind wrapped
   */
  public static void rethrowIfAny(Throwable failure, String what) throws IOException {
    if (failure == null) {
      return;
    }
    if (failure instanceof IOException e) {
      throw e;
    }
    if (failure instanceof RuntimeException e) {
      throw e;
    }
    if (failure instanceof Error e) {
      throw e;
    }
    throw new IOException(what + " failed: " + failure, failure);
  }
}
