package io.biowerk.dr.core.files;

import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.UnsafePathException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * A strict, streaming reader of tar archives in the POSIX formats (ustar, PAX extended headers) and
 * GNU long names, for restore. It works on raw header bytes so that it can refuse what a lenient
 * reader would repair silently: Commons Compress, for one, replaces invalid UTF-8 in a name with
 * {@code ?}, which would restore a different file name than the one stored.
 *
 * <p>Names are decoded as strict UTF-8; a name that is not valid UTF-8 or holds a NUL is refused
 * with an {@link UnsafePathException}. Header checksums are checked; a damaged header or truncated
 * archive is an {@link IntegrityException}. Extended headers are limited to {@value
 * #MAX_EXTENDED_HEADER} bytes, so a hostile archive cannot make the reader allocate without bound.
 * No recursion: any depth of path is just bytes here.
 *
 * <p>Not thread-safe. Does not close the stream it reads.
 */
final class TarReader {

  static final int BLOCK = 512;
  static final int MAX_EXTENDED_HEADER = 1 << 20;

  /** Entry types, as the typeflag byte. */
  static final byte FILE = '0';

  static final byte HARDLINK = '1';
  static final byte SYMLINK = '2';
  static final byte CHAR_DEVICE = '3';
  static final byte BLOCK_DEVICE = '4';
  static final byte DIRECTORY = '5';
  static final byte FIFO = '6';

  /**
   * One archive entry's header.
   *
   * @param name the path as stored, decoded from UTF-8
   * @param type the typeflag ({@link #FILE} for regular files, whatever the archive wrote for them)
   * @param mode the mode bits
   * @param size bytes of content
   * @param modified the modification time
   * @param linkName the link target, or an empty string
   * @param uid the owner's numeric id
   * @param gid the group's numeric id
   */
  record Entry(
      String name,
      byte type,
      int mode,
      long size,
      Instant modified,
      String linkName,
      long uid,
      long gid) {}

  private final InputStream in;
  private final byte[] block = new byte[BLOCK];
  private long remaining;
  private long padding;
  private boolean ended;

  TarReader(InputStream in) {
    this.in = in;
  }

  /**
   * The next entry, or null at the end of the archive. Unread content of the previous entry is
   * skipped.
   *
   * @throws IntegrityException if the archive is damaged or truncated
   * @throws UnsafePathException if a name is not valid UTF-8 or holds a NUL
   * @throws IOException if the stream cannot be read
   */
  Entry next() throws IOException {
    if (ended) {
      return null;
    }
    skipContent();
    byte[] longName = null;
    byte[] longLink = null;
    byte[] paxPath = null;
    byte[] paxLink = null;
    Long paxSize = null;
    Instant paxTime = null;
    Long paxUid = null;
    Long paxGid = null;
    while (true) {
      if (!readBlock()) {
        // No end-of-archive blocks; tolerated at a block boundary, as GNU tar does.
        ended = true;
        return null;
      }
      if (isZero(block)) {
        ended = true;
        return null;
      }
      checkChecksum();
      byte type = block[156];
      long size = number(124, 12, "size");
      switch (type) {
        case 'x' -> {
          byte[] data = readData(size, "PAX extended header");
          for (Pax pax : Pax.parse(data)) {
            switch (pax.key) {
              case "path" -> paxPath = pax.value;
              case "linkpath" -> paxLink = pax.value;
              case "size" -> paxSize = decimal(pax, "size");
              case "mtime" -> paxTime = time(pax);
              case "uid" -> paxUid = decimal(pax, "uid");
              case "gid" -> paxGid = decimal(pax, "gid");
              default -> {} // atime, ctime, uname, gname, charset, comment, vendor keys: not
                // needed
            }
          }
          continue;
        }
        case 'g' -> {
          // applies to no single entry; nothing in it changes a restore
          readData(size, "PAX global header");
          continue;
        }
        case 'L' -> {
          longName = trimNul(readData(size, "GNU long name"));
          continue;
        }
        case 'K' -> {
          longLink = trimNul(readData(size, "GNU long link name"));
          continue;
        }
        default -> {}
      }
      byte[] nameBytes = paxPath != null ? paxPath : longName != null ? longName : headerName();
      byte[] linkBytes = paxLink != null ? paxLink : longLink != null ? longLink : field(157, 100);
      String name = utf8(nameBytes, "entry name", null);
      String link = utf8(linkBytes, "link target of entry", name);
      long entrySize = paxSize != null ? paxSize : size;
      if (entrySize < 0) {
        throw new IntegrityException(
            "files: entry " + escape(name) + " has a negative size; the archive is" + " damaged");
      }
      byte normalized = type == 0 || type == '7' ? FILE : type;
      boolean hasContent = normalized == FILE;
      remaining =
          hasContent
              ? entrySize
              : (normalized == HARDLINK
                      || normalized == SYMLINK
                      || normalized == DIRECTORY
                      || normalized == CHAR_DEVICE
                      || normalized == BLOCK_DEVICE
                      || normalized == FIFO)
                  ? 0
                  : entrySize;
      padding = pad(remaining);
      int mode = (int) number(100, 8, "mode");
      Instant modified =
          paxTime != null ? paxTime : Instant.ofEpochSecond(number(136, 12, "mtime"));
      long uid = paxUid != null ? paxUid : number(108, 8, "uid");
      long gid = paxGid != null ? paxGid : number(116, 8, "gid");
      return new Entry(
          name, normalized, mode, hasContent ? entrySize : 0, modified, link, uid, gid);
    }
  }

  /** The current entry's content; reading past it returns -1. Not to be closed. */
  InputStream content() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (remaining == 0) {
          return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
          throw truncated();
        }
        remaining -= n;
        return n;
      }
    };
  }

  /**
   * Reads whatever follows the archive (the rest of the last record), so a writer feeding us never
   * blocks.
   */
  void drain() throws IOException {
    byte[] sink = new byte[8192];
    while (in.read(sink) >= 0) {
      // discard
    }
  }

  private void skipContent() throws IOException {
    long skip = remaining + padding;
    remaining = 0;
    padding = 0;
    byte[] buffer = new byte[8192];
    while (skip > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, skip));
      if (n < 0) {
        throw truncated();
      }
      skip -= n;
    }
  }

  private boolean readBlock() throws IOException {
    int read = 0;
    while (read < BLOCK) {
      int n = in.read(block, read, BLOCK - read);
      if (n < 0) {
        if (read == 0) {
          return false;
        }
        throw truncated();
      }
      read += n;
    }
    return true;
  }

  private byte[] readData(long size, String what) throws IOException {
    if (size > MAX_EXTENDED_HEADER) {
      throw new IntegrityException(
          "files: a "
              + what
              + " of "
              + size
              + " bytes is larger than the "
              + MAX_EXTENDED_HEADER
              + " this restore accepts; the archive is damaged or hostile");
    }
    byte[] data = new byte[(int) size];
    int read = 0;
    while (read < data.length) {
      int n = in.read(data, read, data.length - read);
      if (n < 0) {
        throw truncated();
      }
      read += n;
    }
    long pad = pad(size);
    while (pad > 0) {
      int n = in.read(block, 0, (int) pad);
      if (n < 0) {
        throw truncated();
      }
      pad -= n;
    }
    return data;
  }

  private byte[] headerName() {
    byte[] name = field(0, 100);
    boolean posix =
        block[257] == 'u'
            && block[258] == 's'
            && block[259] == 't'
            && block[260] == 'a'
            && block[261] == 'r'
            && block[262] == 0;
    if (posix) {
      byte[] prefix = field(345, 155);
      if (prefix.length > 0) {
        byte[] joined = Arrays.copyOf(prefix, prefix.length + 1 + name.length);
        joined[prefix.length] = '/';
        System.arraycopy(name, 0, joined, prefix.length + 1, name.length);
        return joined;
      }
    }
    return name;
  }

  private byte[] field(int offset, int length) {
    int end = offset;
    while (end < offset + length && block[end] != 0) {
      end++;
    }
    return Arrays.copyOfRange(block, offset, end);
  }

  private void checkChecksum() throws IntegrityException {
    long stored = number(148, 8, "checksum");
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      byte b = (i >= 148 && i < 156) ? (byte) ' ' : block[i];
      unsigned += b & 0xff;
      signed += b;
    }
    if (stored != unsigned && stored != signed) {
      throw new IntegrityException(
          "files: a tar header's checksum is "
              + stored
              + " but its bytes sum to "
              + unsigned
              + "; the archive is damaged or not a tar archive");
    }
  }

  /**
   * An octal number, or base-256 when the first byte has its high bit set (GNU/star big numbers).
   */
  private long number(int offset, int length, String what) throws IntegrityException {
    if ((block[offset] & 0x80) != 0) {
      long value = block[offset] & 0x3f;
      if ((block[offset] & 0x40) != 0) {
        throw new IntegrityException(
            "files: a tar header has a negative " + what + "; the archive is damaged");
      }
      for (int i = 1; i < length; i++) {
        if (value > (Long.MAX_VALUE >>> 8)) {
          throw new IntegrityException(
              "files: a tar header's " + what + " is too large; the archive is damaged");
        }
        value = (value << 8) | (block[offset + i] & 0xff);
      }
      return value;
    }
    long value = 0;
    int i = offset;
    int end = offset + length;
    while (i < end && block[i] == ' ') {
      i++;
    }
    for (; i < end; i++) {
      byte b = block[i];
      if (b == 0 || b == ' ') {
        break;
      }
      if (b < '0' || b > '7') {
        throw new IntegrityException(
            "files: a tar header's "
                + what
                + " field is not an octal number; the"
                + " archive is damaged or not a tar archive");
      }
      value = (value << 3) | (b - '0');
    }
    return value;
  }

  private static long pad(long size) {
    long rest = size % BLOCK;
    return rest == 0 ? 0 : BLOCK - rest;
  }

  private static boolean isZero(byte[] bytes) {
    for (byte b : bytes) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static byte[] trimNul(byte[] bytes) {
    int end = bytes.length;
    while (end > 0 && bytes[end - 1] == 0) {
      end--;
    }
    return Arrays.copyOf(bytes, end);
  }

  /** Strict UTF-8: malformed input and NUL are refused, never replaced. */
  static String utf8(byte[] bytes, String what, String entry) throws UnsafePathException {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      String shown = escape(bytes);
      throw new UnsafePathException(
          "files: "
              + what
              + (entry == null ? "" : " " + escape(entry))
              + " '"
              + shown
              + "' is not valid UTF-8; refusing to restore a name that cannot be reproduced exactly (the archive is"
              + " damaged or hostile); nothing was written outside the target",
          entry == null ? shown : entry);
    }
    if (text.indexOf('\0') >= 0) {
      String shown = escape(text);
      throw new UnsafePathException(
          "files: "
              + what
              + (entry == null ? "" : " " + escape(entry))
              + " '"
              + shown
              + "' contains a NUL byte; the archive is damaged or hostile; nothing was written outside the target",
          entry == null ? shown : entry);
    }
    return text;
  }

  /**
   * Printable form of a name: control characters and non-UTF-8 bytes as \xNN, long names shortened.
   */
  static String escape(String name) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < name.length() && out.length() < 200; i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\x%02x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (out.length() >= 200) {
      out.append("... (").append(name.length()).append(" characters)");
    }
    return out.toString();
  }

  static String escape(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < bytes.length && out.length() < 200; i++) {
      int b = bytes[i] & 0xff;
      if (b < 0x20 || b >= 0x7f) {
        out.append(String.format("\\x%02x", b));
      } else {
        out.append((char) b);
      }
    }
    if (out.length() >= 200) {
      out.append("... (").append(bytes.length).append(" bytes)");
    }
    return out.toString();
  }

  private static IntegrityException truncated() {
    return new IntegrityException(
        "files: the tar archive ends in the middle of an entry; it is truncated or" + " damaged");
  }

  private static long decimal(Pax pax, String what) throws IntegrityException {
    try {
      long value = Long.parseLong(new String(pax.value, StandardCharsets.US_ASCII));
      if (value < 0) {
        throw new NumberFormatException("negative");
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IntegrityException(
          "files: a PAX header's " + what + " is not a number; the archive is damaged");
    }
  }

  private static Instant time(Pax pax) throws IntegrityException {
    String text = new String(pax.value, StandardCharsets.US_ASCII);
    try {
      int dot = text.indexOf('.');
      long seconds = Long.parseLong(dot < 0 ? text : text.substring(0, dot));
      long nanos = 0;
      if (dot >= 0) {
        String fraction = (text.substring(dot + 1) + "000000000").substring(0, 9);
        nanos = Long.parseLong(fraction);
        if (seconds < 0 || text.startsWith("-")) {
          nanos = -nanos;
        }
      }
      return Instant.ofEpochSecond(seconds, nanos);
    } catch (RuntimeException e) {
      throw new IntegrityException(
          "files: a PAX header's mtime '"
              + escape(text)
              + "' is not a time; the archive"
              + " is damaged");
    }
  }

  /** One {@code "<length> <key>=<value>\n"} record of a PAX extended header. */
  private static final class Pax {
    final String key;
    final byte[] value;

    Pax(String key, byte[] value) {
      this.key = key;
      this.value = value;
    }

    static java.util.List<Pax> parse(byte[] data) throws IntegrityException {
      java.util.List<Pax> records = new java.util.ArrayList<>();
      int pos = 0;
      while (pos < data.length) {
        if (data[pos] == 0) {
          break; // NUL padding after the records
        }
        int space = pos;
        long length = 0;
        while (space < data.length
            && data[space] >= '0'
            && data[space] <= '9'
            && length < data.length + 1L) {
          length = length * 10 + (data[space] - '0');
          space++;
        }
        if (space >= data.length
            || data[space] != ' '
            || length <= space - pos + 1
            || pos + length > data.length
            || data[(int) (pos + length - 1)] != '\n') {
          throw new IntegrityException(
              "files: a PAX extended header is malformed; the archive is damaged");
        }
        int end = (int) (pos + length - 1);
        int eq = space + 1;
        while (eq < end && data[eq] != '=') {
          eq++;
        }
        if (eq >= end) {
          throw new IntegrityException(
              "files: a PAX extended header record has no '='; the archive is damaged");
        }
        String key = new String(data, space + 1, eq - space - 1, StandardCharsets.UTF_8);
        records.add(new Pax(key, Arrays.copyOfRange(data, eq + 1, end)));
        pos = (int) (pos + length);
      }
      return records;
    }
  }
}
