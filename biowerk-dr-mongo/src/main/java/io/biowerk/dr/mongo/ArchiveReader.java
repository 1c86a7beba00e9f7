package io.biowerk.dr.mongo;

import static com.google.common.base.Preconditions.checkNotNull;

import io.biowerk.dr.core.IntegrityException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.RawBsonDocument;

/**
 * A streaming parser of mongodump's {@code --archive} format, ours and mongodump's: checks the
 * magic, the framing of every document, that every namespace's documents match the CRC-64 of its
 * EOF header, that nothing of a namespace follows its end, that the body names only namespaces of
 * the prelude and that every one of them ends. Documents are handed over as raw bytes, never
 * decoded (a structural walk checks them when asked).
 *
 * <p>Any damage fails with {@link IntegrityException} naming the namespace and the byte offset.
 * Memory is one document plus a 64 KiB buffer. The caller owns {@code in} and closes it. Not
 * thread-safe; one parse per instance.
 */
public final class ArchiveReader {

  private static final String WHAT_TO_DO =
      "the archive is damaged or truncated; use another backup";

  private final Input in;
  private final boolean checkDocuments;
  private boolean used;

  /**
   * @param checkDocuments whether to walk every document's structure (element types and lengths),
   *     not only its length and final byte
   */
  public ArchiveReader(ReadableByteChannel in, boolean checkDocuments) {
    this.in = new Input(checkNotNull(in, "in"));
    this.checkDocuments = checkDocuments;
  }

  /**
   * Parses the whole archive, reporting to {@code visitor}.
   *
   * @throws IntegrityException if the archive is damaged, truncated or inconsistent
   * @throws IOException if reading fails or the visitor throws
   */
  public ArchiveSummary read(ArchiveVisitor visitor) throws IOException {
    if (used) {
      throw new IllegalStateException("an ArchiveReader parses once");
    }
    used = true;
    int magic;
    try {
      magic = in.readInt();
    } catch (EOFException e) {
      throw damage("the archive is empty or shorter than its magic number", null, 0);
    }
    if (magic != ArchiveFormat.MAGIC) {
      throw new IntegrityException(
          String.format(
              "mongodb archive: bad magic number 0x%08x at byte offset 0 (expected 0x%08x): this is not a mongodump "
                  + "archive, or it is compressed or encrypted (decode it first)",
              magic, ArchiveFormat.MAGIC),
          null,
          String.format("0x%08x", ArchiveFormat.MAGIC),
          String.format("0x%08x", magic));
    }
    long headerAt = in.offset();
    byte[] headerBytes = readDocument(null, headerAt, in.readIntOrEof(), "header");
    BsonDocument header = new RawBsonDocument(headerBytes);
    visitor.header(header);

    List<PreludeEntry> prelude = new ArrayList<>();
    Map<Namespace, NsState> states = new LinkedHashMap<>();
    while (true) {
      long at = in.offset();
      int length = in.readIntOrEof();
      if (length == ArchiveFormat.TERMINATOR) {
        break;
      }
      byte[] doc = readDocument(null, at, length, "prelude");
      PreludeEntry entry;
      try {
        entry = PreludeEntry.fromBson(new RawBsonDocument(doc));
      } catch (RuntimeException e) {
        throw damage("a prelude entry lacks db or collection (" + e.getMessage() + ")", null, at);
      }
      if (states.containsKey(entry.namespace())) {
        throw damage("namespace listed twice in the prelude", entry.namespace(), at);
      }
      prelude.add(entry);
      states.put(entry.namespace(), new NsState());
    }
    visitor.prelude(List.copyOf(prelude));

    Map<Namespace, Long> counts = new LinkedHashMap<>();
    Map<Namespace, Long> crcs = new LinkedHashMap<>();
    while (true) {
      long at = in.offset();
      int length;
      try {
        length = in.readInt();
      } catch (EOFException e) {
        if (in.offset() != at) {
          throw damage("the archive ends inside a namespace header's length", null, at);
        }
        break;
      }
      if (length == ArchiveFormat.TERMINATOR) {
        throw damage("a terminator where a namespace header belongs", null, at);
      }
      BsonDocument nsHeader =
          new RawBsonDocument(readDocument(null, at, length, "namespace header"));
      Namespace ns;
      boolean eof;
      long crc;
      try {
        ns =
            new Namespace(
                nsHeader.getString("db").getValue(), nsHeader.getString("collection").getValue());
        eof = nsHeader.getBoolean("EOF", org.bson.BsonBoolean.FALSE).getValue();
        crc = nsHeader.containsKey("CRC") ? nsHeader.getNumber("CRC").longValue() : 0;
      } catch (RuntimeException e) {
        throw damage(
            "a namespace header lacks db, collection, EOF or CRC (" + e.getMessage() + ")",
            null,
            at);
      }
      NsState state = states.get(ns);
      if (state == null) {
        throw damage("a segment of a namespace that the prelude does not list", ns, at);
      }
      if (state.ended) {
        throw damage("a segment after the namespace's end", ns, at);
      }
      if (eof) {
        long terminatorAt = in.offset();
        if (in.readIntOrEof(ns) != ArchiveFormat.TERMINATOR) {
          throw damage("no terminator after the namespace's end header", ns, terminatorAt);
        }
        long actual = state.count == 0 ? 0 : state.crc.value();
        if (actual != crc) {
          throw new IntegrityException(
              String.format(
                  "mongodb archive: CRC-64 mismatch for namespace %s at byte offset %d: the end header says %016x, "
                      + "its %d documents sum to %016x; %s",
                  ns, at, crc, state.count, actual, WHAT_TO_DO),
              null,
              String.format("%016x", crc),
              String.format("%016x", actual));
        }
        state.ended = true;
        counts.put(ns, state.count);
        crcs.put(ns, crc);
        visitor.namespaceEnd(ns, state.count);
        continue;
      }
      while (true) {
        long docAt = in.offset();
        int docLength = in.readIntOrEof(ns);
        if (docLength == ArchiveFormat.TERMINATOR) {
          break;
        }
        byte[] doc = readDocument(ns, docAt, docLength, "document");
        state.crc.update(doc, 0, doc.length);
        state.count++;
        visitor.document(ns, doc);
      }
    }
    for (Map.Entry<Namespace, NsState> e : states.entrySet()) {
      if (!e.getValue().ended) {
        throw damage(
            "the archive ends before the namespace's end header (truncated?)",
            e.getKey(),
            in.offset());
      }
    }
    return new ArchiveSummary(header, List.copyOf(prelude), counts, crcs, in.offset());
  }

  private byte[] readDocument(Namespace ns, long at, int length, String what) throws IOException {
    if (length < ArchiveFormat.MIN_DOCUMENT || length > ArchiveFormat.MAX_DOCUMENT) {
      throw damage(
          "bad BSON framing: a "
              + what
              + " of "
              + length
              + " bytes (must be "
              + ArchiveFormat.MIN_DOCUMENT
              + " to "
              + ArchiveFormat.MAX_DOCUMENT
              + ")",
          ns,
          at);
    }
    byte[] doc = new byte[length];
    ByteBuffer.wrap(doc).order(ByteOrder.LITTLE_ENDIAN).putInt(length);
    try {
      in.readFully(doc, 4, length - 4);
    } catch (EOFException e) {
      throw damage(
          "the archive ends inside a " + what + " of " + length + " bytes (truncated)", ns, at);
    }
    if (doc[length - 1] != 0) {
      throw damage("bad BSON framing: a " + what + " does not end with a zero byte", ns, at);
    }
    if (checkDocuments) {
      try {
        walk(doc);
      } catch (IllegalArgumentException | java.nio.BufferUnderflowException e) {
        throw damage(
            "bad BSON in a "
                + what
                + " ("
                + (e.getMessage() == null ? "it overruns its length" : e.getMessage())
                + ")",
            ns,
            at);
      }
    }
    return doc;
  }

  /** Walks every element of {@code doc}, nested ones included, checking types and lengths. */
  static void walk(byte[] doc) {
    ByteBuffer b = ByteBuffer.wrap(doc).order(ByteOrder.LITTLE_ENDIAN);
    walkDocument(b, 0);
    if (b.position() != doc.length) {
      throw new IllegalArgumentException(
          "the document ends at byte " + b.position() + " of " + doc.length);
    }
  }

  private static void walkDocument(ByteBuffer b, int depth) {
    if (depth > 200) {
      throw new IllegalArgumentException("nested more than 200 levels deep");
    }
    int start = b.position();
    int length = b.getInt();
    int end = start + length;
    if (length < 5 || end > b.limit()) {
      throw new IllegalArgumentException(
          "an embedded document of " + length + " bytes at " + start + " overruns its parent");
    }
    ByteBuffer body = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    body.limit(end);
    while (true) {
      int type = body.get() & 0xff;
      if (type == 0) {
        break;
      }
      cstring(body);
      switch (type) {
        case 0x01, 0x09, 0x11, 0x12 -> skip(body, 8);
        case 0x02, 0x0D, 0x0E -> string(body);
        case 0x03, 0x04 -> walkDocument(body, depth + 1);
        case 0x05 -> {
          int n = body.getInt();
          if (n < 0) {
            throw new IllegalArgumentException("a binary of negative length " + n);
          }
          skip(body, 1 + n);
        }
        case 0x06, 0x0A, 0xFF, 0x7F -> {
          // no value
        }
        case 0x07 -> skip(body, 12);
        case 0x08 -> {
          byte v = body.get();
          if (v != 0 && v != 1) {
            throw new IllegalArgumentException("a boolean of value " + v);
          }
        }
        case 0x0B -> {
          cstring(body);
          cstring(body);
        }
        case 0x0C -> {
          string(body);
          skip(body, 12);
        }
        case 0x0F -> {
          int at = body.position();
          int n = body.getInt();
          string(body);
          walkDocument(body, depth + 1);
          if (body.position() != at + n) {
            throw new IllegalArgumentException(
                "a code-with-scope whose length " + n + " does not match");
          }
        }
        case 0x10 -> skip(body, 4);
        case 0x13 -> skip(body, 16);
        default ->
            throw new IllegalArgumentException(String.format("unknown element type 0x%02x", type));
      }
    }
    if (body.position() != end) {
      throw new IllegalArgumentException(
          "a document's last element ends at "
              + body.position()
              + ", not at its length's end "
              + end);
    }
    b.position(end);
  }

  private static void skip(ByteBuffer b, int n) {
    if (n > b.remaining()) {
      throw new IllegalArgumentException("a value of " + n + " bytes overruns its document");
    }
    b.position(b.position() + n);
  }

  private static void cstring(ByteBuffer b) {
    while (b.get() != 0) {
      // to the terminating zero; BufferUnderflowException past the end
    }
  }

  private static void string(ByteBuffer b) {
    int n = b.getInt();
    if (n < 1) {
      throw new IllegalArgumentException("a string of length " + n);
    }
    skip(b, n);
    if (b.get(b.position() - 1) != 0) {
      throw new IllegalArgumentException("a string not ending with a zero byte");
    }
  }

  static IntegrityException damage(String what, Namespace ns, long offset) {
    return new IntegrityException(
        "mongodb archive: "
            + what
            + (ns == null ? "" : " in namespace " + ns)
            + " at byte offset "
            + offset
            + "; "
            + WHAT_TO_DO);
  }

  /** Per-namespace parse state. */
  private static final class NsState {
    final Crc64 crc = new Crc64();
    long count;
    boolean ended;
  }

  /** A buffered little-endian reader over a channel that knows its offset. */
  private static final class Input {
    private final ReadableByteChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
    private long consumed;

    Input(ReadableByteChannel channel) {
      this.channel = channel;
      buffer.flip();
    }

    long offset() {
      return consumed;
    }

    /**
     * Reads 4 bytes; EOFException if fewer remain (the offset then counts the bytes that were
     * there).
     */
    int readInt() throws IOException {
      if (!fill(4)) {
        consumed += buffer.remaining();
        buffer.position(buffer.limit());
        throw new EOFException();
      }
      consumed += 4;
      return buffer.getInt();
    }

    int readIntOrEof() throws IOException {
      return readIntOrEof(null);
    }

    int readIntOrEof(Namespace ns) throws IOException {
      long at = consumed;
      try {
        return readInt();
      } catch (EOFException e) {
        throw damage("the archive ends early (truncated)", ns, at);
      }
    }

    void readFully(byte[] dst, int offset, int length) throws IOException {
      while (length > 0) {
        if (!buffer.hasRemaining() && !fill(1)) {
          throw new EOFException();
        }
        int n = Math.min(length, buffer.remaining());
        buffer.get(dst, offset, n);
        consumed += n;
        offset += n;
        length -= n;
      }
    }

    /** Makes at least {@code n} bytes available; false at the end of the input. */
    private boolean fill(int n) throws IOException {
      if (buffer.remaining() >= n) {
        return true;
      }
      buffer.compact();
      try {
        while (buffer.position() < n) {
          if (channel.read(buffer) < 0) {
            return false;
          }
        }
        return true;
      } finally {
        buffer.flip();
      }
    }
  }
}
