package io.biowerk.dr.redis;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * CRC-64/Jones as Redis computes it over RDB files and {@code DUMP} payloads: reflected polynomial
 * {@code 0x95AC9329AC4BC9B5}, initial value 0, no final xor (check value {@code e9c6d914c4b8d9ca}
 * for {@code "123456789"}).
 *
 * <p>Slicing-by-8: eight bytes per step through eight 256-entry tables, several times faster than
 * the byte-at-a-time loop, so the checksum costs little next to compression and encryption.
 * Stateless and thread-safe; callers carry the running value.
 */
public final class Crc64 {

  private static final long POLY = 0x95AC9329AC4BC9B5L;
  private static final long[][] T = new long[8][256];
  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  static {
    for (int i = 0; i < 256; i++) {
      long crc = i;
      for (int k = 0; k < 8; k++) {
        crc = (crc & 1) != 0 ? (crc >>> 1) ^ POLY : crc >>> 1;
      }
      T[0][i] = crc;
    }
    for (int i = 0; i < 256; i++) {
      for (int t = 1; t < 8; t++) {
        long prev = T[t - 1][i];
        T[t][i] = (prev >>> 8) ^ T[0][(int) (prev & 0xff)];
      }
    }
  }

  private Crc64() {}

  /** Continues {@code crc} over {@code len} bytes of {@code b} from {@code off}. Start with 0. */
  public static long update(long crc, byte[] b, int off, int len) {
    long[] t0 = T[0], t1 = T[1], t2 = T[2], t3 = T[3], t4 = T[4], t5 = T[5], t6 = T[6], t7 = T[7];
    int i = off;
    int end = off + len;
    while (end - i >= 8) {
      crc ^= (long) LONG_LE.get(b, i);
      crc =
          t7[(int) (crc & 0xff)]
              ^ t6[(int) ((crc >>> 8) & 0xff)]
              ^ t5[(int) ((crc >>> 16) & 0xff)]
              ^ t4[(int) ((crc >>> 24) & 0xff)]
              ^ t3[(int) ((crc >>> 32) & 0xff)]
              ^ t2[(int) ((crc >>> 40) & 0xff)]
              ^ t1[(int) ((crc >>> 48) & 0xff)]
              ^ t0[(int) (crc >>> 56)];
      i += 8;
    }
    while (i < end) {
      crc = t0[(int) ((crc ^ b[i++]) & 0xff)] ^ (crc >>> 8);
    }
    return crc;
  }

  /**
   * Continues {@code crc} over the remaining bytes of {@code buffer}, leaving its position
   * unchanged.
   */
  public static long update(long crc, ByteBuffer buffer) {
    if (buffer.hasArray()) {
      return update(
          crc, buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
    }
    ByteBuffer view = buffer.duplicate();
    byte[] chunk = new byte[Math.min(view.remaining(), 64 * 1024)];
    while (view.hasRemaining()) {
      int n = Math.min(chunk.length, view.remaining());
      view.get(chunk, 0, n);
      crc = update(crc, chunk, 0, n);
    }
    return crc;
  }

  /** The CRC of {@code b}. */
  public static long of(byte[] b) {
    return update(0, b, 0, b.length);
  }

  /** {@code crc} as 16 lower-case hex digits, as the manifest records it. */
  public static String hex(long crc) {
    return String.format("%016x", crc);
  }
}
