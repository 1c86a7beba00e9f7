package io.biowerk.dr.redis;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes an RDB stream record by record, keeping its CRC-64 for the trailer: the SCAN mode's way of
 * turning {@code DUMP} payloads into the same format a replication snapshot has. Buffers 64 KiB;
 * does not close its output. Not thread-safe.
 */
final class RdbWriter {

  private final OutputStream out;
  private final byte[] buf = new byte[64 * 1024];
  private int len;
  private long crc;
  private long written;

  RdbWriter(OutputStream out) {
    this.out = out;
  }

  void header(int version) throws IOException {
    raw(String.format("REDIS%04d", version).getBytes(StandardCharsets.US_ASCII));
  }

  void aux(String key, String value) throws IOException {
    u8(Rdb.OPCODE_AUX);
    string(key.getBytes(StandardCharsets.UTF_8));
    string(value.getBytes(StandardCharsets.UTF_8));
  }

  void selectDb(int db) throws IOException {
    u8(Rdb.OPCODE_SELECTDB);
    length(db);
  }

  void resizeDb(long keys, long expires) throws IOException {
    u8(Rdb.OPCODE_RESIZEDB);
    length(keys);
    length(expires);
  }

  void expireAt(long unixMillis) throws IOException {
    u8(Rdb.OPCODE_EXPIRETIME_MS);
    for (int i = 0; i < 8; i++) {
      u8((int) (unixMillis >>> (8 * i)));
    }
  }

  /**
   * A key: its type byte, its name, then {@code value} as the RDB value bytes (a DUMP payload's
   * body).
   */
  void key(byte[] key, byte[] payload, int bodyLength) throws IOException {
    u8(payload[0] & 0xff);
    string(key);
    raw(payload, 1, bodyLength - 1);
  }

  /** Bytes that are already RDB records (the body of a {@code FUNCTION DUMP} payload). */
  void records(byte[] b, int off, int n) throws IOException {
    raw(b, off, n);
  }

  /** The end: {@code EOF} opcode and CRC-64 trailer; flushes. */
  void end() throws IOException {
    u8(Rdb.OPCODE_EOF);
    flushBuffer();
    long sum = crc;
    byte[] trailer = new byte[8];
    for (int i = 0; i < 8; i++) {
      trailer[i] = (byte) (sum >>> (8 * i));
    }
    out.write(trailer);
    written += 8;
    out.flush();
  }

  /** The CRC-64 of everything written before the trailer; final after {@link #end()}. */
  long checksum() {
    return crc;
  }

  long written() {
    return written + len;
  }

  void string(byte[] s) throws IOException {
    length(s.length);
    raw(s, 0, s.length);
  }

  void length(long n) throws IOException {
    if (Long.compareUnsigned(n, 64) < 0) { // unsigned: module ids use all 64 bits
      u8((int) n);
    } else if (Long.compareUnsigned(n, 16384) < 0) {
      u8(0x40 | (int) (n >>> 8));
      u8((int) n);
    } else if (Long.compareUnsigned(n, 0xffffffffL) <= 0) {
      u8(0x80);
      for (int i = 3; i >= 0; i--) {
        u8((int) (n >>> (8 * i)));
      }
    } else {
      u8(0x81);
      for (int i = 7; i >= 0; i--) {
        u8((int) (n >>> (8 * i)));
      }
    }
  }

  private void u8(int b) throws IOException {
    if (len == buf.length) {
      flushBuffer();
    }
    buf[len++] = (byte) b;
  }

  private void raw(byte[] b) throws IOException {
    raw(b, 0, b.length);
  }

  private void raw(byte[] b, int off, int n) throws IOException {
    if (n > buf.length - len) {
      flushBuffer();
      if (n > buf.length) {
        crc = Crc64.update(crc, b, off, n);
        out.write(b, off, n);
        written += n;
        return;
      }
    }
    System.arraycopy(b, off, buf, len, n);
    len += n;
  }

  private void flushBuffer() throws IOException {
    if (len > 0) {
      crc = Crc64.update(crc, buf, 0, len);
      out.write(buf, 0, len);
      written += len;
      len = 0;
    }
  }
}
