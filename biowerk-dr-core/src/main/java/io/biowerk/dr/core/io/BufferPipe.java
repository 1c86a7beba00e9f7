package io.biowerk.dr.core.io;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Flushable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded byte pipe between one producer thread and one consumer thread, built on a fixed pool of
 * buffers: memory is {@code count * size} bytes whatever flows through, and the producer blocks
 * while the consumer is behind. Modelled on Okio's {@code Pipe}; every hand-over between two
 * threads in BIOwerk DR goes through one.
 *
 * <p>Two ways to use it, which may not be mixed on one side:
 *
 * <ul>
 *   <li>whole buffers, without copying: the producer {@link #borrow()}s an empty buffer, fills it
 *       and {@link #send}s it; the consumer {@link #receive()}s it, drains it and {@link #recycle}s
 *       it;
 *   <li>copying views: the producer writes into {@link #sink()} (or {@link #outputStream()}), the
 *       consumer reads from {@link #source()} (or {@link #inputStream()}).
 * </ul>
 *
 * <p>The producer ends the stream with {@link #finish()} (or by closing its view) or with {@link
 * #fail(Throwable)}; the consumer sees the buffers sent before the end, then end of stream or the
 * failure. The consumer may {@link #cancel(Throwable)} at any time: the pooled buffers are dropped,
 * a producer blocked in the pipe wakes up, and its next call throws. A thread blocked in the pipe
 * also wakes when interrupted ({@link InterruptedIOException}). Neither side needs a daemon thread:
 * whichever side stops, the other is told at its next call.
 *
 * <p>Thread-safe between exactly one producer and one consumer; each side's methods are called from
 * one thread at a time.
 */
public final class BufferPipe {

  private final String name;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<ByteBuffer> free;
  private final ArrayDeque<ByteBuffer> full;
  private boolean finished;
  private Throwable failure;
  private boolean cancelled;
  private Throwable cancelCause;
  private boolean causeDelivered;
  private Sink sink;
  private Source source;

  /**
   * A pipe of {@code count} buffers of {@code size} bytes each.
   *
   * @param name what flows through, for messages ({@code "backup 20261207T1500Z reader"})
   * @param direct whether the buffers are direct (for channel I/O) rather than heap arrays (for the
   *     JDK's ciphers and for streams)
   */
  public BufferPipe(String name, int count, int size, boolean direct) {
    this.name = checkNotNull(name, "name");
    checkArgument(count > 0, "count (%s) must be positive", count);
    checkArgument(size > 0, "size (%s) must be positive", size);
    this.free = new ArrayDeque<>(count);
    this.full = new ArrayDeque<>(count);
    for (int i = 0; i < count; i++) {
      free.add(direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size));
    }
  }

  // ---- producer side ----

  /**
   * An empty (cleared) buffer from the pool, which the producer owns until it {@link #send}s or
   * {@link #recycle}s it; blocks while every buffer is in use.
   *
   * @throws IOException the consumer's cancel cause (once; later calls throw {@link
   *     InterruptedIOException}) if the consumer has cancelled, or {@link InterruptedIOException}
   *     if interrupted
   * @throws IllegalStateException if the producer has already finished or failed
   */
  public ByteBuffer borrow() throws IOException {
    lock.lock();
    try {
      while (true) {
        checkProducer();
        ByteBuffer buffer = free.poll();
        if (buffer != null) {
          return buffer.clear();
        }
        await("waiting for the consumer");
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Hands {@code filled} (flipped, ready to read) over to the consumer, who owns it from here.
   *
   * @throws IOException as {@link #borrow()}; the buffer then goes back to the pool
   */
  public void send(ByteBuffer filled) throws IOException {
    checkNotNull(filled, "filled");
    lock.lock();
    try {
      if (cancelled) {
        free.add(filled.clear());
      }
      checkProducer();
      full.add(filled);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Ends the stream: the consumer reads what was sent, then end of stream.
   *
   * @throws IOException as {@link #borrow()}: the consumer cancelled, so nobody reads the end
   */
  public void finish() throws IOException {
    lock.lock();
    try {
      checkProducer();
      finished = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Ends the stream with {@code error}, which the consumer's next {@link #receive()} throws once
   * the buffers sent before it are read. Never blocks; does nothing if the stream has already
   * ended.
   */
  public void fail(Throwable error) {
    checkNotNull(error, "error");
    lock.lock();
    try {
      if (!finished && failure == null) {
        failure = error;
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  private void checkProducer() throws IOException {
    if (cancelled) {
      if (cancelCause != null && !causeDelivered) {
        // Delivered once: a second throw of the same instance would end in "Self-suppression not
        // permitted" where a caller adds it to itself.
        causeDelivered = true;
        throw toIoException(cancelCause);
      }
      throw new InterruptedIOException(
          name + ": the reading side stopped; the transfer is cancelled");
    }
    if (finished || failure != null) {
      throw new IllegalStateException(name + ": the stream has already ended");
    }
  }

  // ---- consumer side ----

  /**
   * The next buffer the producer sent, which the consumer owns until it {@link #recycle}s it, or
   * {@code null} at the end of a finished stream; blocks until one is there.
   *
   * @throws IOException the producer's failure (as it gave it, or wrapped if it is a checked
   *     exception of another kind), {@link InterruptedIOException} if interrupted or after {@link
   *     #cancel}
   */
  public ByteBuffer receive() throws IOException {
    lock.lock();
    try {
      while (true) {
        ByteBuffer buffer = poll();
        if (buffer != null || finished) {
          return buffer;
        }
        await("waiting for the producer");
      }
    } finally {
      lock.unlock();
    }
  }

  /** As {@link #receive()}, but returns {@code null} at once when no buffer is waiting. */
  private ByteBuffer poll() throws IOException {
    if (cancelled) {
      throw new InterruptedIOException(name + ": the transfer was cancelled");
    }
    ByteBuffer buffer = full.poll();
    if (buffer == null && failure != null) {
      throw toIoException(failure);
    }
    return buffer;
  }

  /** Whether the consumer has been told the stream is finished: nothing waits and it has ended. */
  public boolean ended() {
    lock.lock();
    try {
      return finished && full.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  /** Puts {@code buffer}, taken from this pipe's pool, back for the producer to refill. */
  public void recycle(ByteBuffer buffer) {
    checkNotNull(buffer, "buffer");
    lock.lock();
    try {
      free.add(buffer.clear());
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops the transfer: buffers in flight are dropped, both sides wake up, and the producer's next
   * call throws {@code cause} (or an {@link InterruptedIOException} when {@code cause} is null).
   * Idempotent; the first cause wins.
   */
  public void cancel(Throwable cause) {
    lock.lock();
    try {
      if (!cancelled) {
        cancelled = true;
        cancelCause = cause;
        while (!full.isEmpty()) {
          free.add(full.poll().clear());
        }
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  // Every caller awaits in a loop that checks its condition again (borrow, poll): the warning
  // cannot see past this helper.
  @SuppressWarnings("WaitNotInLoop")
  private void await(String doing) throws InterruptedIOException {
    try {
      changed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(name + ": interrupted while " + doing);
    }
  }

  private IOException toIoException(Throwable error) {
    if (error instanceof IOException e) {
      return e;
    }
    if (error instanceof RuntimeException e) {
      throw e;
    }
    if (error instanceof Error e) {
      throw e;
    }
    return new IOException(name + " failed: " + error, error);
  }

  // ---- copying views ----

  /**
   * The producer's side as a channel that copies into pooled buffers; the same instance on every
   * call. Closing it finishes the stream.
   */
  public synchronized Sink sink() {
    if (sink == null) {
      sink = new Sink();
    }
    return sink;
  }

  /**
   * The consumer's side as a channel that copies out of pooled buffers; the same instance on every
   * call. Closing it before the end cancels the transfer.
   */
  public synchronized Source source() {
    if (source == null) {
      source = new Source();
    }
    return source;
  }

  /** {@link #sink()} as an {@link OutputStream}; {@code flush()} hands over a partial buffer. */
  public OutputStream outputStream() {
    Sink channel = sink();
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        channel.write(ByteBuffer.wrap(new byte[] {(byte) b}));
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        channel.write(ByteBuffer.wrap(b, off, len));
      }

      @Override
      public void flush() throws IOException {
        channel.flush();
      }

      @Override
      public void close() throws IOException {
        channel.close();
      }
    };
  }

  /** {@link #source()} as an {@link InputStream}. */
  public InputStream inputStream() {
    Source channel = source();
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n;
        do {
          n = read(one, 0, 1);
        } while (n == 0);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        return channel.read(ByteBuffer.wrap(b, off, len));
      }

      @Override
      public void close() throws IOException {
        channel.close();
      }
    };
  }

  /** The producer's copying view; see {@link #sink()}. */
  public final class Sink implements WritableByteChannel, Flushable {
    private ByteBuffer current;
    private boolean closed;

    private Sink() {}

    /** Copies all of {@code src} into pooled buffers, blocking while the consumer is behind. */
    @Override
    public int write(ByteBuffer src) throws IOException {
      if (closed) {
        throw new ClosedChannelException();
      }
      int n = src.remaining();
      while (src.hasRemaining()) {
        if (current == null) {
          current = borrow();
        }
        int chunk = Math.min(current.remaining(), src.remaining());
        ByteBuffer part = src.slice();
        part.limit(chunk);
        current.put(part);
        src.position(src.position() + chunk);
        if (!current.hasRemaining()) {
          hand();
        }
      }
      return n;
    }

    /** Hands over what was written so far without waiting for a buffer to fill. */
    @Override
    public void flush() throws IOException {
      if (current != null && current.position() > 0) {
        hand();
      }
    }

    private void hand() throws IOException {
      ByteBuffer filled = current.flip();
      current = null;
      // Handed over: the consumer owns the buffer until it recycles it.
      send(filled);
    }

    @Override
    public boolean isOpen() {
      return !closed;
    }

    /** Hands over what is left and finishes the stream. Idempotent. */
    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      flush();
      finish();
    }
  }

  /** The consumer's copying view; see {@link #source()}. */
  public final class Source implements ReadableByteChannel {
    private ByteBuffer current;
    private boolean closed;
    private boolean eof;

    private Source() {}

    /**
     * Copies into {@code dst}: blocks until some bytes are there, then takes whatever else is
     * waiting; -1 at the end of a finished stream.
     *
     * @throws IOException the producer's failure, as {@link #receive()}
     */
    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (closed) {
        throw new ClosedChannelException();
      }
      if (eof) {
        return -1;
      }
      int total = 0;
      while (dst.hasRemaining()) {
        if (current == null) {
          if (total == 0) {
            current = receive();
          } else {
            lock.lock();
            try {
              current = poll();
            } catch (IOException | RuntimeException e) {
              // Reported at the next read, after the bytes already copied.
              break;
            } finally {
              lock.unlock();
            }
          }
          if (current == null) {
            eof = ended();
            break;
          }
        }
        int n = Math.min(dst.remaining(), current.remaining());
        ByteBuffer part = current.slice();
        part.limit(n);
        dst.put(part);
        current.position(current.position() + n);
        total += n;
        if (!current.hasRemaining()) {
          recycle(current);
          current = null;
        }
      }
      return total == 0 && eof ? -1 : total;
    }

    /** Whether this view has read the end of a finished stream. */
    public boolean atEnd() {
      return eof;
    }

    @Override
    public boolean isOpen() {
      return !closed;
    }

    /** Closes this view; before the end of the stream this cancels the transfer. Idempotent. */
    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (!eof) {
        cancel(null);
      }
    }
  }

  @Override
  public String toString() {
    return "BufferPipe(" + name + ")";
  }
}
