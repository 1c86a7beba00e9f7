package io.biowerk.dr.mongo;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.log.LogChain;
import io.biowerk.dr.core.log.LogSpan;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import org.bson.BsonTimestamp;

/**
 * How MongoDB's archived oplog hangs together, for retention: a full backup taken with {@code
 * oplog=true} records the oplog slice it holds ({@code oplogStart} to {@code oplogEnd}); a
 * point-in-time restore from it replays the archived segments from the one holding {@code oplogEnd}
 * onwards. Its span is named by those two timestamps in segment-name form ({@code
 * oplog-<seconds>-<increment>}), which sort between the names of the segments holding them, so
 * {@link io.biowerk.dr.core.log.LogRetention} keeps the segment each one falls into. When the
 * archive has a gap there, the segment before the gap is kept rather than deleted. A segment needs
 * no other object. Stateless.
 */
final class OplogChain implements LogChain {

  @Override
  public Optional<LogSpan> span(BackupManifest base) {
    if (!base.sourceKind().equals(MongoSource.KIND)) {
      return Optional.empty();
    }
    Optional<BsonTimestamp> end = timestamp(base.facts().get("oplogEnd"));
    if (end.isEmpty()) {
      return Optional.empty();
    }
    BsonTimestamp start = timestamp(base.facts().get("oplogStart")).orElse(end.get());
    String first = OplogProvider.name(start);
    String last = OplogProvider.name(end.get());
    return Optional.of(
        first.compareTo(last) <= 0 ? new LogSpan(first, last) : new LogSpan(last, last));
  }

  @Override
  public Set<String> companions(String name, SortedSet<String> names) {
    return Set.of();
  }

  private static Optional<BsonTimestamp> timestamp(Object fact) {
    if (fact instanceof Map<?, ?> m
        && m.get("t") instanceof Number t
        && m.get("i") instanceof Number i) {
      return Optional.of(new BsonTimestamp((int) t.longValue(), (int) i.longValue()));
    }
    return Optional.empty();
  }
}
