package io.biowerk.dr.mongo;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import io.biowerk.dr.core.internal.ByteChannels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A streaming writer of mongodump's {@code --archive} format to a channel: magic and header, the
 * prelude, then segments of raw BSON documents per namespace, each namespace closed with its
 * CRC-64. Documents are written as the bytes given, never decoded.
 *
 * <p>The caller owns {@code out} and closes it; the writer does not. Not thread-safe: segments
 * produced on several threads are framed there with their own {@link NamespaceEncoder} and handed
 * to one writing thread.
 */
public final class ArchiveWriter {

  private final WritableByteChannel out;
  private final Map<Namespace, NamespaceEncoder> open = new LinkedHashMap<>();
  private boolean headerWritten;
  private boolean preludeWritten;
  private boolean finished;

  public ArchiveWriter(WritableByteChannel out) {
    this.out = checkNotNull(out, "out");
  }

  /** Writes the magic number and the header document mongodump writes. */
  public void writeHeader(int concurrentCollections, String serverVersion, String toolVersion)
      throws IOException {
    writeHeader(ArchiveFormat.header(concurrentCollections, serverVersion, toolVersion));
  }

  /** Writes the magic number and {@code header}, the raw bytes of a header document. */
  public void writeHeader(byte[] header) throws IOException {
    checkState(!headerWritten, "header already written");
    headerWritten = true;
    write(ArchiveFormat.magic(), ByteBuffer.wrap(header));
  }

  /** Writes the prelude: one metadata document per entry, then the terminator. */
  public void writePrelude(List<PreludeEntry> entries) throws IOException {
    checkState(headerWritten && !preludeWritten, "the prelude follows the header, once");
    preludeWritten = true;
    for (PreludeEntry entry : entries) {
      checkArgument(
          !open.containsKey(entry.namespace()),
          "namespace %s twice in the prelude",
          entry.namespace());
      open.put(entry.namespace(), new NamespaceEncoder(entry.namespace()));
      write(ByteBuffer.wrap(ArchiveFormat.bytes(entry.toBson())));
    }
    write(ArchiveFormat.terminator());
  }

  /**
   * Writes one segment of {@code namespace} holding {@code documents} (raw BSON, written as given).
   */
  public void writeSegment(Namespace namespace, List<ByteBuffer> documents) throws IOException {
    write(encoder(namespace).segment(documents));
  }

  /** Ends {@code namespace}: its EOF header with the CRC of its documents. */
  public void endNamespace(Namespace namespace) throws IOException {
    NamespaceEncoder encoder = encoder(namespace);
    open.remove(namespace);
    write(encoder.end());
  }

  /**
   * Checks that every namespace of the prelude has ended. Writes nothing: the archive has no
   * trailer.
   */
  public void finish() {
    checkState(preludeWritten, "no prelude written");
    checkState(open.isEmpty(), "namespaces not ended: %s", open.keySet());
    finished = true;
  }

  private NamespaceEncoder encoder(Namespace namespace) {
    checkState(preludeWritten && !finished, "segments follow the prelude");
    NamespaceEncoder encoder = open.get(namespace);
    checkArgument(encoder != null, "namespace %s is not in the prelude or has ended", namespace);
    return encoder;
  }

  private void write(ByteBuffer... buffers) throws IOException {
    for (ByteBuffer b : buffers) {
      ByteChannels.writeFully(out, b);
    }
  }
}
