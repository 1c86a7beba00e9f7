package io.biowerk.dr.core;

import io.biowerk.dr.core.internal.ByteChannels;
import io.biowerk.dr.core.internal.Failures;
import io.biowerk.dr.core.io.BufferPipe;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.WritableByteChannel;

/**
 * A writable channel that passes its bytes to {@code downstream} on a thread of its own, through a
 * {@link BufferPipe} of heap buffers: the producer (the compressor) and the consumer (encryption,
 * the stored-bytes hash and the sink writes) then run on different cores instead of taking turns on
 * one.
 *
 * <p>Each write copies the caller's bytes into a pooled buffer: the caller's buffer is lent only
 * for the call (zstd reuses its output buffer), and the bytes copied are the compressed ones, a
 * fraction of the input. Memory is bounded by {@code count * size} bytes. Closing sends what is
 * left, waits until the consumer has written and closed {@code downstream}, and throws the
 * consumer's failure if no write has thrown it already (a failure is thrown once); a failure on
 * either side reaches the other at its next call. {@link #cancel()} stops the consumer without
 * finishing. The consumer thread ends on its own in every case, so it need not be a daemon.
 */
final class Handoff implements WritableByteChannel {

  private final WritableByteChannel downstream;
  // Heap buffers: the JDK's AES-GCM is fastest from heap arrays.
  private final BufferPipe pipe;
  private final Thread consumer;
  private volatile Throwable failure;
  private volatile boolean failedAfterEnd;
  private boolean closed;

  Handoff(WritableByteChannel downstream, int count, int size, String name) {
    this.downstream = downstream;
    this.pipe = new BufferPipe(name, count, size, false);
    this.consumer = new Thread(this::consume, name);
    consumer.start();
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    return pipe.sink().write(src);
  }

  private void consume() {
    boolean ended = false;
    try {
      ByteBuffer buffer;
      while ((buffer = pipe.receive()) != null) {
        ByteChannels.writeFully(downstream, buffer);
        pipe.recycle(buffer);
      }
      ended = true;
      downstream.close();
    } catch (Throwable e) {
      failure = e;
      failedAfterEnd = ended;
      // The producer's next write (or close) throws `e`, once.
      pipe.cancel(e);
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
    pipe.sink().close();
    try {
      consumer.join();
    } catch (InterruptedException e) {
      pipe.cancel(null);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("backup interrupted");
    }
    if (failedAfterEnd) {
      // Closing downstream failed after the stream had ended: no write or finish could report it.
      Failures.rethrowIfAny(failure, "the sealing thread");
    }
  }

  /**
   * Stops the consumer without finishing downstream; for when the backup has failed. Idempotent.
   */
  void cancel() {
    closed = true;
    pipe.cancel(null);
    consumer.interrupt();
    try {
      consumer.join(30_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
