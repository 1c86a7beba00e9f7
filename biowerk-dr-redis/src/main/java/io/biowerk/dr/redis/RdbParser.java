package io.biowerk.dr.redis;

import static io.biowerk.dr.redis.Rdb.*;

import io.biowerk.dr.core.IntegrityException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A streaming parser of Redis RDB files (versions {@value Rdb#MIN_VERSION} to {@value
 * Rdb#MAX_VERSION}): checks the header, every opcode and every value encoding Redis writes (strings
 * raw, integer and LZF; lists as quicklist of ziplists or listpacks; sets as intset, listpack or
 * hashtable; sorted sets as ziplist, listpack or skiplist; hashes as zipmap, ziplist, listpack or
 * hashtable; streams with consumer groups and pending entries; module values, reported by module
 * name; functions; aux, resize, expiry, idle and frequency records), then the CRC-64 trailer, and
 * that nothing follows it.
 *
 * <p>Hand-written rather than {@code com.moilioncircle:redis-replicator}: about 500 lines with no
 * dependency, it streams in constant memory (a value is held only when a visitor asks for {@code
 * DUMP} payloads), the CRC is computed in bulk as the buffer refills, and every error says at which
 * byte and in which key the stream went wrong. Blob encodings (listpack, ziplist, intset, zipmap)
 * are walked entry by entry, as Redis' deep sanitisation does, so a flipped length inside one is
 * caught even where the CRC is disabled.
 *
 * <p>One parser reads one stream once; not thread-safe. It does not close its input.
 */
public final class RdbParser {

  private static final byte[] SKIPPED = "(name not read)".getBytes(StandardCharsets.US_ASCII);

  private final RdbInput in;
  private int version;
  private String where = "the header";
  private boolean encoded;
  private byte[] currentKey;
  private int currentType;
  private int currentDb;

  private RdbParser(InputStream input) {
    this.in = new RdbInput(input, 256 * 1024);
  }

  /** A parser over {@code input}, which the caller closes. */
  public static RdbParser over(InputStream input) {
    return new RdbParser(input);
  }

  /** A parser over {@code channel}, which the caller closes. */
  public static RdbParser over(ReadableByteChannel channel) {
    return new RdbParser(Channels.newInputStream(channel));
  }

  /**
   * Parses the whole stream, through its trailer, to its end.
   *
   * @throws IntegrityException if the stream is truncated, damaged, or its CRC-64 trailer does not
   *     match; the message names the byte offset and the key
   * @throws UnsupportedRdbException if the stream's RDB version or a value type is newer than this
   *     reader
   * @throws IOException if reading the input fails, or the visitor throws
   */
  public RdbSummary parse(RdbVisitor visitor) throws IOException {
    try {
      return parseAll(visitor);
    } catch (EOFException e) {
      throw new IntegrityException(
          "redis: RDB stream truncated at byte "
              + in.position()
              + " while reading "
              + where()
              + ": the snapshot is incomplete (transfer cut or file damaged); take a new backup");
    }
  }

  private RdbSummary parseAll(RdbVisitor visitor) throws IOException {
    byte[] magic = in.readBytes(9);
    String head = new String(magic, StandardCharsets.ISO_8859_1);
    if (!head.startsWith("REDIS") || !head.substring(5).chars().allMatch(Character::isDigit)) {
      throw corrupt(
          "the stream does not start with an RDB header (REDIS00NN) but with '"
              + printable(head)
              + "'; is this an RDB file?");
    }
    version = Integer.parseInt(head.substring(5));
    if (version < MIN_VERSION || version > MAX_VERSION) {
      throw new UnsupportedRdbException(
          "redis: RDB version "
              + version
              + " is not supported (this reader knows "
              + MIN_VERSION
              + " to "
              + MAX_VERSION
              + ", i.e. up to Redis 7.2); use a newer biowerk-dr, or check the "
              + "file with the redis-check-rdb of the Redis that wrote it");
    }
    visitor.header(version);
    boolean payloads = visitor.wantsPayloads();
    boolean wantsKeys = visitor.wantsKeys() || payloads;
    // Counted in arrays and flushed into the maps per database: map updates per key cost more than
    // the parse.
    long[] typeCounts = new long[256];
    long dbKeys = 0;
    long dbExpires = 0;
    SortedMap<Integer, Long> keys = new TreeMap<>();
    SortedMap<Integer, Long> expires = new TreeMap<>();
    Map<String, Long> types = new TreeMap<>();
    Map<String, String> aux = new LinkedHashMap<>();
    Set<String> modules = new LinkedHashSet<>();
    int functions = 0;
    int db = 0;
    long expire = -1;
    long idle = -1;
    int freq = -1;
    byte[] footer = new byte[10];
    while (true) {
      where = "a record";
      currentKey = null;
      int opcode = in.readUnsignedByte();
      switch (opcode) {
        case OPCODE_EXPIRETIME -> {
          expire = in.readLittleEndian(4) * 1000;
          continue;
        }
        case OPCODE_EXPIRETIME_MS -> {
          expire = in.readLittleEndian(8);
          continue;
        }
        case OPCODE_FREQ -> {
          freq = in.readUnsignedByte();
          continue;
        }
        case OPCODE_IDLE -> {
          idle = length();
          continue;
        }
        case OPCODE_SELECTDB -> {
          long selected = length();
          if (selected < 0 || selected > Integer.MAX_VALUE) {
            throw corrupt("database number " + selected + " is out of range");
          }
          flushCounts(keys, expires, db, dbKeys, dbExpires);
          dbKeys = 0;
          dbExpires = 0;
          db = (int) selected;
          keys.putIfAbsent(db, 0L);
          visitor.selectDb(db);
          continue;
        }
        case OPCODE_RESIZEDB -> {
          length();
          length();
          continue;
        }
        case OPCODE_AUX -> {
          where = "an aux field";
          String key = new String(readString(), StandardCharsets.UTF_8);
          where = "aux field '" + key + "'";
          byte[] value = readString();
          aux.put(key, new String(value, StandardCharsets.UTF_8));
          visitor.aux(key, value);
          continue;
        }
        case OPCODE_MODULE_AUX -> {
          long id = length();
          String name = moduleName(id);
          where = "aux data of module " + name;
          long when = length();
          if (when != 2) {
            throw corrupt("module " + name + " aux data has a bad 'when' opcode " + when);
          }
          length();
          skipModuleValue(name);
          modules.add(name);
          continue;
        }
        case OPCODE_FUNCTION_PRE_GA -> {
          throw new UnsupportedRdbException(
              "redis: the RDB holds functions in the pre-release 7.0-rc format, "
                  + "which Redis 7.0 itself no longer loads; re-create the functions and take a new backup");
        }
        case OPCODE_FUNCTION2 -> {
          where = "a function library";
          visitor.function(readString());
          functions++;
          continue;
        }
        case OPCODE_EOF -> {
          flushCounts(keys, expires, db, dbKeys, dbExpires);
          for (int t = 0; t < typeCounts.length; t++) {
            if (typeCounts[t] > 0) {
              types.put(typeName(t), typeCounts[t]);
            }
          }
          return finish(keys, expires, functions, modules, types, aux);
        }
        default -> {}
      }
      int type = opcode;
      where = null; // a key of currentType: built only if an error needs it
      currentType = type;
      currentDb = db;
      byte[] key;
      if (wantsKeys) {
        key = readString();
      } else {
        skipString();
        key = SKIPPED;
      }
      // The message is built only on failure: this runs once per key.
      currentKey = key;
      currentType = type;
      currentDb = db;
      if (payloads) {
        in.startCapture(type);
      }
      skipValue(type, modules);
      int payloadLength = 0;
      byte[] payload = null;
      if (payloads) {
        in.endCapture();
        footer[0] = (byte) version;
        footer[1] = (byte) (version >>> 8);
        in.appendToCapture(footer, 0, 2);
        long crc = Crc64.update(0, in.captured(), 0, in.capturedLength());
        for (int i = 0; i < 8; i++) {
          footer[2 + i] = (byte) (crc >>> (8 * i));
        }
        in.appendToCapture(footer, 2, 8);
        payload = in.captured();
        payloadLength = in.capturedLength();
      }
      dbKeys++;
      if (expire != -1) {
        dbExpires++;
      }
      typeCounts[type]++;
      if (wantsKeys) {
        visitor.key(new RdbKey(db, key, type, expire, idle, freq, payload, payloadLength));
      }
      expire = -1;
      idle = -1;
      freq = -1;
    }
  }

  private static void flushCounts(
      SortedMap<Integer, Long> keys,
      SortedMap<Integer, Long> expires,
      int db,
      long dbKeys,
      long dbExpires) {
    if (dbKeys > 0) {
      keys.merge(db, dbKeys, Long::sum);
    }
    if (dbExpires > 0) {
      expires.merge(db, dbExpires, Long::sum);
    }
  }

  private RdbSummary finish(
      SortedMap<Integer, Long> keys,
      SortedMap<Integer, Long> expires,
      int functions,
      Set<String> modules,
      Map<String, Long> types,
      Map<String, String> aux)
      throws IOException {
    keys.values().removeIf(count -> count == 0);
    long checksum = 0;
    if (version >= 5) {
      where = "the CRC-64 trailer";
      long computed = in.crc();
      long stored = in.readLittleEndian(8);
      // A zero trailer means the writer ran with rdbchecksum no, which Redis also accepts.
      if (stored != 0 && stored != computed) {
        throw new IntegrityException(
            "redis: RDB checksum mismatch: the trailer says "
                + Crc64.hex(stored)
                + " but the content hashes to "
                + Crc64.hex(computed)
                + "; the snapshot is damaged, do not restore it",
            null,
            Crc64.hex(stored),
            Crc64.hex(computed));
      }
      checksum = stored;
    }
    if (!in.atEnd()) {
      throw corrupt("bytes follow the RDB trailer; the stream is not a single RDB snapshot");
    }
    return new RdbSummary(
        version,
        Collections.unmodifiableSortedMap(keys),
        Collections.unmodifiableSortedMap(expires),
        functions,
        Collections.unmodifiableSet(modules),
        Collections.unmodifiableMap(types),
        Collections.unmodifiableMap(aux),
        checksum,
        in.position());
  }

  private void skipValue(int type, Set<String> modules) throws IOException {
    switch (type) {
      case TYPE_STRING -> {
        skipString();
      }
      case TYPE_LIST, TYPE_SET -> {
        for (long n = count(); n > 0; n--) {
          skipString();
        }
      }
      case TYPE_ZSET -> {
        for (long n = count(); n > 0; n--) {
          skipString();
          int len = in.readUnsignedByte();
          if (len < 253) {
            in.skip(len);
          }
        }
      }
      case TYPE_ZSET_2 -> {
        for (long n = count(); n > 0; n--) {
          skipString();
          in.skip(8);
        }
      }
      case TYPE_HASH -> {
        for (long n = count(); n > 0; n--) {
          skipString();
          skipString();
        }
      }
      case TYPE_HASH_ZIPMAP -> {
        Blobs.zipmap(readString(), this);
      }
      case TYPE_LIST_ZIPLIST -> {
        Blobs.ziplist(readString(), this, false);
      }
      case TYPE_ZSET_ZIPLIST, TYPE_HASH_ZIPLIST -> {
        Blobs.ziplist(readString(), this, true);
      }
      case TYPE_SET_INTSET -> {
        Blobs.intset(readString(), this);
      }
      case TYPE_LIST_QUICKLIST -> {
        for (long n = count(); n > 0; n--) {
          Blobs.ziplist(readString(), this, false);
        }
      }
      case TYPE_HASH_LISTPACK, TYPE_ZSET_LISTPACK -> {
        Blobs.listpack(readString(), this, true);
      }
      case TYPE_SET_LISTPACK -> {
        Blobs.listpack(readString(), this, false);
      }
      case TYPE_LIST_QUICKLIST_2 -> {
        for (long n = count(); n > 0; n--) {
          long container = length();
          if (container == 1) {
            skipString();
          } else if (container == 2) {
            Blobs.listpack(readString(), this, false);
          } else {
            throw corrupt("unknown quicklist container " + container);
          }
        }
      }
      case TYPE_STREAM_LISTPACKS, TYPE_STREAM_LISTPACKS_2, TYPE_STREAM_LISTPACKS_3 -> {
        skipStream(type);
      }
      case TYPE_MODULE_2 -> {
        String name = moduleName(length());
        modules.add(name);
        skipModuleValue(name);
      }
      case TYPE_MODULE_PRE_GA -> {
        throw new UnsupportedRdbException(
            "redis: "
                + where()
                + " uses the pre-4.0 module format, which has no "
                + "end marker and cannot be read without the module; load the RDB into a Redis with that module");
      }
      default -> {
        throw new UnsupportedRdbException(
            "redis: "
                + where()
                + ": value type "
                + type
                + " is not known to this "
                + "reader (RDB version "
                + version
                + "); it was written by a newer Redis or the stream is damaged");
      }
    }
  }

  private void skipStream(int type) throws IOException {
    for (long n = count(); n > 0; n--) {
      byte[] nodeKey = readString();
      if (nodeKey.length != 16) {
        throw corrupt("stream node key is " + nodeKey.length + " bytes, not 16");
      }
      if (Blobs.listpack(readString(), this, false) == 0) {
        throw corrupt("empty listpack inside a stream");
      }
    }
    length(); // entries
    length(); // last id ms
    length(); // last id seq
    if (type >= TYPE_STREAM_LISTPACKS_2) {
      for (int i = 0; i < 5; i++) {
        length(); // first id, max deleted id, entries added
      }
    }
    for (long groups = count(); groups > 0; groups--) {
      skipString(); // group name
      length();
      length(); // last delivered id
      if (type >= TYPE_STREAM_LISTPACKS_2) {
        length(); // entries read
      }
      for (long pel = count(); pel > 0; pel--) {
        in.skip(16 + 8); // entry id, delivery time
        length(); // delivery count
      }
      for (long consumers = count(); consumers > 0; consumers--) {
        skipString(); // consumer name
        in.skip(type >= TYPE_STREAM_LISTPACKS_3 ? 16 : 8); // seen time (and active time)
        for (long pel = count(); pel > 0; pel--) {
          in.skip(16);
        }
      }
    }
  }

  private void skipModuleValue(String name) throws IOException {
    while (true) {
      long opcode = length();
      switch ((int) opcode) {
        case 0 -> {
          return;
        }
        case 1, 2 -> {
          length();
        }
        case 3 -> {
          in.skip(4);
        }
        case 4 -> {
          in.skip(8);
        }
        case 5 -> {
          skipString();
        }
        default -> {
          throw corrupt("module " + name + " data has an unknown opcode " + opcode);
        }
      }
    }
  }

  /** A number of elements: a length that must also be a plausible count. */
  private long count() throws IOException {
    long n = length();
    if (n < 0) {
      throw corrupt("element count " + Long.toUnsignedString(n) + " is out of range");
    }
    return n;
  }

  /** A length; a string encoding where a length belongs is damage. */
  private long length() throws IOException {
    long value = lengthOrEncoding();
    if (encoded) {
      throw corrupt("found a string encoding where a length belongs");
    }
    return value;
  }

  private long lengthOrEncoding() throws IOException {
    int b = in.readUnsignedByte();
    encoded = false;
    switch (b >>> 6) {
      case 0 -> {
        return b & 0x3f;
      }
      case 1 -> {
        return ((long) (b & 0x3f) << 8) | in.readUnsignedByte();
      }
      case 3 -> {
        encoded = true;
        return b & 0x3f;
      }
      default -> {
        if (b == 0x80) {
          return in.readBigEndian(4);
        }
        if (b == 0x81) {
          // Unsigned 64 bits: stream ids use the whole range (UINT64_MAX is common).
          return in.readBigEndian(8);
        }
        throw corrupt("unknown length encoding 0x" + Integer.toHexString(b));
      }
    }
  }

  byte[] readString() throws IOException {
    long len = lengthOrEncoding();
    if (encoded) {
      switch ((int) len) {
        case 0 -> {
          return Long.toString((byte) in.readUnsignedByte()).getBytes(StandardCharsets.US_ASCII);
        }
        case 1 -> {
          return Long.toString((short) in.readLittleEndian(2)).getBytes(StandardCharsets.US_ASCII);
        }
        case 2 -> {
          return Integer.toString((int) in.readLittleEndian(4)).getBytes(StandardCharsets.US_ASCII);
        }
        case 3 -> {
          long clen = length();
          long ulen = length();
          // LZF expands at most 264 bytes per 3-byte back reference: a larger claim is damage,
          // and is refused before the output is allocated.
          if (clen <= 0 || ulen < 0 || ulen > clen * 88 + 32) {
            throw corrupt("LZF string of " + clen + " compressed bytes claims " + ulen + " bytes");
          }
          byte[] compressed = in.readBytes(checkSize(clen));
          return Blobs.lzf(compressed, checkSize(ulen), this);
        }
        default -> {
          throw corrupt("unknown string encoding " + len);
        }
      }
    }
    return in.readBytes(checkSize(len));
  }

  private void skipString() throws IOException {
    long len = lengthOrEncoding();
    if (encoded) {
      switch ((int) len) {
        case 0 -> {
          in.skip(1);
          return;
        }
        case 1 -> {
          in.skip(2);
          return;
        }
        case 2 -> {
          in.skip(4);
          return;
        }
        case 3 -> {
          long clen = length();
          long ulen = length();
          if (clen < 0 || ulen < 0 || clen > ulen || clen == 0) {
            throw corrupt("LZF string of " + clen + " compressed bytes claims " + ulen + " bytes");
          }
          in.skip(clen);
          return;
        }
        default -> {
          throw corrupt("unknown string encoding " + len);
        }
      }
    }
    if (len < 0) {
      throw corrupt("string length " + Long.toUnsignedString(len) + " is out of range");
    }
    in.skip(len);
  }

  private int checkSize(long len) throws IOException {
    if (len < 0 || len > Integer.MAX_VALUE - 16) {
      throw corrupt("a string of " + len + " bytes is larger than this reader holds in memory");
    }
    return (int) len;
  }

  /** A damage report at the current position. */
  IntegrityException corrupt(String what) {
    return new IntegrityException(
        "redis: RDB damaged at byte "
            + in.position()
            + " in "
            + where()
            + ": "
            + what
            + "; the snapshot cannot be restored, use another backup");
  }

  private String where() {
    if (currentKey == null) {
      return where != null
          ? where
          : "a key of type " + typeName(currentType) + " in db " + currentDb;
    }
    if (currentKey == SKIPPED) {
      return "a key of type " + typeName(currentType) + " in db " + currentDb;
    }
    return "key '"
        + printable(new String(currentKey, StandardCharsets.UTF_8))
        + "' ("
        + typeName(currentType)
        + ") in db "
        + currentDb;
  }

  private static String printable(String text) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length() && out.length() < 60; i++) {
      char c = text.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return text.length() > 60 ? out + "..." : out.toString();
  }
}
