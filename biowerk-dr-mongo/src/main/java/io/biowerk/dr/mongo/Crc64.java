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
 * <p>Mutable and not thread-safe: one instance sums one stream. Slicing-by-16 tables read two longs
 * at a time, so that a namespace's checksum costs little against reading its documents (profiling
 * the dump under load put half of its own CPU time in the slicing-by-8 version of this class, which
 * assembled each long byte by byte).
 */
final class Crc64 {

  private static final long POLY = 0xC96C5795D7870F42L;
  private static final long[][] TABLES = new long[16][256];
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

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
      for (int t = 1; t < 16; t++) {
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
    long[] t0 = TABLES[0];
    long[] t1 = TABLES[1];
    long[] t2 = TABLES[2];
    long[] t3 = TABLES[3];
    long[] t4 = TABLES[4];
    long[] t5 = TABLES[5];
    long[] t6 = TABLES[6];
    long[] t7 = TABLES[7];
    long[] t8 = TABLES[8];
    long[] t9 = TABLES[9];
    long[] t10 = TABLES[10];
    long[] t11 = TABLES[11];
    long[] t12 = TABLES[12];
    long[] t13 = TABLES[13];
    long[] t14 = TABLES[14];
    long[] t15 = TABLES[15];
    // Slicing-by-16: two little-endian longs per step, one table per byte position.
    while (end - i >= 16) {
      long a = crc ^ (long) LONGS.get(bytes, i);
      long b = (long) LONGS.get(bytes, i + 8);
      crc =
          t15[(int) (a & 0xff)]
              ^ t14[(int) ((a >>> 8) & 0xff)]
              ^ t13[(int) ((a >>> 16) & 0xff)]
              ^ t12[(int) ((a >>> 24) & 0xff)]
              ^ t11[(int) ((a >>> 32) & 0xff)]
              ^ t10[(int) ((a >>> 40) & 0xff)]
              ^ t9[(int) ((a >>> 48) & 0xff)]
              ^ t8[(int) (a >>> 56)]
              ^ t7[(int) (b & 0xff)]
              ^ t6[(int) ((b >>> 8) & 0xff)]
              ^ t5[(int) ((b >>> 16) & 0xff)]
              ^ t4[(int) ((b >>> 24) & 0xff)]
              ^ t3[(int) ((b >>> 32) & 0xff)]
              ^ t2[(int) ((b >>> 40) & 0xff)]
              ^ t1[(int) ((b >>> 48) & 0xff)]
              ^ t0[(int) (b >>> 56)];
      i += 16;
    }
    while (i < end) {
      crc = t0[(int) ((crc ^ bytes[i]) & 0xff)] ^ (crc >>> 8);
      i++;
    }
    state = crc;
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
