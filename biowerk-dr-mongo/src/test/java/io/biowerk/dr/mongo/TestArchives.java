package io.biowerk.dr.mongo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test data: the real mongodump archive, and parsing helpers. */
final class TestArchives {

  private TestArchives() {}

  /**
   * The archive written by mongodump r4.1.3 with {@code --archive --oplog}, read from the shared
   * test data beside the project's root (not copied into the project).
   */
  static Path realArchive() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve("shared/testdata/mongodump/dump-w-oplog.archive");
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "shared/testdata/mongodump/dump-w-oplog.archive not found above "
            + Path.of("").toAbsolutePath()
            + ": it is the real mongodump archive these tests read");
  }

  static byte[] realArchiveBytes() throws IOException {
    return Files.readAllBytes(realArchive());
  }

  /** Every document of an archive per namespace, in order, with the summary. */
  record Parsed(
      ArchiveSummary summary, Map<Namespace, List<byte[]>> documents, List<byte[]> stream) {}

  static Parsed parse(byte[] archive) throws IOException {
    Map<Namespace, List<byte[]>> docs = new LinkedHashMap<>();
    List<byte[]> stream = new ArrayList<>();
    ArchiveSummary summary =
        new ArchiveReader(Channels.newChannel(new java.io.ByteArrayInputStream(archive)), true)
            .read(
                new ArchiveVisitor() {
                  @Override
                  public void prelude(List<PreludeEntry> entries) {
                    entries.forEach(e -> docs.put(e.namespace(), new ArrayList<>()));
                  }

                  @Override
                  public void document(Namespace namespace, byte[] document) {
                    docs.get(namespace).add(document);
                    stream.add(document);
                  }
                });
    return new Parsed(summary, docs, stream);
  }

  /**
   * Writes an archive holding {@code docs} per namespace, one segment per {@code perSegment}
   * documents.
   */
  static byte[] write(List<PreludeEntry> prelude, Map<Namespace, List<byte[]>> docs, int perSegment)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ArchiveWriter writer = new ArchiveWriter(Channels.newChannel(out));
    writer.writeHeader(4, "7.0.0", "biowerk-dr test");
    writer.writePrelude(prelude);
    // Interleave: one segment of each namespace in turn.
    Map<Namespace, Integer> next = new LinkedHashMap<>();
    prelude.forEach(e -> next.put(e.namespace(), 0));
    boolean more = true;
    while (more) {
      more = false;
      for (Map.Entry<Namespace, Integer> e : next.entrySet()) {
        List<byte[]> all = docs.getOrDefault(e.getKey(), List.of());
        int from = e.getValue();
        if (from < all.size()) {
          int to = Math.min(all.size(), from + perSegment);
          List<ByteBuffer> segment = new ArrayList<>();
          for (byte[] d : all.subList(from, to)) {
            segment.add(ByteBuffer.wrap(d));
          }
          writer.writeSegment(e.getKey(), segment);
          e.setValue(to);
          more = true;
        }
      }
    }
    for (Namespace ns : next.keySet()) {
      writer.endNamespace(ns);
    }
    writer.finish();
    return out.toByteArray();
  }
}
