package io.biowerk.dr.mongo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/**
 * The constants and small encodings of mongodump's {@code --archive} format (mongo-tools {@code
 * common/archive}): a magic number, a header document, a prelude of one metadata document per
 * namespace ended by a terminator, then interleaved namespace segments, each a namespace header,
 * raw BSON documents and a terminator; a namespace ends with a header marked {@code EOF} carrying
 * the CRC-64/XZ of all its documents, and a terminator.
 */
final class ArchiveFormat {

  /** The magic number, {@code 6d e2 99 81} on disk. */
  static final int MAGIC = 0x8199e26d;

  /** Ends the prelude and every segment: {@code ff ff ff ff}. */
  static final int TERMINATOR = -1;

  /** The archive format version mongodump writes in its header. */
  static final String VERSION = "0.1";

  /** The smallest BSON document, {@code {}}: a length and a zero byte. */
  static final int MIN_DOCUMENT = 5;

  /**
   * The largest document mongod stores internally (16 MiB + 16 KiB): oplog entries may reach it.
   */
  static final int MAX_DOCUMENT = 16 * 1024 * 1024 + 16 * 1024;

  private ArchiveFormat() {}

  /** The magic number as the 4 bytes that start an archive. */
  static ByteBuffer magic() {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, MAGIC);
  }

  /** The terminator as 4 bytes. */
  static ByteBuffer terminator() {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, TERMINATOR);
  }

  /** The raw bytes of a document. */
  static byte[] bytes(BsonDocument doc) {
    RawBsonDocument raw = new RawBsonDocument(doc, new BsonDocumentCodec());
    ByteBuffer b = raw.getByteBuffer().asNIO();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  /** A namespace header: {@code {db, collection, EOF, CRC}}. */
  static byte[] namespaceHeader(Namespace ns, boolean eof, long crc) {
    return bytes(
        new BsonDocument()
            .append("db", new BsonString(ns.db()))
            .append("collection", new BsonString(ns.collection()))
            .append("EOF", BsonBoolean.valueOf(eof))
            .append("CRC", new BsonInt64(crc)));
  }

  /**
   * The archive header: {@code {concurrent_collections, version, server_version, tool_version}}.
   */
  static byte[] header(int concurrentCollections, String serverVersion, String toolVersion) {
    return bytes(
        new BsonDocument()
            .append("concurrent_collections", new org.bson.BsonInt32(concurrentCollections))
            .append("version", new BsonString(VERSION))
            .append("server_version", new BsonString(serverVersion))
            .append("tool_version", new BsonString(toolVersion)));
  }
}
