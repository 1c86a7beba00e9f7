package io.biowerk.dr.core;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A writable channel that passes its bytes to {@code downstream} on a thread of its own, through a
 * bounded pool of buffers: the producer (the compressor) and the consumer (encryption, the
 * stored-bytes hash and the sink writes) then run on different cores instead of taking turns on
 * one.
 *
 * <p>Each write copies the caller's bytes into a pooled buffer: the caller's buffer is lent only
 * for the call (zstd reuses its output buffer), and the bytes copied are the compressed ones, a
 * fraction of the input. Memory is bounded by {@code count * size} bytes. Closing sends what is
 * left, waits until the consumer has written and closed {@code downstream}, and throws the
 * consumer's failure if no write has thrown it already (a failure is thrown once); a failure on
 * either side reaches the other at its next call. {@link #cancel()} stops the consumer without
 * finishing.
 */
final class Handoff implements WritableByteChannel {

  private static final ByteBuffer END = ByteBuffer.allocate(0);

  private final WritableByteChannel downstream;
  private final BlockingQueue<ByteBuffer> free;
  private final BlockingQueue<ByteBuffer> full;
  private final Thread consumer;
  private volatile Throwable failure;
  private boolean reported;
  private ByteBuffer current;
  private boolean closed;

  Handoff(WritableByteChannel downstream, int count, int size, String name) {
    this.downstream = downstream;
    this.free = new ArrayBlockingQueue<>(count);
    this.full = new ArrayBlockingQueue<>(count + 1);
    for (int i = 0; i < count; i++) {
      // Heap buffers: the JDK's AES-GCM is fastest from heap arrays.
      free.add(ByteBuffer.allocate(size));
    }
    this.consumer = new Thread(this::consume, name);
    consumer.setDaemon(true);
    consumer.start();
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    int n = src.remaining();
    while (src.hasRemaining()) {
      checkFailure();
      if (reported) {
        throw new IllegalStateException("the sealing thread has failed; the backup is aborting");
      }
      if (current == null) {
        current = take();
      }
      int chunk = Math.min(current.remaining(), src.remaining());
      ByteBuffer part = src.slice();
      part.limit(chunk);
      current.put(part);
      src.position(src.position() + chunk);
      if (!current.hasRemaining()) {
        send();
      }
    }
    return n;
  }

  private ByteBuffer take() throws IOException {
    try {
      ByteBuffer buffer;
      do {
        checkFailure();
        if (reported) {
          throw new IllegalStateException("the sealing thread has failed; the backup is aborting");
        }
        buffer = free.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
      } while (buffer == null);
      return buffer;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("backup interrupted");
    }
  }

  private void send() throws IOException {
    current.flip();
    try {
      // Handed over: the consumer owns the buffer until it puts it back in `free`.
      full.put(current);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("backup interrupted");
    }
    current = null;
  }

  private void checkFailure() throws IOException {
    Throwable f = failure;
    if (f != null && !reported) {
      // Thrown once: the producer's close() would otherwise throw the same instance again, and a
      // codec
      // adding it to itself as suppressed fails with "Self-suppression not permitted".
      reported = true;
      Failures.rethrowIfAny(f, "the sealing thread");
    }
  }

  private void consume() {
    try {
      while (true) {
        ByteBuffer buffer = full.take();
        if (buffer == END) {
          downstream.close();
          return;
        }
        ByteChannels.writeFully(downstream, buffer);
        buffer.clear();
        free.put(buffer);
      }
    } catch (InterruptedException e) {
      // cancelled: the producer has failed and aborts the writes
      if (failure == null) {
        failure = new InterruptedIOException("backup cancelled");
      }
    } catch (Throwable e) {
      failure = e;
    }
  }

  @Override
  public boolean isOpen() {
    return !closed;
  }

  /**
   * Sends what is left, waits for the consumer to write and close downstream, and throws its
   * failure.
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (failure == null) {
        if (current != null && current.position() > 0) {
          send();
        }
        full.put(END);
      }
      consumer.join();
    } catch (InterruptedException e) {
      consumer.interrupt();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("backup interrupted");
    }
    checkFailure();
  }

  /**
   * Stops the consumer without finishing downstream; for when the backup has failed. Idempotent.
   */
  void cancel() {
    closed = true;
    consumer.interrupt();
    try {
      consumer.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
