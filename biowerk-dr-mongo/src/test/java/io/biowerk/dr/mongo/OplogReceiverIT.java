package io.biowerk.dr.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import com.mongodb.client.model.Filters;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogProvider;
import io.biowerk.dr.core.log.LogSegment;
import io.biowerk.dr.core.log.LogSegmentInfo;
import io.biowerk.dr.core.log.Logs;
import io.biowerk.dr.core.log.RecoveryRangeException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continuous oplog archiving against the in-process server's oplog (tailable cursors): segments
 * bounded in time, every entry archived once across restarts, and a gap refused loudly.
 */
class OplogReceiverIT {

  @TempDir Path repository;

  /** Every entry stored in the archive, in segment order. */
  static List<BsonTimestamp> archived(LogArchive archive) throws IOException {
    List<BsonTimestamp> out = new ArrayList<>();
    List<String> names = new ArrayList<>(archive.names());
    names.sort(null);
    for (String name : names) {
      Path file = Files.createTempFile("segment", ".archive");
      try {
        assertThat(archive.fetch(name, file)).isTrue();
        TestArchives.parse(Files.readAllBytes(file))
            .documents()
            .get(Namespace.OPLOG)
            .forEach(d -> out.add(new RawBsonDocument(d).getTimestamp("ts")));
        LogSegmentInfo info = new OplogProvider().describe(name, file);
        LogSegment stored = archive.segment(name).orElseThrow();
        assertThat(stored.firstPosition()).isEqualTo(info.firstPosition());
        assertThat(stored.lastPosition()).isEqualTo(info.lastPosition());
      } finally {
        Files.delete(file);
      }
    }
    return out;
  }

  static CompletableFuture<Void> start(OplogReceiver receiver, LogArchive archive) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            receiver.run(archive);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
  }

  static void insert(MongoClient client, String db, int from, int count)
      throws InterruptedException {
    for (int i = from; i < from + count; i++) {
      client.getDatabase(db).getCollection("events").insertOne(new Document("_id", i));
      if (i % 50 == 0) {
        Thread.sleep(20);
      }
    }
  }

  @Test
  void theProviderIsFoundByLogName() throws Exception {
    LogProvider provider = Logs.forLog("oplog");
    assertThat(provider).isInstanceOf(OplogProvider.class);
    assertThat(provider.recovery(Runs.manifest(Map.of()))).isEmpty();
  }

  @Test
  void everyEntryIsArchivedOnceAcrossRestarts() throws Exception {
    try (MongoServers servers = MongoServers.start();
        MongoClient client = servers.client()) {
      String db = servers.db("tail");
      client.getDatabase(db).getCollection("events").insertOne(new Document("_id", -1));
      LogArchive archive =
          LogArchive.of(LocalSink.open(repository), "mongodb", "oplog", List.of(), KeyRing.empty());
      URI uri = servers.uri("segmentSeconds=1");

      OplogReceiver first = OplogReceiver.of(uri);
      CompletableFuture<Void> running = start(first, archive);
      Thread.sleep(700);
      insert(client, db, 0, 200);
      Thread.sleep(1500);
      insert(client, db, 200, 200);
      Thread.sleep(1500);
      first.close();
      running.get(30, TimeUnit.SECONDS);
      assertThat(archive.names()).hasSizeGreaterThanOrEqualTo(2); // time-bounded segments

      insert(client, db, 400, 300); // while no receiver runs
      OplogReceiver second = OplogReceiver.of(uri);
      running = start(second, archive);
      insert(client, db, 700, 100);
      Thread.sleep(1500);
      second.close();
      running.get(30, TimeUnit.SECONDS);

      // The archive holds the server's oplog from the first run's start, each entry once, in order.
      List<BsonTimestamp> stored = archived(archive);
      List<BsonTimestamp> expected = new ArrayList<>();
      client
          .getDatabase("local")
          .getCollection("oplog.rs")
          .find(Filters.gte("ts", stored.get(0)))
          .forEach(d -> expected.add((BsonTimestamp) d.get("ts")));
      assertThat(stored).isEqualTo(expected);
      assertThat(stored.size()).isGreaterThanOrEqualTo(800);
      assertThat(archive.segment(archive.names().get(0)).orElseThrow().firstTime()).isPresent();
    }
  }

  @Test
  void aGapInTheServersOplogFailsLoudly() throws Exception {
    try (MongoServers servers = MongoServers.start();
        MongoClient client = servers.client()) {
      client
          .getDatabase(servers.db("gap"))
          .getCollection("events")
          .insertOne(new Document("_id", 1));
      LogArchive archive =
          LogArchive.of(LocalSink.open(repository), "mongodb", "oplog", List.of(), KeyRing.empty());
      // An archive whose last entry (1:1) the server's oplog does not hold any more.
      Path file = Files.createTempFile("segment", ".archive");
      Files.write(
          file,
          TestArchives.write(
              List.of(new PreludeEntry(Namespace.OPLOG, "", "collection")),
              Map.of(
                  Namespace.OPLOG,
                  List.of(
                      OplogReplayIT.op(
                          "{ts: {$timestamp: {t: 1, i: 1}}, op: 'n', ns: '', " + "o: {}}"))),
              10));
      archive.push(OplogProvider.info(new BsonTimestamp(1, 1), new BsonTimestamp(1, 1), 1), file);
      Files.delete(file);

      OplogReceiver receiver = OplogReceiver.of(servers.uri(""));
      assertThatThrownBy(() -> receiver.run(archive))
          .isInstanceOf(RecoveryRangeException.class)
          .hasMessageStartingWith(
              "mongodb oplog receiver: the server's oplog no longer reaches back to 1:1, the "
                  + "last archived entry (its oldest entry is ")
          .hasMessageEndingWith(
              "point-in-time recovery is broken from there until the next full backup; take a "
                  + "full backup with oplog=true now, enlarge the oplog (replSetResizeOplog), then start the receiver "
                  + "again")
          .satisfies(
              e ->
                  assertThat(((RecoveryRangeException) e).missingSegment())
                      .isEqualTo(Optional.of("oplog-0000000001-0000000001")));
    }
  }
}
