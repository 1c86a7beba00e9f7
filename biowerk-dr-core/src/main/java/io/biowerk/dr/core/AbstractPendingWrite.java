package io.biowerk.dr.core;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The commit-or-abort state machine every {@link PendingWrite} shares, so an implementation writes
 * only what is its own: how bytes are written, how they are made visible, and how they are thrown
 * away.
 *
 * <p>After {@link #commit()} or {@link #abort()}, {@link #write} and a second {@code commit()}
 * throw {@code IllegalStateException("closed")}; {@code abort()} is idempotent. If {@link
 * #publish()} fails, {@link #discard()} runs before the failure is rethrown, so a failed commit
 * leaves nothing visible. Not thread-safe, like the interface.
 */
public abstract class AbstractPendingWrite implements PendingWrite {

  private boolean done;

  /** Writes some bytes of {@code src}; called only while the write is open. */
  protected abstract int writeOpen(ByteBuffer src) throws IOException;

  /**
   * Makes what was written visible (rename, complete the upload, wait for the restore process).
   *
   * @throws IOException if that fails; {@link #discard()} then runs
   */
  protected abstract void publish() throws IOException;

  /**
   * Throws away what was written. Called at most once; never throws (failures to clean up are
   * logged).
   */
  protected abstract void discard();

  @Override
  public final int write(ByteBuffer src) throws IOException {
    if (done) {
      throw new IllegalStateException("closed");
    }
    return writeOpen(src);
  }

  @Override
  public final boolean isOpen() {
    return !done;
  }

  @Override
  public final void commit() throws IOException {
    if (done) {
      throw new IllegalStateException("closed");
    }
    done = true;
    try {
      publish();
    } catch (IOException | RuntimeException | Error e) {
      discard();
      throw e;
    }
  }

  @Override
  public final void abort() {
    if (!done) {
      done = true;
      discard();
    }
  }
}
