package io.biowerk.dr.core.internal;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Small channel helpers. None of them closes a channel it is handed: whoever opened a channel
 * closes it.
 */
public final class ByteChannels {

  /** The buffer size helpers use when they must have one of their own. */
  public static final int BUFFER_SIZE = 256 * 1024;

  private ByteChannels() {}

  /**
   * Writes every remaining byte of {@code src}, looping over short writes.
   *
   * @throws IOException if the channel fails
   */
  public static void writeFully(WritableByteChannel out, ByteBuffer src) throws IOException {
    while (src.hasRemaining()) {
      out.write(src);
    }
  }

  /**
   * Reads until {@code dst} is full or the channel ends.
   *
   * @return the number of bytes read, or -1 if the channel had ended before any byte
   * @throws IOException if the channel fails
   */
  public static int readFully(ReadableByteChannel in, ByteBuffer dst) throws IOException {
    int total = 0;
    while (dst.hasRemaining()) {
      int n = in.read(dst);
      if (n < 0) {
        return total == 0 ? -1 : total;
      }
      total += n;
    }
    return total;
  }

  /**
   * Copies everything from {@code in} to {@code out} through one direct buffer.
   *
   * @return the number of bytes copied
   * @throws IOException if either channel fails
   */
  public static long transfer(ReadableByteChannel in, WritableByteChannel out) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
    long total = 0;
    while (in.read(buffer) >= 0 || buffer.position() > 0) {
      buffer.flip();
      total += buffer.remaining();
      writeFully(out, buffer);
      buffer.clear();
    }
    return total;
  }

  /**
   * Reads a whole small object into memory.
   *
   * @param limit the most bytes accepted
   * @param what what is being read, for the error message
   * @throws IOException if the channel fails or holds more than {@code limit} bytes
   */
  public static byte[] readAll(ReadableByteChannel in, long limit, String what) throws IOException {
    checkArgument(limit > 0, "limit (%s) must be positive", limit);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(8192);
    while (in.read(buffer) >= 0) {
      buffer.flip();
      bytes.write(buffer.array(), 0, buffer.limit());
      buffer.clear();
      if (bytes.size() > limit) {
        throw new IOException(
            what + " is larger than " + limit + " bytes; it is not a small metadata object");
      }
    }
    return bytes.toByteArray();
  }

  /** A channel that counts and discards what is written to it. */
  public static WritableByteChannel discard() {
    return new WritableByteChannel() {
      private boolean open = true;

      @Override
      public int write(ByteBuffer src) throws IOException {
        if (!open) {
          throw new ClosedChannelException();
        }
        int n = src.remaining();
        src.position(src.limit());
        return n;
      }

      @Override
      public boolean isOpen() {
        return open;
      }

      @Override
      public void close() {
        open = false;
      }
    };
  }

  /**
   * Closes {@code closeable} and adds any failure to {@code primary} as suppressed; used on failure
   * paths, where the first exception wins.
   */
  public static void closeQuietly(AutoCloseable closeable, Throwable primary) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      if (primary != null && primary != e) {
        primary.addSuppressed(e);
      }
    }
  }
}
