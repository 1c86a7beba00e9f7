package io.biowerk.dr.mongo;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * CRC-64/XZ, the checksum of a namespace's documents in a mongodump archive (Go's {@code
 * crc64.ECMA} table: reflected polynomial {@code 0xC96C5795D7870F42}, initial value and final xor
 * all ones). Not Redis' CRC-64 (Jones): a different polynomial.
 *
 * <p>Mutable and not thread-safe: one instance sums one stream. Long runs are summed in four
 * interleaved lanes of {@link #LANE} bytes, each slicing-by-8 from one flat table, and the lanes'
 * sums joined with a shift table (a CRC is linear: the sum of {@code A || B} is the sum of {@code
 * A} shifted over {@code |B|} zero bytes, xor the sum of {@code B} from zero). The lanes do not
 * wait for each other's table loads, which roughly doubles the speed of one slicing-by-16 chain;
 * the checksum was most of the dump threads' own CPU time in profiles of the backup.
 */
final class Crc64 {

  private static final long POLY = 0xC96C5795D7870F42L;

  /** Bytes per lane; four lanes are summed at once. */
  static final int LANE = 256;

  /**
   * Slicing tables, flat: table {@code t} (the sum of a byte followed by {@code t} zero bytes) at
   * {@code t * 256}. Static final, so the JIT knows its length and drops the index checks.
   */
  private static final long[] TABLE = new long[8 * 256];

  /** Shifts a register over {@link #LANE} zero bytes: one table per byte of the register. */
  private static final long[] SHIFT = new long[8 * 256];

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  static {
    for (int n = 0; n < 256; n++) {
      long crc = n;
      for (int k = 0; k < 8; k++) {
        crc = (crc & 1) != 0 ? (crc >>> 1) ^ POLY : crc >>> 1;
      }
      TABLE[n] = crc;
    }
    for (int n = 0; n < 256; n++) {
      long crc = TABLE[n];
      for (int t = 1; t < 8; t++) {
        crc = TABLE[(int) (crc & 0xff)] ^ (crc >>> 8);
        TABLE[t * 256 + n] = crc;
      }
    }
    for (int b = 0; b < 8; b++) {
      for (int v = 0; v < 256; v++) {
        long reg = ((long) v) << (8 * b);
        for (int k = 0; k < LANE; k++) {
          reg = TABLE[(int) (reg & 0xff)] ^ (reg >>> 8);
        }
        SHIFT[b * 256 + v] = reg;
      }
    }
  }

  private long state = ~0L;

  /** Adds {@code length} bytes of {@code bytes} from {@code offset}. */
  void update(byte[] bytes, int offset, int length) {
    long crc = state;
    int i = offset;
    int end = offset + length;
    while (end - i >= 4 * LANE) {
      // Lane 0 continues the running sum; lanes 1-3 start from zero and are shifted in after.
      long c0 = crc;
      long c1 = 0;
      long c2 = 0;
      long c3 = 0;
      for (int j = i; j < i + LANE; j += 8) {
        c0 = step(c0, (long) LONGS.get(bytes, j));
        c1 = step(c1, (long) LONGS.get(bytes, j + LANE));
        c2 = step(c2, (long) LONGS.get(bytes, j + 2 * LANE));
        c3 = step(c3, (long) LONGS.get(bytes, j + 3 * LANE));
      }
      crc = shift(shift(shift(c0) ^ c1) ^ c2) ^ c3;
      i += 4 * LANE;
    }
    while (end - i >= 8) {
      crc = step(crc, (long) LONGS.get(bytes, i));
      i += 8;
    }
    while (i < end) {
      crc = TABLE[(int) ((crc ^ bytes[i]) & 0xff)] ^ (crc >>> 8);
      i++;
    }
    state = crc;
  }

  /** The register after eight more bytes, {@code word} little-endian (slicing-by-8). */
  private static long step(long crc, long word) {
    long a = crc ^ word;
    return TABLE[7 * 256 + (int) (a & 0xff)]
        ^ TABLE[6 * 256 + (int) ((a >>> 8) & 0xff)]
        ^ TABLE[5 * 256 + (int) ((a >>> 16) & 0xff)]
        ^ TABLE[4 * 256 + (int) ((a >>> 24) & 0xff)]
        ^ TABLE[3 * 256 + (int) ((a >>> 32) & 0xff)]
        ^ TABLE[2 * 256 + (int) ((a >>> 40) & 0xff)]
        ^ TABLE[256 + (int) ((a >>> 48) & 0xff)]
        ^ TABLE[(int) (a >>> 56)];
  }

  /** The register after {@link #LANE} zero bytes. */
  private static long shift(long reg) {
    return SHIFT[(int) (reg & 0xff)]
        ^ SHIFT[256 + (int) ((reg >>> 8) & 0xff)]
        ^ SHIFT[2 * 256 + (int) ((reg >>> 16) & 0xff)]
        ^ SHIFT[3 * 256 + (int) ((reg >>> 24) & 0xff)]
        ^ SHIFT[4 * 256 + (int) ((reg >>> 32) & 0xff)]
        ^ SHIFT[5 * 256 + (int) ((reg >>> 40) & 0xff)]
        ^ SHIFT[6 * 256 + (int) ((reg >>> 48) & 0xff)]
        ^ SHIFT[7 * 256 + (int) (reg >>> 56)];
  }

  /** The reference bit-at-a-time CRC of {@code bytes}, for tests of the table-driven one. */
  static long bitwise(byte[] bytes) {
    long crc = ~0L;
    for (byte b : bytes) {
      crc ^= b & 0xffL;
      for (int k = 0; k < 8; k++) {
        crc = (crc & 1) != 0 ? (crc >>> 1) ^ POLY : crc >>> 1;
      }
    }
    return ~crc;
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
