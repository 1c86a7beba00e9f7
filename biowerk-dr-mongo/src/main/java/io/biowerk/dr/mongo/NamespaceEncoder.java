package io.biowerk.dr.mongo;

import static com.google.common.base.Preconditions.checkState;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Frames one namespace's documents into archive segments and keeps its running CRC-64 and count, so
 * that the namespace's end header carries the checksum of everything framed before it.
 *
 * <p>Not thread-safe: one thread (the one reading the collection) owns one encoder.
 */
final class NamespaceEncoder {

  private final Namespace namespace;
  private final Crc64 crc = new Crc64();
  private long count;
  private long bytes;
  private boolean ended;

  NamespaceEncoder(Namespace namespace) {
    this.namespace = namespace;
  }

  Namespace namespace() {
    return namespace;
  }

  /** Documents framed so far. */
  long count() {
    return count;
  }

  /** Document bytes framed so far. */
  long bytes() {
    return bytes;
  }

  /**
   * Frames {@code documents} as one segment: header, the documents, terminator. The returned
   * buffers share the documents' content (no copy); the caller must not change the documents until
   * they are written.
   */
  ByteBuffer[] segment(List<ByteBuffer> documents) {
    checkState(!ended, "namespace %s already ended", namespace);
    ByteBuffer[] out = new ByteBuffer[documents.size() + 2];
    out[0] = ByteBuffer.wrap(ArchiveFormat.namespaceHeader(namespace, false, 0));
    int i = 1;
    for (ByteBuffer doc : documents) {
      ByteBuffer d = doc.duplicate();
      crc.update(d);
      count++;
      bytes += d.remaining();
      out[i++] = d;
    }
    out[i] = ArchiveFormat.terminator();
    return out;
  }

  /**
   * The namespace's end: a header marked EOF with the CRC of every document framed, and a
   * terminator.
   */
  ByteBuffer[] end() {
    checkState(!ended, "namespace %s already ended", namespace);
    ended = true;
    long value = count == 0 ? 0 : crc.value();
    return new ByteBuffer[] {
      ByteBuffer.wrap(ArchiveFormat.namespaceHeader(namespace, true, value)),
      ArchiveFormat.terminator()
    };
  }
}
