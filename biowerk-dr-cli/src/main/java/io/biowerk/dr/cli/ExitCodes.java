package io.biowerk.dr.cli;

import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyNotFoundException;
import io.biowerk.dr.core.ProviderNotFoundException;
import picocli.CommandLine;

/**
 * The exit codes of {@code biowerk-dr}, which scripts and schedulers act on: 0 success, 1 failure,
 * 2 usage error, 3 integrity failure.
 */
public final class ExitCodes {

  /** The work was done. */
  public static final int OK = 0;

  /**
   * The work failed for a reason outside the backups themselves: storage, a source, a key that is
   * missing.
   */
  public static final int FAILURE = 1;

  /**
   * The command line is wrong: an unknown option or URI scheme, a malformed value. Nothing was
   * done.
   */
  public static final int USAGE = 2;

  /**
   * A backup is damaged or the keys at hand do not decrypt it: checksums differ, authentication
   * failed, the key it was encrypted with is wrong or missing.
   */
  public static final int INTEGRITY = 3;

  private ExitCodes() {}

  /** The exit code a failure maps to. */
  public static int of(Throwable failure) {
    if (failure instanceof IntegrityException) {
      // Includes WrongKeyException, CorruptManifestException and UnsafePathException: the backup as
      // stored
      // cannot be trusted (or not with this key), which is what a scheduled verify must page about.
      return INTEGRITY;
    }
    if (failure instanceof KeyNotFoundException missing && missing.keyId() != null) {
      // A backup needs a key this ring lacks: with these keys the backup cannot be restored, which
      // is what
      // "wrong key" means to the person at the console. (No active key for a new backup is a plain
      // failure.)
      return INTEGRITY;
    }
    if (failure instanceof ProviderNotFoundException
        || failure instanceof UsageException
        || failure instanceof CommandLine.ParameterException
        || failure instanceof IllegalArgumentException) {
      // An IllegalArgumentException here comes from parsing what the user typed (a URI, an option
      // on it, a
      // zstd level); the message names the value.
      return USAGE;
    }
    return FAILURE;
  }
}
