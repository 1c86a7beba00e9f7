package io.biowerk.dr.redis;

import io.biowerk.dr.core.Failures;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bounded byte pipe between two threads: a producer writes (as an {@link OutputStream}) into
 * pooled chunks, a consumer reads them into its buffers. Memory is {@code count * size} bytes
 * whatever flows through, and the producer blocks while the consumer is behind. The producer ends
 * with {@link #finish()} or {@link #fail(Throwable)}; the consumer may {@link #cancel()} at any
 * time, after which the producer's writes throw.
 */
final class ChunkPipe extends OutputStream {

  private static final Object END = new Object();

  private static final class Chunk {
    final byte[] data;
    int length;

    Chunk(int size) {
      data = new byte[size];
    }
  }

  private final BlockingQueue<Chunk> free;
  private final BlockingQueue<Object> full;
  private volatile boolean cancelled;
  private Chunk writing;
  private Chunk reading;
  private int readPos;
  private boolean ended;
  private Throwable failure;

  ChunkPipe(int count, int size) {
    free = new ArrayBlockingQueue<>(count);
    full = new ArrayBlockingQueue<>(count + 2);
    for (int i = 0; i < count; i++) {
      free.add(new Chunk(size));
    }
  }

  // ---- producer side ----

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (writing == null) {
        writing = take();
        writing.length = 0;
      }
      int n = Math.min(len, writing.data.length - writing.length);
      System.arraycopy(b, off, writing.data, writing.length, n);
      writing.length += n;
      off += n;
      len -= n;
      if (writing.length == writing.data.length) {
        post(writing);
        writing = null;
      }
    }
  }

  /** Hands over what was written so far without waiting for a chunk to fill. */
  @Override
  public void flush() throws IOException {
    if (writing != null && writing.length > 0) {
      post(writing);
      writing = null;
    }
  }

  /** Ends the stream: the consumer reads the rest, then end of stream. */
  void finish() throws IOException {
    flush();
    post(END);
  }

  /** Ends the stream with a failure, which the consumer's next read throws. */
  void fail(Throwable error) {
    // Never blocks: `full` has room for the chunks plus this marker.
    full.offer(error);
  }

  private Chunk take() throws IOException {
    try {
      while (true) {
        if (cancelled) {
          throw new InterruptedIOException("redis: the backup was cancelled");
        }
        Chunk chunk = free.poll(100, TimeUnit.MILLISECONDS);
        if (chunk != null) {
          return chunk;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("redis: interrupted");
    }
  }

  private void post(Object item) throws IOException {
    if (cancelled) {
      throw new InterruptedIOException("redis: the backup was cancelled");
    }
    try {
      full.put(item);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("redis: interrupted");
    }
  }

  // ---- consumer side ----

  /**
   * Reads into {@code dst}; -1 at the end of a finished stream.
   *
   * @throws IOException the producer's failure, as it gave it
   */
  int read(ByteBuffer dst) throws IOException {
    if (failure != null) {
      throw Failures.toThrow(failure, "redis: the snapshot transfer");
    }
    if (ended) {
      return -1;
    }
    int total = 0;
    while (dst.hasRemaining()) {
      if (reading == null) {
        Object item = total == 0 ? takeFull() : full.poll();
        if (item == null) {
          break;
        }
        if (item == END) {
          ended = true;
          break;
        }
        if (item instanceof Throwable error) {
          failure = error;
          if (total > 0) {
            break;
          }
          throw Failures.toThrow(error, "redis: the snapshot transfer");
        }
        reading = (Chunk) item;
        readPos = 0;
      }
      int n = Math.min(dst.remaining(), reading.length - readPos);
      dst.put(reading.data, readPos, n);
      readPos += n;
      total += n;
      if (readPos == reading.length) {
        // Back to the pool: the producer may refill it now.
        free.offer(reading);
        reading = null;
      }
    }
    return total == 0 && ended ? -1 : total;
  }

  private Object takeFull() throws IOException {
    try {
      return full.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("redis: interrupted while waiting for the server");
    }
  }

  /** Whether the producer finished and everything was read. */
  boolean ended() {
    return ended;
  }

  /** Stops the producer: its next write throws. */
  void cancel() {
    cancelled = true;
    full.clear();
    // Wakes a consumer blocked in read(), if the consumer is not the one cancelling.
    full.offer(new InterruptedIOException("redis: cancelled"));
  }
}
