package io.biowerk.dr.core;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;

/**
 * A write that has no visible effect until {@link #commit()}: an object in a sink (temp file
 * renamed into place, a multipart upload completed), or a restore into a target (a process that
 * must exit cleanly).
 *
 * <p>{@link #abort()} discards everything written. {@link #close()} without a successful commit
 * aborts. Abort and close are idempotent (and do nothing after a commit); a write commits at most
 * once: after commit or abort, {@link #write} and {@link #commit} throw {@code
 * IllegalStateException("closed")}. Not thread-safe: one thread writes and commits.
 */
public interface PendingWrite extends WritableByteChannel {

  /**
   * Makes what was written visible, atomically where the medium allows it.
   *
   * @throws IOException if the write cannot be completed; nothing is then visible
   */
  void commit() throws IOException;

  /** Discards what was written. Never throws: failures to clean up are logged. */
  void abort();

  /** Aborts unless committed. */
  @Override
  default void close() {
    abort();
  }
}
