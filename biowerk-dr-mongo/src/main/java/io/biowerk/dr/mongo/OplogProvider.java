package io.biowerk.dr.mongo;

import static com.google.common.base.Preconditions.checkArgument;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.log.LogChain;
import io.biowerk.dr.core.log.LogProvider;
import io.biowerk.dr.core.log.LogReceiver;
import io.biowerk.dr.core.log.LogRecovery;
import io.biowerk.dr.core.log.LogSegmentInfo;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;

/**
 * MongoDB's oplog as the repository archives it ({@code <source>/oplog/}): segments written by
 * {@link OplogReceiver}, each a small mongodump archive holding only the oplog namespace (so {@code
 * mongorestore --oplogReplay --archive=<segment>} can replay one too), named after its first
 * entry's timestamp ({@code oplog-1700000000-0000000001}), with the first and last entry's
 * timestamps as positions ({@code 1700000000:1}). {@link #recovery} offers point-in-time restore
 * ({@link MongoRecovery}) for full backups taken with {@code oplog=true}.
 */
public final class OplogProvider implements LogProvider {

  static final String LOG = "oplog";

  @Override
  public String log() {
    return LOG;
  }

  @Override
  public String description() {
    return "MongoDB's operation log";
  }

  @Override
  public LogSegmentInfo describe(String name, Path file) throws IOException {
    checkArgument(
        name != null && name.matches("oplog-\\d{10}-\\d{10}"),
        "oplog segment name (%s) must be oplog-<10-digit seconds>-<10-digit increment>, as the"
            + " oplog receiver names its segments",
        name);
    List<BsonTimestamp> first = new ArrayList<>(1);
    BsonTimestamp[] last = new BsonTimestamp[1];
    long count;
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      ArchiveSummary summary =
          new ArchiveReader(in, false)
              .read(
                  new ArchiveVisitor() {
                    @Override
                    public void document(Namespace namespace, byte[] document) {
                      BsonTimestamp ts = new RawBsonDocument(document).getTimestamp("ts");
                      if (first.isEmpty()) {
                        first.add(ts);
                      }
                      last[0] = ts;
                    }
                  });
      count = summary.oplogEntries();
    }
    checkArgument(!first.isEmpty(), "oplog segment %s holds no entries", name);
    LogSegmentInfo info = info(first.get(0), last[0], count);
    if (!info.name().equals(name)) {
      throw new IOException(
          "oplog segment "
              + name
              + ": its first entry names it "
              + info.name()
              + "; push each segment file under the name its first entry gives it");
    }
    return info;
  }

  /**
   * The fact naming the entry a segment directly follows in the server's oplog (the previous
   * segment's last entry, or the entry the receiver resumed from): absent on the first segment of a
   * receiver's first run, which starts at the newest entry with nothing proven before it.
   */
  static final String AFTER = "after";

  /** The segment holding {@code count} entries from {@code first} to {@code last}. */
  static LogSegmentInfo info(BsonTimestamp first, BsonTimestamp last, long count) {
    return info(first, last, count, null);
  }

  /**
   * The segment holding {@code count} entries from {@code first} to {@code last}, directly after
   * the entry {@code after} (null if unknown).
   */
  static LogSegmentInfo info(
      BsonTimestamp first, BsonTimestamp last, long count, BsonTimestamp after) {
    Map<String, Object> facts = new java.util.LinkedHashMap<>();
    facts.put("entries", count);
    if (after != null) {
      facts.put(AFTER, position(after));
    }
    return new LogSegmentInfo(
        name(first),
        position(first),
        position(last),
        Optional.of(Instant.ofEpochSecond(first.getTime())),
        Optional.of(Instant.ofEpochSecond(last.getTime())),
        facts);
  }

  static String name(BsonTimestamp first) {
    return String.format(
        "oplog-%010d-%010d",
        Integer.toUnsignedLong(first.getTime()), Integer.toUnsignedLong(first.getInc()));
  }

  /** {@code seconds:increment}. */
  static String position(BsonTimestamp ts) {
    return Integer.toUnsignedLong(ts.getTime()) + ":" + Integer.toUnsignedLong(ts.getInc());
  }

  /** Parses {@link #position}. */
  static BsonTimestamp parsePosition(String position) {
    int colon = position.indexOf(':');
    checkArgument(colon > 0, "oplog position (%s) must be seconds:increment", position);
    return new BsonTimestamp(
        (int) Long.parseLong(position.substring(0, colon)),
        (int) Long.parseLong(position.substring(colon + 1)));
  }

  @Override
  public LogReceiver receiver(URI uri) {
    return OplogReceiver.of(uri);
  }

  /** Retention keeps the segments from each kept full backup's oplog slice onwards. */
  @Override
  public Optional<LogChain> chain() {
    return Optional.of(new OplogChain());
  }

  @Override
  public Optional<LogRecovery> recovery(BackupManifest base) {
    if (base.sourceKind().equals(MongoSource.KIND)
        && base.facts().get("oplogEnd") instanceof Map<?, ?>) {
      return Optional.of(new MongoRecovery());
    }
    return Optional.empty();
  }
}
