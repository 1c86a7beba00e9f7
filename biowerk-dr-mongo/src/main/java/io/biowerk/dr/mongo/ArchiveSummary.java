package io.biowerk.dr.mongo;

import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;

/**
 * What a complete, intact archive holds: its header, its prelude, and per namespace the document
 * count and CRC-64, in the order the namespaces ended.
 *
 * @param header the header document
 * @param prelude the prelude entries in archive order
 * @param counts documents per namespace, the oplog slice included
 * @param crcs the CRC-64/XZ of each namespace's documents
 * @param size the archive's length in bytes
 */
public record ArchiveSummary(
    BsonDocument header,
    List<PreludeEntry> prelude,
    Map<Namespace, Long> counts,
    Map<Namespace, Long> crcs,
    long size) {

  /** Documents in all namespaces except the oplog slice. */
  public long documents() {
    return counts.entrySet().stream()
        .filter(e -> !e.getKey().isOplog())
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /** Entries in the oplog slice; 0 when the archive has none. */
  public long oplogEntries() {
    return counts.getOrDefault(Namespace.OPLOG, 0L);
  }

  /** One line: namespaces, documents, oplog entries. */
  public String describe() {
    long namespaces = counts.keySet().stream().filter(n -> !n.isOplog()).count();
    return namespaces
        + " namespaces, "
        + documents()
        + " documents"
        + (counts.containsKey(Namespace.OPLOG)
            ? ", oplog slice of " + oplogEntries() + " entries"
            : "")
        + ", every CRC-64 matching";
  }
}
