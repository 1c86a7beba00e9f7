package io.biowerk.dr.mongo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A second reader of the mongodump archive format, for tests only, written from the format
 * description in {@code shared/testdata/mongodump/README.md} alone and sharing no code with {@link
 * ArchiveReader}: no BSON library (it reads the few string, boolean and int64 fields it needs by
 * hand) and a bit-by-bit CRC-64/XZ. It checks our writer against the description rather than
 * against our own reader.
 */
final class IndependentArchiveReader {

  /**
   * What it found: namespace names as {@code db.collection} in prelude order, counts and CRCs per
   * name.
   */
  record Result(
      List<String> prelude,
      Map<String, Long> counts,
      Map<String, Long> crcs,
      List<byte[]> documents) {}

  private IndependentArchiveReader() {}

  static Result read(byte[] archive) {
    ByteBuffer in = ByteBuffer.wrap(archive).order(ByteOrder.LITTLE_ENDIAN);
    if (in.getInt() != 0x8199e26d) {
      throw new IllegalStateException("bad magic");
    }
    skipDocument(in); // header
    List<String> prelude = new ArrayList<>();
    while (in.getInt(in.position()) != -1) {
      Map<String, Object> fields = fields(document(in));
      prelude.add(fields.get("db") + "." + fields.get("collection"));
    }
    in.getInt();
    Map<String, Long> counts = new LinkedHashMap<>();
    Map<String, Long> crcs = new LinkedHashMap<>();
    Map<String, Long> running = new LinkedHashMap<>();
    Map<String, Long> countOf = new LinkedHashMap<>();
    List<byte[]> documents = new ArrayList<>();
    while (in.hasRemaining()) {
      Map<String, Object> header = fields(document(in));
      String name = header.get("db") + "." + header.get("collection");
      if (!prelude.contains(name)) {
        throw new IllegalStateException("not in prelude: " + name);
      }
      if (counts.containsKey(name)) {
        throw new IllegalStateException("segment after end: " + name);
      }
      if (Boolean.TRUE.equals(header.get("EOF"))) {
        if (in.getInt() != -1) {
          throw new IllegalStateException("no terminator after EOF header of " + name);
        }
        // An empty namespace has CRC 0.
        long crc = running.containsKey(name) ? ~running.get(name) : 0;
        if (crc != (Long) header.get("CRC")) {
          throw new IllegalStateException("crc mismatch in " + name);
        }
        counts.put(name, countOf.getOrDefault(name, 0L));
        crcs.put(name, crc);
        continue;
      }
      while (in.getInt(in.position()) != -1) {
        byte[] doc = document(in);
        documents.add(doc);
        long state = running.getOrDefault(name, -1L);
        for (byte b : doc) {
          state ^= b & 0xff;
          for (int k = 0; k < 8; k++) {
            state = (state & 1) != 0 ? (state >>> 1) ^ 0xC96C5795D7870F42L : state >>> 1;
          }
        }
        running.put(name, state);
        countOf.merge(name, 1L, Long::sum);
      }
      in.getInt();
    }
    for (String name : prelude) {
      if (!counts.containsKey(name)) {
        throw new IllegalStateException("never ended: " + name);
      }
    }
    return new Result(prelude, counts, crcs, documents);
  }

  private static byte[] document(ByteBuffer in) {
    int length = in.getInt(in.position());
    if (length < 5 || in.get(in.position() + length - 1) != 0) {
      throw new IllegalStateException("bad document at " + in.position());
    }
    byte[] doc = new byte[length];
    in.get(doc);
    return doc;
  }

  private static void skipDocument(ByteBuffer in) {
    document(in);
  }

  /** The top-level string (2), boolean (8), int32 (16) and int64 (18) fields of a document. */
  private static Map<String, Object> fields(byte[] doc) {
    ByteBuffer b = ByteBuffer.wrap(doc).order(ByteOrder.LITTLE_ENDIAN);
    b.position(4);
    Map<String, Object> out = new LinkedHashMap<>();
    while (true) {
      int type = b.get() & 0xff;
      if (type == 0) {
        return out;
      }
      int start = b.position();
      while (b.get() != 0) {
        // the name's bytes
      }
      String name = new String(doc, start, b.position() - start - 1, StandardCharsets.UTF_8);
      switch (type) {
        case 2 -> {
          int len = b.getInt();
          out.put(name, new String(doc, b.position(), len - 1, StandardCharsets.UTF_8));
          b.position(b.position() + len);
        }
        case 8 -> out.put(name, b.get() != 0);
        case 16 -> out.put(name, (long) b.getInt());
        case 18 -> out.put(name, b.getLong());
        default ->
            throw new IllegalStateException(
                "unexpected type " + type + " in an archive's own document");
      }
    }
  }
}
