package io.biowerk.dr.mongo;

import java.nio.ByteBuffer;

/**
 * CRC-64/XZ, the checksum of a namespace's documents in a mongodump archive (Go's {@code
 * crc64.ECMA} table: reflected polynomial {@code 0xC96C5795D7870F42}, initial value and final xor
 * all ones). Not Redis' CRC-64 (Jones): a different polynomial.
 *
 * <p>Mutable and not thread-safe: one instance sums one stream. Slicing-by-8 tables, so that a
 * namespace's checksum costs little against reading its documents.
 */
final class Crc64 {

  private static final long POLY = 0xC96C5795D7870F42L;
  private static final long[][] TABLES = new long[8][256];

  static {
    for (int n = 0; n < 256; n++) {
      long crc = n;
      for (int k = 0; k < 8; k++) {
        crc = (crc & 1) != 0 ? (crc >>> 1) ^ POLY : crc >>> 1;
      }
      TABLES[0][n] = crc;
    }
    for (int n = 0; n < 256; n++) {
      long crc = TABLES[0][n];
      for (int t = 1; t < 8; t++) {
        crc = TABLES[0][(int) (crc & 0xff)] ^ (crc >>> 8);
        TABLES[t][n] = crc;
      }
    }
  }

  private long state = ~0L;

  /** Adds {@code length} bytes of {@code bytes} from {@code offset}. */
  void update(byte[] bytes, int offset, int length) {
    long crc = state;
    int i = offset;
    int end = offset + length;
    long[][] t = TABLES;
    while (end - i >= 8) {
      crc ^=
          (bytes[i] & 0xffL)
              | (bytes[i + 1] & 0xffL) << 8
              | (bytes[i + 2] & 0xffL) << 16
              | (bytes[i + 3] & 0xffL) << 24
              | (bytes[i + 4] & 0xffL) << 32
              | (bytes[i + 5] & 0xffL) << 40
              | (bytes[i + 6] & 0xffL) << 48
              | (bytes[i + 7] & 0xffL) << 56;
      crc =
          t[7][(int) (crc & 0xff)]
              ^ t[6][(int) ((crc >>> 8) & 0xff)]
              ^ t[5][(int) ((crc >>> 16) & 0xff)]
              ^ t[4][(int) ((crc >>> 24) & 0xff)]
              ^ t[3][(int) ((crc >>> 32) & 0xff)]
              ^ t[2][(int) ((crc >>> 40) & 0xff)]
              ^ t[1][(int) ((crc >>> 48) & 0xff)]
              ^ t[0][(int) (crc >>> 56)];
      i += 8;
    }
    while (i < end) {
      crc = t[0][(int) ((crc ^ bytes[i]) & 0xff)] ^ (crc >>> 8);
      i++;
    }
    state = crc;
  }

  /** Adds the remaining bytes of {@code buffer}, leaving its position unchanged. */
  void update(ByteBuffer buffer) {
    if (buffer.hasArray()) {
      update(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
    } else {
      byte[] copy = new byte[buffer.remaining()];
      buffer.duplicate().get(copy);
      update(copy, 0, copy.length);
    }
  }

  /** The checksum of everything added so far. */
  long value() {
    return ~state;
  }

  /** The checksum of {@code bytes}. */
  static long of(byte[] bytes) {
    Crc64 crc = new Crc64();
    crc.update(bytes, 0, bytes.length);
    return crc.value();
  }
}
