package io.biowerk.dr.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Channels over memory: a readable channel over a byte array and a writable channel that collects
 * bytes.
 */
public final class MemoryChannels {

  private MemoryChannels() {}

  /** A channel that reads {@code bytes} (not copied; do not change them while reading). */
  public static ReadableBytes readable(byte[] bytes) {
    return new ReadableBytes(bytes);
  }

  /** A channel that collects what is written to it. */
  public static Collector collector() {
    return new Collector();
  }

  /** A readable channel over a byte array that remembers whether, and how often, it was closed. */
  public static final class ReadableBytes implements ReadableByteChannel {
    private final byte[] bytes;
    private int position;
    private int closes;

    private ReadableBytes(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (closes > 0) {
        throw new ClosedChannelException();
      }
      if (position == bytes.length) {
        return -1;
      }
      int n = Math.min(dst.remaining(), bytes.length - position);
      dst.put(bytes, position, n);
      position += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return closes == 0;
    }

    @Override
    public void close() {
      closes++;
    }

    /** How often {@link #close()} was called. */
    public int closes() {
      return closes;
    }
  }

  /**
   * A writable channel that keeps what is written in 1 MiB chunks (so a large object is never
   * copied to grow), and remembers whether, and how often, it was closed. Writing after close
   * throws {@link ClosedChannelException}.
   */
  public static final class Collector implements WritableByteChannel {
    private static final int CHUNK = 1 << 20;
    private final List<byte[]> chunks = new ArrayList<>();
    private long size;
    private int closes;

    private Collector() {}

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (closes > 0) {
        throw new ClosedChannelException();
      }
      int n = src.remaining();
      while (src.hasRemaining()) {
        int inChunk = (int) (size % CHUNK);
        if (inChunk == 0) {
          chunks.add(new byte[CHUNK]);
        }
        int take = Math.min(CHUNK - inChunk, src.remaining());
        src.get(chunks.get(chunks.size() - 1), inChunk, take);
        size += take;
      }
      return n;
    }

    @Override
    public boolean isOpen() {
      return closes == 0;
    }

    @Override
    public void close() {
      closes++;
    }

    /** How often {@link #close()} was called. */
    public int closes() {
      return closes;
    }

    /** Bytes collected. */
    public long size() {
      return size;
    }

    /** A copy of what was collected. */
    public byte[] toByteArray() {
      if (size > Integer.MAX_VALUE - 16) {
        throw new IllegalStateException("collected " + size + " bytes, too many for one array");
      }
      byte[] bytes = new byte[(int) size];
      int at = 0;
      for (byte[] chunk : chunks) {
        int n = Math.min(chunk.length, bytes.length - at);
        System.arraycopy(chunk, 0, bytes, at, n);
        at += n;
      }
      return bytes;
    }
  }
}
