package io.biowerk.dr.mongo;

import com.mongodb.client.MongoClient;
import io.biowerk.dr.core.PendingWrite;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One restore in progress: the archive's bytes written here are parsed and restored on a thread of
 * its own (through a bounded queue of copies, at most {@link #QUEUE} chunks), so a failure on the
 * server reaches the writer at its next write. {@link #commit()} waits for the end (indexes, oplog
 * replay) and reports the outcome; {@link #abort()} stops and drops what was created. Owns the
 * client and closes it.
 */
final class RestoreWrite implements PendingWrite {

  private static final int QUEUE = 16;
  private static final int CHUNK = 1 << 20;
  private static final ByteBuffer EOF = ByteBuffer.allocate(0);

  private final MongoClient client;
  private final ArchiveRestorer restorer;
  private final String component;
  private final BlockingQueue<ByteBuffer> queue = new ArrayBlockingQueue<>(QUEUE);
  private final Thread worker;
  private volatile Throwable failure;
  private volatile boolean done;
  private boolean closed;

  RestoreWrite(MongoClient client, ArchiveRestorer restorer, String component) {
    this.client = client;
    this.restorer = restorer;
    this.component = component;
    this.worker = new Thread(this::run, "mongodb-restore");
    worker.setDaemon(true);
    worker.start();
  }

  private void run() {
    try {
      new ArchiveReader(new QueueChannel(), false).read(restorer);
      restorer.finish();
    } catch (Throwable t) {
      failure = t;
      queue.clear();
    } finally {
      done = true;
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    int n = src.remaining();
    while (src.hasRemaining()) {
      checkFailure();
      int size = Math.min(CHUNK, src.remaining());
      ByteBuffer copy = ByteBuffer.allocate(size);
      ByteBuffer part = src.slice();
      part.limit(size);
      copy.put(part).flip();
      src.position(src.position() + size);
      offer(copy);
    }
    return n;
  }

  private void offer(ByteBuffer chunk) throws IOException {
    try {
      // Handed over: the restore thread owns the copy.
      while (!queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
        checkFailure();
        if (done) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(component + ": interrupted");
    }
  }

  private void checkFailure() throws IOException {
    Throwable f = failure;
    if (f != null) {
      if (f instanceof IOException io) {
        throw io;
      }
      throw new IOException(component + ": the restore failed: " + f, f);
    }
  }

  @Override
  public boolean isOpen() {
    return !closed;
  }

  @Override
  public void commit() throws IOException {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    try {
      offer(EOF);
      worker.join();
      checkFailure();
      closed = true;
      client.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(component + ": interrupted while finishing the restore");
    } finally {
      if (!closed) {
        abort();
      }
    }
  }

  @Override
  public void abort() {
    if (closed) {
      return;
    }
    closed = true;
    worker.interrupt();
    try {
      worker.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    restorer.abort();
    client.close();
  }

  /** The restore thread's view of the queue. */
  private final class QueueChannel implements ReadableByteChannel {
    private ByteBuffer current;
    private boolean end;

    // ReferenceEquality: EOF is a marker buffer queued by identity, never compared by content.
    @SuppressWarnings("ReferenceEquality")
    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (end) {
        return -1;
      }
      try {
        while (current == null || !current.hasRemaining()) {
          current = queue.take();
          if (current == EOF) {
            end = true;
            return -1;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException(component + ": restore aborted");
      }
      int n = Math.min(dst.remaining(), current.remaining());
      ByteBuffer part = current.slice();
      part.limit(n);
      dst.put(part);
      current.position(current.position() + n);
      return n;
    }

    @Override
    public boolean isOpen() {
      return !end;
    }

    @Override
    public void close() {}
  }
}
