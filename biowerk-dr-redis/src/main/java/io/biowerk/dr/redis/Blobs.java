package io.biowerk.dr.redis;

import java.io.IOException;

/**
 * Walks the compact encodings Redis stores as one RDB string (listpack, ziplist, intset, zipmap)
 * entry by entry, and decompresses LZF, reporting damage through the parser so the message names
 * the key and offset.
 */
final class Blobs {

  private Blobs() {}

  /**
   * Checks a listpack and returns its entry count; {@code pairs} requires an even count (hash,
   * zset).
   */
  static int listpack(byte[] b, RdbParser parser, boolean pairs) throws IOException {
    if (b.length < 7) {
      throw parser.corrupt("listpack of " + b.length + " bytes is too short");
    }
    long total = le(b, 0, 4);
    int declared = (int) le(b, 4, 2);
    if (total != b.length) {
      throw parser.corrupt("listpack header says " + total + " bytes but holds " + b.length);
    }
    int p = 6;
    int count = 0;
    while (true) {
      if (p >= b.length) {
        throw parser.corrupt("listpack runs past its end");
      }
      int c = b[p] & 0xff;
      if (c == 0xff) {
        break;
      }
      long entry;
      if ((c & 0x80) == 0) {
        entry = 1;
      } else if ((c & 0xc0) == 0x80) {
        entry = 1L + (c & 0x3f);
      } else if ((c & 0xe0) == 0xc0) {
        entry = 2;
      } else if ((c & 0xf0) == 0xe0) {
        need(b, p, 2, parser);
        entry = 2L + (((c & 0x0f) << 8) | (b[p + 1] & 0xff));
      } else if (c == 0xf0) {
        need(b, p, 5, parser);
        entry = 5 + le(b, p + 1, 4);
      } else if (c == 0xf1) {
        entry = 3;
      } else if (c == 0xf2) {
        entry = 4;
      } else if (c == 0xf3) {
        entry = 5;
      } else if (c == 0xf4) {
        entry = 9;
      } else {
        throw parser.corrupt(
            "listpack entry at offset "
                + p
                + " has an unknown encoding 0x"
                + Integer.toHexString(c));
      }
      int backlen =
          entry <= 127 ? 1 : entry < 16383 ? 2 : entry < 2097151 ? 3 : entry < 268435455 ? 4 : 5;
      long next = p + entry + backlen;
      if (next >= b.length) {
        throw parser.corrupt("listpack entry at offset " + p + " runs past the end");
      }
      p = (int) next;
      count++;
    }
    if (p != b.length - 1) {
      throw parser.corrupt("listpack terminator at offset " + p + " is not its last byte");
    }
    if (declared != 0xffff && declared != count) {
      throw parser.corrupt("listpack header says " + declared + " entries but holds " + count);
    }
    if (pairs && count % 2 != 0) {
      throw parser.corrupt(
          "listpack of field/value pairs holds an odd number of entries (" + count + ")");
    }
    return count;
  }

  /** Checks a ziplist and returns its entry count. */
  static int ziplist(byte[] b, RdbParser parser, boolean pairs) throws IOException {
    if (b.length < 11) {
      throw parser.corrupt("ziplist of " + b.length + " bytes is too short");
    }
    long total = le(b, 0, 4);
    int declared = (int) le(b, 8, 2);
    if (total != b.length) {
      throw parser.corrupt("ziplist header says " + total + " bytes but holds " + b.length);
    }
    int p = 10;
    int count = 0;
    while (true) {
      if (p >= b.length) {
        throw parser.corrupt("ziplist runs past its end");
      }
      if ((b[p] & 0xff) == 0xff) {
        break;
      }
      p += (b[p] & 0xff) < 254 ? 1 : 5;
      need(b, p, 1, parser);
      int c = b[p] & 0xff;
      long entry;
      switch (c >>> 6) {
        case 0 -> entry = 1L + (c & 0x3f);
        case 1 -> {
          need(b, p, 2, parser);
          entry = 2L + (((c & 0x3f) << 8) | (b[p + 1] & 0xff));
        }
        case 2 -> {
          need(b, p, 5, parser);
          entry = 5 + be(b, p + 1, 4);
        }
        default -> {
          if (c == 0xc0) {
            entry = 3;
          } else if (c == 0xd0) {
            entry = 5;
          } else if (c == 0xe0) {
            entry = 9;
          } else if (c == 0xf0) {
            entry = 4;
          } else if (c == 0xfe) {
            entry = 2;
          } else if (c >= 0xf1 && c <= 0xfd) {
            entry = 1;
          } else {
            throw parser.corrupt(
                "ziplist entry at offset "
                    + p
                    + " has an unknown encoding 0x"
                    + Integer.toHexString(c));
          }
        }
      }
      if (p + entry >= b.length) {
        throw parser.corrupt("ziplist entry at offset " + p + " runs past the end");
      }
      p += (int) entry;
      count++;
    }
    if (p != b.length - 1) {
      throw parser.corrupt("ziplist terminator at offset " + p + " is not its last byte");
    }
    if (declared != 0xffff && declared != count) {
      throw parser.corrupt("ziplist header says " + declared + " entries but holds " + count);
    }
    if (pairs && count % 2 != 0) {
      throw parser.corrupt(
          "ziplist of field/value pairs holds an odd number of entries (" + count + ")");
    }
    return count;
  }

  /** Checks an intset. */
  static void intset(byte[] b, RdbParser parser) throws IOException {
    if (b.length < 8) {
      throw parser.corrupt("intset of " + b.length + " bytes is too short");
    }
    long encoding = le(b, 0, 4);
    long count = le(b, 4, 4);
    if (encoding != 2 && encoding != 4 && encoding != 8) {
      throw parser.corrupt("intset has an unknown element size " + encoding);
    }
    if (8 + encoding * count != b.length) {
      throw parser.corrupt(
          "intset of "
              + count
              + " elements of "
              + encoding
              + " bytes cannot be "
              + b.length
              + " bytes long");
    }
  }

  /** Checks a zipmap (hashes written by Redis before 2.6). */
  static void zipmap(byte[] b, RdbParser parser) throws IOException {
    int p = 1;
    while (true) {
      need(b, p, 1, parser);
      if ((b[p] & 0xff) == 0xff) {
        break;
      }
      for (int part = 0; part < 2; part++) {
        need(b, p, 1, parser);
        long len = b[p] & 0xff;
        if (len < 254) {
          p += 1;
        } else if (len == 254) {
          need(b, p, 5, parser);
          len = le(b, p + 1, 4);
          p += 5;
        } else {
          throw parser.corrupt("zipmap ends inside an entry");
        }
        if (part == 1) {
          need(b, p, 1, parser);
          len += (b[p] & 0xff) + 1; // free bytes after the value, and their count byte
        }
        if (p + len >= b.length) {
          throw parser.corrupt("zipmap entry runs past the end");
        }
        p += (int) len;
      }
    }
    if (p != b.length - 1) {
      throw parser.corrupt("zipmap terminator is not its last byte");
    }
  }

  /** Decompresses LZF ({@code lzf_d.c}), checking that it yields exactly {@code length} bytes. */
  static byte[] lzf(byte[] in, int length, RdbParser parser) throws IOException {
    byte[] out = new byte[length];
    int ip = 0;
    int op = 0;
    while (ip < in.length) {
      int ctrl = in[ip++] & 0xff;
      if (ctrl < 32) {
        int run = ctrl + 1;
        if (op + run > length || ip + run > in.length) {
          throw parser.corrupt("LZF data overruns its declared length");
        }
        System.arraycopy(in, ip, out, op, run);
        ip += run;
        op += run;
      } else {
        int len = ctrl >>> 5;
        int ref = op - ((ctrl & 0x1f) << 8) - 1;
        if (ip >= in.length) {
          throw parser.corrupt("LZF data ends inside a back reference");
        }
        if (len == 7) {
          len += in[ip++] & 0xff;
          if (ip >= in.length) {
            throw parser.corrupt("LZF data ends inside a back reference");
          }
        }
        ref -= in[ip++] & 0xff;
        len += 2;
        if (op + len > length || ref < 0) {
          throw parser.corrupt("LZF back reference points outside the data");
        }
        for (int i = 0; i < len; i++) {
          out[op++] = out[ref++];
        }
      }
    }
    if (op != length) {
      throw parser.corrupt("LZF data yields " + op + " bytes, not the declared " + length);
    }
    return out;
  }

  private static void need(byte[] b, int p, int n, RdbParser parser) throws IOException {
    if (p + n > b.length) {
      throw parser.corrupt("entry at offset " + p + " runs past the end of its blob");
    }
  }

  private static long le(byte[] b, int off, int n) {
    long v = 0;
    for (int i = 0; i < n; i++) {
      v |= (long) (b[off + i] & 0xff) << (8 * i);
    }
    return v;
  }

  private static long be(byte[] b, int off, int n) {
    long v = 0;
    for (int i = 0; i < n; i++) {
      v = (v << 8) | (b[off + i] & 0xff);
    }
    return v;
  }
}
