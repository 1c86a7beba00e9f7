package io.biowerk.dr.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Random;

/**
 * Ways of handing bytes to, and taking them from, channel code, from the friendly to the hostile:
 * heap buffers, direct buffers, one byte at a time ("because it is likely to trigger bugs"), and
 * random short reads and writes. Each factory drives the code under test as a caller would ({@link
 * #writeAll}, {@link #readAll}) and wraps the channels beneath it ({@link #readable}, {@link
 * #writable}) so that they deliver or accept bytes in the same style.
 *
 * <p>The random factory uses a fixed seed, so a failure repeats. No factory returns 0 from a read
 * or write: the channels under test are blocking channels.
 */
public enum HostileChannels {

  /** Heap buffers of 64 KiB; channels beneath deliver as much as asked. */
  HEAP("heap buffers"),
  /** Direct buffers of 64 KiB; channels beneath deliver as much as asked. */
  DIRECT("direct buffers"),
  /** One-byte buffers; channels beneath accept or deliver one byte per call. */
  ONE_BYTE("one byte at a time"),
  /**
   * Buffers of random size, heap and direct mixed; channels beneath accept or deliver a random
   * short count.
   */
  RANDOM_SHORT("random short reads and writes");

  private static final int CHUNK = 64 * 1024;
  private static final int SHORT_MAX = 3000;
  private static final long SEED = 20261130L;

  private final String description;

  HostileChannels(String description) {
    this.description = description;
  }

  @Override
  public String toString() {
    return description;
  }

  /** A buffer of {@code capacity} bytes, heap or direct as this factory hands them out. */
  public ByteBuffer allocate(int capacity) {
    return this == DIRECT ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
  }

  /**
   * Writes all of {@code data} to {@code out} in this factory's style, looping over short writes.
   * Does not close {@code out}.
   *
   * @throws IOException if {@code out} fails
   */
  public void writeAll(WritableByteChannel out, byte[] data) throws IOException {
    Random random = new Random(SEED);
    ByteBuffer direct =
        this == DIRECT || this == RANDOM_SHORT ? ByteBuffer.allocateDirect(CHUNK) : null;
    int at = 0;
    while (at < data.length) {
      int n =
          switch (this) {
            case HEAP, DIRECT -> Math.min(CHUNK, data.length - at);
            case ONE_BYTE -> 1;
            case RANDOM_SHORT ->
                Math.min(
                    1 + random.nextInt(random.nextBoolean() ? SHORT_MAX : CHUNK), data.length - at);
          };
      ByteBuffer src;
      if (this == DIRECT || (this == RANDOM_SHORT && random.nextBoolean())) {
        direct.clear();
        direct.put(data, at, n).flip();
        src = direct;
      } else {
        // A view into the middle of the caller's array: array offsets must be honoured.
        src = ByteBuffer.wrap(data, at, n);
      }
      while (src.hasRemaining()) {
        out.write(src);
      }
      at += n;
    }
  }

  /**
   * Reads {@code in} to its end in this factory's style and returns what it delivered. Does not
   * close {@code in}.
   *
   * @throws IOException if {@code in} fails
   */
  public byte[] readAll(ReadableByteChannel in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    readAll(in, out);
    return out.toByteArray();
  }

  /**
   * Reads {@code in} to its end in this factory's style into {@code out}; what was delivered before
   * a failure stays in {@code out}, so a test can check that only a correct prefix was delivered.
   *
   * @throws IOException if {@code in} fails
   */
  public void readAll(ReadableByteChannel in, ByteArrayOutputStream out) throws IOException {
    Random random = new Random(SEED + 1);
    ByteBuffer heap = ByteBuffer.allocate(CHUNK);
    ByteBuffer direct = ByteBuffer.allocateDirect(CHUNK);
    byte[] copy = new byte[CHUNK];
    while (true) {
      ByteBuffer dst =
          switch (this) {
            case HEAP -> heap.clear();
            case DIRECT -> direct.clear();
            case ONE_BYTE -> heap.clear().limit(1);
            case RANDOM_SHORT ->
                (random.nextBoolean() ? heap : direct)
                    .clear()
                    .limit(1 + random.nextInt(random.nextBoolean() ? SHORT_MAX : CHUNK));
          };
      int n = in.read(dst);
      if (n < 0) {
        return;
      }
      dst.flip();
      int got = dst.remaining();
      if (got != n) {
        throw new AssertionError(
            "read returned " + n + " but put " + got + " bytes into the buffer");
      }
      dst.get(copy, 0, got);
      out.write(copy, 0, got);
    }
  }

  /**
   * Wraps {@code in} so that each read delivers bytes in this factory's style: all that fit ({@code
   * HEAP}, {@code DIRECT}), one ({@code ONE_BYTE}) or a random short count ({@code RANDOM_SHORT}).
   * Closing the wrapper closes {@code in}.
   */
  public ReadableByteChannel readable(ReadableByteChannel in) {
    Random random = new Random(SEED + 2);
    return new ReadableByteChannel() {
      @Override
      public int read(ByteBuffer dst) throws IOException {
        int limit = limit(random, dst.remaining());
        if (limit >= dst.remaining()) {
          return in.read(dst);
        }
        ByteBuffer part = dst.slice();
        part.limit(limit);
        int n = in.read(part);
        if (n > 0) {
          dst.position(dst.position() + n);
        }
        return n;
      }

      @Override
      public boolean isOpen() {
        return in.isOpen();
      }

      @Override
      public void close() throws IOException {
        in.close();
      }
    };
  }

  /**
   * Wraps {@code out} so that each write accepts bytes in this factory's style: all ({@code HEAP},
   * {@code DIRECT}), one ({@code ONE_BYTE}) or a random short count ({@code RANDOM_SHORT}), leaving
   * the rest in the caller's buffer as a short write does. Closing the wrapper closes {@code out}.
   */
  public WritableByteChannel writable(WritableByteChannel out) {
    Random random = new Random(SEED + 3);
    return new WritableByteChannel() {
      @Override
      public int write(ByteBuffer src) throws IOException {
        int limit = limit(random, src.remaining());
        if (limit >= src.remaining()) {
          return out.write(src);
        }
        ByteBuffer part = src.slice();
        part.limit(limit);
        int n = out.write(part);
        src.position(src.position() + n);
        return n;
      }

      @Override
      public boolean isOpen() {
        return out.isOpen();
      }

      @Override
      public void close() throws IOException {
        out.close();
      }
    };
  }

  private int limit(Random random, int remaining) {
    return switch (this) {
      case HEAP, DIRECT -> remaining;
      case ONE_BYTE -> Math.min(1, remaining);
      case RANDOM_SHORT -> Math.min(1 + random.nextInt(SHORT_MAX), remaining);
    };
  }
}
