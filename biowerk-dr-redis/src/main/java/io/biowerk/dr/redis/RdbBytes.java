package io.biowerk.dr.redis;

import java.io.ByteArrayOutputStream;

/**
 * A small in-memory RDB record builder (opcode bytes, lengths, strings), for payloads built in
 * memory.
 */
final class RdbBytes extends ByteArrayOutputStream {

  void u8(int b) {
    write(b);
  }

  void length(long n) {
    if (Long.compareUnsigned(n, 64) < 0) { // unsigned: module ids use all 64 bits
      write((int) n);
    } else if (Long.compareUnsigned(n, 16384) < 0) {
      write(0x40 | (int) (n >>> 8));
      write((int) n);
    } else if (Long.compareUnsigned(n, 0xffffffffL) <= 0) {
      write(0x80);
      for (int i = 3; i >= 0; i--) {
        write((int) (n >>> (8 * i)));
      }
    } else {
      write(0x81);
      for (int i = 7; i >= 0; i--) {
        write((int) (n >>> (8 * i)));
      }
    }
  }

  void string(byte[] s) {
    length(s.length);
    write(s, 0, s.length);
  }
}
