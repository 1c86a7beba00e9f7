package io.biowerk.dr.core.internal;

import java.io.IOException;

/**
 * Rethrows a failure caught as a {@link Throwable} (on another thread, or while closing) with its
 * type kept.
 */
public final class Failures {

  private Failures() {}

  /**
   * Throws {@code failure} as it is when it is an {@link IOException}, a {@link RuntimeException}
   * or an {@link Error}, and wrapped in an {@code IOException} saying {@code what} failed
   * otherwise. Does nothing when {@code failure} is null.
   *
   * @param what the work that failed, for the wrapping message ({@code "files: extraction"})
   * @throws IOException {@code failure}, or a checked failure of another kind wrapped
   */
  public static void rethrowIfAny(Throwable failure, String what) throws IOException {
    if (failure != null) {
      throw toThrow(failure, what);
    }
  }

  /**
   * {@code failure} as an exception a method declaring {@link IOException} can throw, for {@code
   * throw Failures.toThrow(failure, what)} where the compiler must see a throw: itself when it is
   * an {@code IOException}; a {@link RuntimeException} or an {@link Error} is thrown from here as
   * it is; any other is wrapped in an {@code IOException} saying {@code what} failed.
   */
  public static IOException toThrow(Throwable failure, String what) {
    if (failure instanceof IOException e) {
      return e;
    }
    if (failure instanceof RuntimeException e) {
      throw e;
    }
    if (failure instanceof Error e) {
      throw e;
    }
    return new IOException(what + " failed: " + failure, failure);
  }
}
