package io.biowerk.dr.testkit.pipeline;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.RestoreTarget;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * A restore target that keeps the restored bytes in memory and makes them visible only on commit,
 * like a real target; it records how often it was opened, committed and aborted.
 */
final class CollectingTarget implements RestoreTarget {
  int opened;
  int committed;
  int aborted;
  long bytesReceived;
  byte[] restored;

  @Override
  public PendingWrite open(BackupManifest manifest) {
    opened++;
    ByteArrayOutputStream pending = new ByteArrayOutputStream();
    return new PendingWrite() {
      private boolean done;

      @Override
      public int write(ByteBuffer src) {
        if (done) {
          throw new IllegalStateException("closed");
        }
        int n = src.remaining();
        byte[] bytes = new byte[n];
        src.get(bytes);
        pending.writeBytes(bytes);
        bytesReceived += n;
        return n;
      }

      @Override
      public boolean isOpen() {
        return !done;
      }

      @Override
      public void commit() {
        if (done) {
          throw new IllegalStateException("closed");
        }
        done = true;
        committed++;
        restored = pending.toByteArray();
      }

      @Override
      public void abort() {
        if (!done) {
          done = true;
          aborted++;
        }
      }
    };
  }
}
