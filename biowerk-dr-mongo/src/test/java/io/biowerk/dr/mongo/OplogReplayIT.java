package io.biowerk.dr.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import com.mongodb.client.model.Filters;
import io.biowerk.dr.core.IntegrityException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * The oplog slice: replayed from an archive built by hand (every kind of entry, deterministic), and
 * taken live during a dump while a writer inserts, so the restore is consistent at the dump's end.
 */
class OplogReplayIT {

  static byte[] op(String json) {
    return ArchiveFormat.bytes(BsonDocument.parse(json));
  }

  static byte[] archiveWith(List<byte[]> oplog) throws Exception {
    PreludeEntry c = ArchiveFormatTest.entry("ops", "c");
    Map<Namespace, List<byte[]>> docs = new LinkedHashMap<>();
    docs.put(
        c.namespace(), List.of(op("{_id: 1, a: 1}"), op("{_id: 2, a: 2}"), op("{_id: 3, a: 3}")));
    docs.put(Namespace.OPLOG, oplog);
    return TestArchives.write(
        List.of(c, new PreludeEntry(Namespace.OPLOG, "", "collection")), docs, 100);
  }

  static String ts(int i) {
    return "{$timestamp: {t: 1700000000, i: " + i + "}}";
  }

  @Test
  void everyKindOfEntryReplaysInOrder() throws Exception {
    List<byte[]> oplog =
        List.of(
            op("{ts: " + ts(1) + ", op: 'i', ns: 'ops.c', o: {_id: 4, a: 4}}"),
            op("{ts: " + ts(2) + ", op: 'i', ns: 'ops.c', o: {_id: 1, a: 1}}"),
            op("{ts: " + ts(3) + ", op: 'u', ns: 'ops.c', o2: {_id: 1}, o: {$set: {a: 10}}}"),
            op(
                "{ts: "
                    + ts(4)
                    + ", op: 'u', ns: 'ops.c', o2: {_id: 2}, o: {$v: 2, diff: {u: {a: 20}, i: {b: 'new'}, "
                    + "sn: {i: {x: 1}}}}}"),
            op(
                "{ts: "
                    + ts(5)
                    + ", op: 'u', ns: 'ops.c', o2: {_id: 3}, o: {_id: 3, replaced: true}}"),
            op("{ts: " + ts(6) + ", op: 'd', ns: 'ops.c', o: {_id: 4}}"),
            op("{ts: " + ts(7) + ", op: 'c', ns: 'ops.$cmd', o: {create: 'made'}}"),
            op("{ts: " + ts(8) + ", op: 'i', ns: 'ops.made', o: {_id: 'm'}}"),
            op(
                "{ts: "
                    + ts(9)
                    + ", op: 'c', ns: 'admin.$cmd', o: {applyOps: [{op: 'i', ns: 'ops.c', o: {_id: 5}}, "
                    + "{op: 'u', ns: 'ops.c', o2: {_id: 5}, o: {$set: {t: true}}}]}}"),
            op("{ts: " + ts(10) + ", op: 'n', ns: '', o: {msg: 'periodic noop'}}"),
            op("{ts: " + ts(11) + ", op: 'i', ns: 'config.system.sessions', o: {_id: 's'}}"));
    byte[] archive = archiveWith(oplog);
    try (MongoServers servers = MongoServers.start();
        MongoClient client = servers.client()) {
      String db = servers.db("replayed");
      Runs.restore(
          MongoRestoreTarget.of(servers.uri("nsFrom=ops.*&nsTo=" + db + ".*"), false),
          Runs.manifest(Map.of()),
          archive);
      List<BsonDocument> docs =
          client
              .getDatabase(db)
              .getCollection("c", BsonDocument.class)
              .find()
              .sort(new Document("_id", 1))
              .into(new ArrayList<>());
      assertThat(docs)
          .containsExactly(
              BsonDocument.parse("{_id: 1, a: 10}"),
              BsonDocument.parse("{_id: 2, a: 20, b: 'new', n: {x: 1}}"),
              BsonDocument.parse("{_id: 3, replaced: true}"),
              BsonDocument.parse("{_id: 5, t: true}"));
      assertThat(client.getDatabase(db).getCollection("made").countDocuments()).isEqualTo(1);
      assertThat(client.getDatabase("config").listCollectionNames().into(new ArrayList<>()))
          .doesNotContain("system.sessions");

      String plain = servers.db("unreplayed");
      Runs.restore(
          MongoRestoreTarget.of(
              servers.uri("oplogReplay=false&nsFrom=ops.*&nsTo=" + plain + ".*"), false),
          Runs.manifest(Map.of()),
          archive);
      assertThat(client.getDatabase(plain).getCollection("c").countDocuments()).isEqualTo(3);
    }
  }

  @Test
  void anEntryThatCannotBeReplayedStopsTheRestoreWithWhatToDo() throws Exception {
    byte[] archive =
        archiveWith(
            List.of(
                op(
                    "{ts: "
                        + ts(1)
                        + ", op: 'u', ns: 'ops.c', o2: {_id: 1}, o: {$v: 2, "
                        + "diff: {sarr: {a: true, u0: 5}}}}")));
    try (MongoServers servers = MongoServers.start()) {
      String db = servers.db("array");
      assertThatThrownBy(
              () ->
                  Runs.restore(
                      MongoRestoreTarget.of(servers.uri("nsFrom=ops.*&nsTo=" + db + ".*"), false),
                      Runs.manifest(Map.of()),
                      archive))
          .isInstanceOf(IntegrityException.class)
          .hasMessage(
              "mongodb restore: the oplog entry at Timestamp(1700000000, 1) on ops.c is an array update diff, which this restore cannot replay; restore with "
                  + "oplogReplay=false (the data is then as of the dump's start, not its end)");
    }
  }

  @Test
  void aDumpWithOplogRestoresConsistentlyAtItsEnd() throws Exception {
    try (MongoServers source = MongoServers.start();
        MongoServers target = MongoServers.start();
        MongoClient client = source.client()) {
      String db = source.db("live");
      MongoFailureIT.fill(source, db, "bulk", 12);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger next = new AtomicInteger(1_000_000);
      Thread writer =
          new Thread(
              () -> {
                while (!stop.get()) {
                  client
                      .getDatabase(db)
                      .getCollection("bulk")
                      .insertOne(new Document("_id", next.getAndIncrement()));
                }
              });
      writer.start();
      Runs.Backup backup;
      try {
        Thread.sleep(100);
        backup = Runs.backup(MongoSource.of(source.uri("oplog=true&include=" + db)));
      } finally {
        stop.set(true);
        writer.join();
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> end = (Map<String, Object>) backup.facts().get("oplogEnd");
      BsonTimestamp endTs =
          new BsonTimestamp(((Number) end.get("t")).intValue(), ((Number) end.get("i")).intValue());
      assertThat((Long) backup.facts().get("oplogEntries")).isPositive();

      // What the restore must hold: everything inserted up to the dump's end, nothing after.
      Set<Object> expected = new HashSet<>();
      client.getDatabase(db).getCollection("bulk").find().forEach(d -> expected.add(d.get("_id")));
      client
          .getDatabase("local")
          .getCollection("oplog.rs")
          .find(Filters.and(Filters.eq("ns", db + ".bulk"), Filters.gt("ts", endTs)))
          .forEach(d -> expected.remove(((Document) d.get("o")).get("_id")));

      String to = target.db("live");
      Runs.restore(
          MongoRestoreTarget.of(target.uri("nsFrom=" + db + ".*&nsTo=" + to + ".*"), false),
          backup.manifest(),
          backup.bytes());
      try (MongoClient into = target.client()) {
        Set<Object> restored = new HashSet<>();
        into.getDatabase(to).getCollection("bulk").find().forEach(d -> restored.add(d.get("_id")));
        assertThat(restored).isEqualTo(expected);
        assertThat(restored.size()).isGreaterThan(12 * 1024);
      }
    }
  }
}
