package io.biowerk.dr.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogProvider;
import io.biowerk.dr.core.log.LogRetention;
import io.biowerk.dr.testkit.LogProviderContractTest;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.Test;

/**
 * The oplog provider under the log provider contract. Segments are real segment files as {@link
 * OplogReceiver} writes them (a mongodump archive holding only {@code local.oplog.rs}), each of
 * {@value #ENTRIES} no-op entries one second apart, so segment {@code k} holds the seconds {@code
 * BASE + 10k} to {@code BASE + 10k + 3}. A full backup's oplog slice is named by its {@code
 * oplogStart}/{@code oplogEnd} facts, as {@code DumpStream} records them.
 */
class OplogLogContractTest extends LogProviderContractTest {

  private static final int ENTRIES = 4;
  private static final int BASE = 1_760_000_000;

  @Override
  protected LogProvider provider() {
    return new OplogProvider();
  }

  @Override
  protected List<String> writeSegments(Path directory, int count) throws Exception {
    List<String> names = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      List<ByteBuffer> entries = new ArrayList<>();
      BsonTimestamp first = null;
      for (int e = 0; e < ENTRIES; e++) {
        BsonTimestamp ts = new BsonTimestamp(BASE + 10 * k + e, 1);
        first = first == null ? ts : first;
        BsonDocument entry =
            new BsonDocument("ts", ts)
                .append("t", new BsonInt64(1))
                .append("v", new BsonInt64(2))
                .append("op", new BsonString("n"))
                .append("ns", new BsonString(""))
                .append("o", new BsonDocument("msg", new BsonString("periodic noop")));
        entries.add(new RawBsonDocument(entry, new BsonDocumentCodec()).getByteBuffer().asNIO());
      }
      String name = OplogProvider.name(first);
      try (FileChannel out =
          FileChannel.open(
              directory.resolve(name), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ArchiveWriter writer = new ArchiveWriter(out);
        writer.writeHeader(1, "", "contract");
        writer.writePrelude(List.of(new PreludeEntry(Namespace.OPLOG, "", "collection")));
        writer.writeSegment(Namespace.OPLOG, entries);
        writer.endNamespace(Namespace.OPLOG);
        writer.finish();
      }
      names.add(name);
    }
    return names;
  }

  @Override
  protected BackupManifest baseBackup(String first, String last, Instant finishedAt) {
    return full(firstEntry(first), firstEntry(last), finishedAt);
  }

  /**
   * A full backup taken with {@code oplog=true} whose slice runs from {@code start} to {@code end}.
   */
  private static BackupManifest full(BsonTimestamp start, BsonTimestamp end, Instant finishedAt) {
    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put("topology", "replicaSet");
    facts.put("oplogStart", DumpStream.timestamp(start));
    facts.put("oplogEnd", DumpStream.timestamp(end));
    return manifest(facts, finishedAt);
  }

  private static BackupManifest manifest(Map<String, Object> facts, Instant finishedAt) {
    String id = "mongodb_" + finishedAt.getEpochSecond();
    return new BackupManifest(
        id,
        MongoSource.KIND,
        "contract",
        "mongodb://127.0.0.1/?replicaSet=rs0&oplog=true",
        "archive",
        finishedAt.minusSeconds(60),
        finishedAt,
        List.of(),
        Optional.empty(),
        0,
        0,
        "0".repeat(64),
        "0".repeat(64),
        "contract/daily/" + id + ".archive",
        facts);
  }

  private static BsonTimestamp firstEntry(String name) {
    String[] parts = name.split("-", -1);
    return new BsonTimestamp((int) Long.parseLong(parts[1]), (int) Long.parseLong(parts[2]));
  }

  private static BsonTimestamp inside(String name, int seconds) {
    BsonTimestamp first = firstEntry(name);
    return new BsonTimestamp(first.getTime() + seconds, 1);
  }

  private LogArchive pushed(List<String> names) throws Exception {
    LogArchive archive =
        LogArchive.of(
            InMemorySink.named("contract"), "contract", "oplog", List.of(), KeyRing.empty());
    for (String name : names) {
      Path file = dir.resolve(name);
      archive.push(provider().describe(name, file), file);
    }
    return archive;
  }

  @Test
  void theSegmentHoldingABackupsEndIsKeptThoughItStartsBeforeIt() throws Exception {
    List<String> s = writeSegments(dir, 6);
    LogArchive archive = pushed(s);
    Instant now = Instant.parse("2026-12-07T12:00:00Z");
    // the dump ran from the middle of segment 2 to the middle of segment 3, and ended before the
    // window: a restore to any time in the window replays from its end, inside segment 3
    BackupManifest base =
        full(inside(s.get(2), 2), inside(s.get(3), 2), now.minus(Duration.ofDays(8)));
    LogRetention.Plan plan =
        LogRetention.plan(
            archive, List.of(base), provider().chain().orElseThrow(), Duration.ofDays(7), now);
    assertThat(plan.deleted()).containsExactly(s.get(0), s.get(1));
    assertThat(plan.ranges().get(1).first()).isEqualTo(s.get(2));
    assertThat(plan.ranges().get(1).reason()).contains(base.id());
  }

  @Test
  void aGapAtABackupsEndKeepsTheSegmentBeforeIt() throws Exception {
    List<String> s = writeSegments(dir, 6);
    List<String> stored = new ArrayList<>(s);
    stored.remove(3); // the receiver was down: segment 3 never reached the archive
    LogArchive archive = pushed(stored);
    Instant now = Instant.parse("2026-12-07T12:00:00Z");
    BackupManifest base =
        full(inside(s.get(3), 1), inside(s.get(3), 2), now.minus(Duration.ofDays(8)));
    LogRetention.Plan plan =
        LogRetention.plan(
            archive, List.of(base), provider().chain().orElseThrow(), Duration.ofDays(7), now);
    // which segment holds the backup's end cannot be told: the one before the gap stays
    assertThat(plan.deleted()).containsExactly(s.get(0), s.get(1));
    assertThat(LogRetention.apply(plan)).isEqualTo(2);
    assertThat(archive.names()).containsExactly(s.get(2), s.get(4), s.get(5));
  }

  @Test
  void aBackupWithoutAnOplogSliceHasNoSpan() {
    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put("topology", "standalone");
    BackupManifest noSlice = manifest(facts, Instant.now());
    assertThat(provider().chain().orElseThrow().span(noSlice)).isEmpty();
    assertThat(provider().recovery(noSlice)).isEmpty();
  }
}
