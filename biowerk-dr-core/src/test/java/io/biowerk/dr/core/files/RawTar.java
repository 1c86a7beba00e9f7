package io.biowerk.dr.core.files;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Writes tar archives byte by byte, including what no well-behaved writer produces (names with
 * {@code ..}, invalid UTF-8, NUL, devices, links out), to feed hostile input to the restore.
 */
final class RawTar {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  RawTar file(String name, String content) {
    return entry(utf8(name), (byte) '0', new byte[0], utf8(content), 0644);
  }

  RawTar dir(String name) {
    return entry(utf8(name), (byte) '5', new byte[0], new byte[0], 0755);
  }

  RawTar symlink(String name, String target) {
    return entry(utf8(name), (byte) '2', utf8(target), new byte[0], 0777);
  }

  RawTar hardlink(String name, String target) {
    return entry(utf8(name), (byte) '1', utf8(target), new byte[0], 0644);
  }

  /** A PAX extended header applying to the next entry. */
  RawTar pax(Map<String, byte[]> records) {
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> record : records.entrySet()) {
      byte[] body = concat(utf8(" " + record.getKey() + "="), record.getValue(), new byte[] {'\n'});
      int length = body.length;
      int digits = Integer.toString(length).length();
      while (Integer.toString(length + digits).length() != digits) {
        digits++;
      }
      data.writeBytes(utf8(Integer.toString(length + digits)));
      data.writeBytes(body);
    }
    return entry(utf8("PaxHeaders/x"), (byte) 'x', new byte[0], data.toByteArray(), 0644);
  }

  RawTar entry(byte[] name, byte type, byte[] link, byte[] data, int mode) {
    byte[] header = new byte[512];
    put(header, 0, name, 100);
    put(header, 100, utf8(String.format("%07o", mode)), 8);
    put(header, 108, utf8("0000000"), 8);
    put(header, 116, utf8("0000000"), 8);
    put(header, 124, utf8(String.format("%011o", data.length)), 12);
    put(header, 136, utf8(String.format("%011o", 1_700_000_000L)), 12);
    header[156] = type;
    put(header, 157, link, 100);
    put(header, 257, new byte[] {'u', 's', 't', 'a', 'r', 0}, 6);
    put(header, 263, utf8("00"), 2);
    for (int i = 148; i < 156; i++) {
      header[i] = ' ';
    }
    long sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    put(header, 148, utf8(String.format("%06o", sum)), 7);
    header[154] = 0;
    header[155] = ' ';
    out.writeBytes(header);
    out.writeBytes(data);
    int pad = (512 - data.length % 512) % 512;
    out.writeBytes(new byte[pad]);
    return this;
  }

  byte[] finish() {
    out.writeBytes(new byte[1024]);
    return out.toByteArray();
  }

  /** The archive without its end blocks and cut inside the last entry. */
  byte[] truncated(int cut) {
    byte[] all = out.toByteArray();
    return java.util.Arrays.copyOf(all, all.length - cut);
  }

  private static void put(byte[] header, int offset, byte[] value, int max) {
    if (value.length > max) {
      throw new IllegalArgumentException("field too long: " + value.length + " > " + max);
    }
    System.arraycopy(value, 0, header, offset, value.length);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      all.writeBytes(part);
    }
    return all.toByteArray();
  }
}
