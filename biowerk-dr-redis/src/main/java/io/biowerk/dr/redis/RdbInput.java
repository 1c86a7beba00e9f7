package io.biowerk.dr.redis;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The buffered byte reader under {@link RdbParser}: reads from an {@link InputStream}, keeps the
 * running CRC-64 of every byte consumed, and can capture a range of consumed bytes (a key's value,
 * to rebuild its {@code DUMP} payload). Both are updated in bulk when the buffer is refilled, not
 * per byte. Not thread-safe.
 */
final class RdbInput {

  private final InputStream in;
  private final byte[] buf;
  private int pos;
  private int limit;
  private long base;
  private long crc;
  private int crcMark;
  private boolean eof;
  private byte[] capture;
  private int captureLen;
  private int captureMark = -1;

  RdbInput(InputStream in, int bufferSize) {
    this.in = in;
    this.buf = new byte[bufferSize];
  }

  /** Bytes consumed so far. */
  long position() {
    return base + pos;
  }

  /** The CRC-64 of every byte consumed so far. */
  long crc() {
    flushMarks();
    return crc;
  }

  int readUnsignedByte() throws IOException {
    if (pos == limit && !fill(1)) {
      throw new EOFException();
    }
    return buf[pos++] & 0xff;
  }

  /** Whether the underlying stream has no more bytes. */
  boolean atEnd() throws IOException {
    return pos == limit && !fill(1);
  }

  void readFully(byte[] dst, int off, int len) throws IOException {
    while (len > 0) {
      if (pos == limit && !fill(1)) {
        throw new EOFException();
      }
      int n = Math.min(len, limit - pos);
      System.arraycopy(buf, pos, dst, off, n);
      pos += n;
      off += n;
      len -= n;
    }
  }

  /**
   * Reads {@code len} bytes. A length read from the stream is not trusted with an allocation: above
   * {@value #TRUSTED_ALLOCATION} bytes the array grows as the bytes arrive, so a damaged length in
   * a short stream fails as truncated ({@link EOFException}) instead of allocating up to 2 GiB
   * first.
   */
  byte[] readBytes(int len) throws IOException {
    if (len <= TRUSTED_ALLOCATION) {
      byte[] b = new byte[len];
      readFully(b, 0, len);
      return b;
    }
    byte[] b = new byte[TRUSTED_ALLOCATION];
    int have = 0;
    while (have < len) {
      if (have == b.length) {
        b = java.util.Arrays.copyOf(b, (int) Math.min(len, 2L * b.length));
      }
      int n = b.length - have;
      readFully(b, have, n);
      have += n;
    }
    return b;
  }

  /** The largest array {@link #readBytes} allocates before the bytes to fill it have arrived. */
  static final int TRUSTED_ALLOCATION = 1 << 20;

  void skip(long len) throws IOException {
    while (len > 0) {
      if (pos == limit && !fill(1)) {
        throw new EOFException();
      }
      int n = (int) Math.min(len, limit - pos);
      pos += n;
      len -= n;
    }
  }

  /** Little-endian integer of {@code n} bytes (n <= 8). */
  long readLittleEndian(int n) throws IOException {
    long v = 0;
    for (int i = 0; i < n; i++) {
      v |= (long) readUnsignedByte() << (8 * i);
    }
    return v;
  }

  /** Big-endian integer of {@code n} bytes (n <= 8). */
  long readBigEndian(int n) throws IOException {
    long v = 0;
    for (int i = 0; i < n; i++) {
      v = (v << 8) | readUnsignedByte();
    }
    return v;
  }

  /** Starts copying consumed bytes into a capture buffer, whose first byte is {@code prefix}. */
  void startCapture(int prefix) {
    if (capture == null) {
      capture = new byte[64 * 1024];
    }
    capture[0] = (byte) prefix;
    captureLen = 1;
    captureMark = pos;
  }

  /**
   * Stops capturing; the captured bytes are {@code captured()[0, capturedLength())}, valid until
   * the next capture.
   */
  void endCapture() {
    flushMarks();
    captureMark = -1;
  }

  byte[] captured() {
    return capture;
  }

  int capturedLength() {
    return captureLen;
  }

  /** Makes room for {@code extra} more bytes in the capture buffer (for a payload footer). */
  void appendToCapture(byte[] b, int off, int len) {
    ensureCapture(len);
    System.arraycopy(b, off, capture, captureLen, len);
    captureLen += len;
  }

  private void ensureCapture(int extra) {
    long need = (long) captureLen + extra;
    if (need > capture.length) {
      if (need > Integer.MAX_VALUE - 16) {
        throw new IllegalStateException(
            "redis: a single value of more than 2 GiB cannot be sent to RESTORE");
      }
      capture =
          Arrays.copyOf(
              capture, (int) Math.max(need, Math.min(Integer.MAX_VALUE - 16, capture.length * 2L)));
    }
  }

  private void flushMarks() {
    if (pos > crcMark) {
      crc = Crc64.update(crc, buf, crcMark, pos - crcMark);
      crcMark = pos;
    }
    if (captureMark >= 0 && pos > captureMark) {
      appendToCapture(buf, captureMark, pos - captureMark);
      captureMark = pos;
    }
  }

  /**
   * Refills so that at least {@code need} bytes are buffered; false at end of stream with nothing
   * buffered.
   */
  private boolean fill(int need) throws IOException {
    if (eof) {
      return limit - pos >= need;
    }
    flushMarks();
    int keep = limit - pos;
    if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, keep);
      base += pos;
      pos = 0;
      limit = keep;
    }
    crcMark = 0;
    if (captureMark >= 0) {
      captureMark = 0;
    }
    while (limit - pos < need) {
      int n = in.read(buf, limit, buf.length - limit);
      if (n < 0) {
        eof = true;
        return limit - pos >= need;
      }
      limit += n;
    }
    return true;
  }
}
