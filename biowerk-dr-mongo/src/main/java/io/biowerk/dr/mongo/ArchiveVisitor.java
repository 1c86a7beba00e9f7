package io.biowerk.dr.mongo;

import java.io.IOException;
import java.util.List;
import org.bson.BsonDocument;

/**
 * What an {@link ArchiveReader} reports while it parses an archive, in archive order. Every method
 * has an empty default, so a visitor implements what it needs. A method that throws stops the parse
 * with that exception.
 */
public interface ArchiveVisitor {

  /**
   * The archive header ({@code concurrent_collections}, {@code version}, {@code
   * server_version}...).
   */
  default void header(BsonDocument header) throws IOException {}

  /** The whole prelude, once, before any document. */
  default void prelude(List<PreludeEntry> entries) throws IOException {}

  /**
   * One document of {@code namespace}, as raw BSON. The visitor owns {@code document} from here on
   * (the reader allocates a new array per document).
   */
  default void document(Namespace namespace, byte[] document) throws IOException {}

  /** {@code namespace} ended with {@code count} documents whose CRC-64 matched its EOF header. */
  default void namespaceEnd(Namespace namespace, long count) throws IOException {}
}
