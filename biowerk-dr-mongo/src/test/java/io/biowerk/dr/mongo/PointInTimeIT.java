package io.biowerk.dr.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import com.mongodb.client.model.Sorts;
import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.RecoveryRangeException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Point-in-time restore: a full backup with its oplog slice, archived oplog segments after it, and
 * a restore to a time between two batches of writes that holds the first and not the second;
 * targets outside the recoverable range are refused with the range.
 */
class PointInTimeIT {

  @TempDir Path repository;

  static void insert(MongoClient client, String db, int from, int to) {
    for (int i = from; i < to; i++) {
      client.getDatabase(db).getCollection("orders").insertOne(new Document("_id", i));
    }
  }

  static void waitForSecondAfter(long second) throws InterruptedException {
    while (Instant.now().getEpochSecond() <= second) {
      Thread.sleep(50);
    }
  }

  /**
   * Waits (bounded) until the receiver has stored a segment: it started, at the then newest entry,
   * so a backup taken afterwards ends inside the archive.
   */
  static void awaitStarted(LogArchive oplog) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (OplogReceiver.lastArchived(oplog).isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the oplog receiver stored no segment within 30 s");
      }
      Thread.sleep(50);
    }
  }

  /**
   * Waits (bounded) until the archive holds the server's newest oplog entry. The bound is generous:
   * with {@code segmentBytes=1} every one of 300 entries is a segment of its own (a data object and
   * a manifest each), which on the shared 2-core machine under a load average of 50 took longer
   * than 30 s (222 and 266 of 300 archived after 30 s, still advancing).
   */
  static void awaitArchived(LogArchive oplog, MongoClient client) throws Exception {
    BsonTimestamp newest =
        client
            .getDatabase("local")
            .getCollection("oplog.rs")
            .find()
            .sort(Sorts.descending("$natural"))
            .limit(1)
            .first()
            .get("ts", BsonTimestamp.class);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (OplogReceiver.lastArchived(oplog).map(t -> t.compareTo(newest) < 0).orElse(true)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "the archive did not reach the server's newest oplog entry "
                + OplogProvider.position(newest)
                + " within 120 s (it holds up to "
                + OplogReceiver.lastArchived(oplog).map(OplogProvider::position).orElse("nothing")
                + ")");
      }
      Thread.sleep(50);
    }
  }

  @Test
  void restoresToATimeBetweenTwoBatchesOfWrites() throws Exception {
    restoresBetweenTwoBatches("segmentSeconds=1", true);
  }

  /**
   * One entry a segment: most of batch A's segments end in the target second, and every one of them
   * is replayed, not just the first that reaches it.
   */
  @Test
  void segmentsEndingInsideTheTargetSecondAreAllReplayed() throws Exception {
    restoresBetweenTwoBatches("segmentSeconds=1&segmentBytes=1", false);
  }

  private void restoresBetweenTwoBatches(String receiverOptions, boolean checkRefusals)
      throws Exception {
    try (MongoServers source = MongoServers.start();
        MongoServers target = MongoServers.start();
        MongoClient client = source.client()) {
      String db = source.db("pitr");
      insert(client, db, 0, 100);
      LocalSink sink = LocalSink.open(repository);
      LogArchive oplog = LogArchive.of(sink, "mongodb", "oplog", List.of(), KeyRing.empty());
      OplogReceiver receiver = OplogReceiver.of(source.uri(receiverOptions));
      CompletableFuture<Void> receiving = OplogReceiverIT.start(receiver, oplog);
      awaitStarted(oplog);
      BackupManifest base =
          BackupJob.of(MongoSource.of(source.uri("oplog=true&include=" + db)))
              .sinks(sink)
              .build()
              .run();

      waitForSecondAfter(Instant.now().getEpochSecond());
      insert(client, db, 100, 200);
      long lastOfA = Instant.now().getEpochSecond();
      waitForSecondAfter(lastOfA + 1);
      insert(client, db, 200, 300);
      awaitArchived(oplog, client);
      receiver.close();
      receiving.get(30, TimeUnit.SECONDS);

      Instant time = Instant.ofEpochSecond(lastOfA);
      String to = target.db("pitr");
      MongoRestoreTarget restoreTarget =
          MongoRestoreTarget.of(target.uri("nsFrom=" + db + ".*&nsTo=" + to + ".*"), false);
      MongoPointInTime.Result result =
          MongoPointInTime.restore(
              sink, KeyRing.empty(), List.of(base), oplog, time, restoreTarget);
      assertThat(result.baseBackup()).isEqualTo(base.id());
      assertThat(result.entriesReplayed()).isGreaterThan(0);
      try (MongoClient into = target.client()) {
        Set<Object> ids = new HashSet<>();
        into.getDatabase(to).getCollection("orders").find().forEach(d -> ids.add(d.get("_id")));
        Set<Object> expected = new HashSet<>();
        for (int i = 0; i < 200; i++) {
          expected.add(i);
        }
        assertThat(ids).isEqualTo(expected);
      }
      if (!checkRefusals) {
        return;
      }

      Instant beforeBase = Instant.ofEpochSecond(1);
      assertThatThrownBy(
              () ->
                  MongoPointInTime.restore(
                      sink, KeyRing.empty(), List.of(base), oplog, beforeBase, restoreTarget))
          .isInstanceOf(RecoveryRangeException.class)
          .hasMessageStartingWith(
              "mongodb point-in-time restore: no full backup taken with oplog=true ended by "
                  + "1970-01-01T00:00:01Z (recoverable: ")
          .hasMessageEndingWith(", inclusive); choose a time in that range");
      Instant future = Instant.now().plusSeconds(3600);
      assertThatThrownBy(
              () ->
                  MongoPointInTime.restore(
                      sink, KeyRing.empty(), List.of(base), oplog, future, restoreTarget))
          .isInstanceOf(RecoveryRangeException.class)
          .hasMessageStartingWith("mongodb point-in-time restore: the archived oplog ends at ")
          .hasMessageContaining("or check that the oplog receiver runs");
    }
  }

  @Test
  void aSegmentMissingFromTheArchiveIsAGapNotReplayedAcross() throws Exception {
    try (MongoServers source = MongoServers.start();
        MongoServers target = MongoServers.start();
        MongoClient client = source.client()) {
      String db = source.db("gap");
      insert(client, db, 0, 10);
      LocalSink sink = LocalSink.open(repository);
      LogArchive oplog = LogArchive.of(sink, "mongodb", "oplog", List.of(), KeyRing.empty());
      OplogReceiver receiver = OplogReceiver.of(source.uri("segmentSeconds=1"));
      CompletableFuture<Void> receiving = OplogReceiverIT.start(receiver, oplog);
      awaitStarted(oplog);
      BackupManifest base =
          BackupJob.of(MongoSource.of(source.uri("oplog=true&include=" + db)))
              .sinks(sink)
              .build()
              .run();
      // Three batches, each in its own segment: the receiver stores a segment once it is a second
      // old, and each batch waits until the one before is stored.
      for (int batch = 1; batch <= 3; batch++) {
        waitForSecondAfter(Instant.now().getEpochSecond());
        insert(client, db, batch * 100, batch * 100 + 10);
        awaitArchived(oplog, client);
      }
      // The target is the second of the last archived entry: the archive covers it, so only the
      // hole in the middle stands in the way.
      long last = Integer.toUnsignedLong(OplogReceiver.lastArchived(oplog).orElseThrow().getTime());
      receiver.close();
      receiving.get(30, TimeUnit.SECONDS);

      List<String> names = new java.util.ArrayList<>(oplog.names());
      names.sort(null);
      assertThat(names).hasSizeGreaterThanOrEqualTo(4);
      String lost = names.get(names.size() - 2);
      oplog.delete(lost);

      Instant time = Instant.ofEpochSecond(last);
      String to = target.db("gap");
      MongoRestoreTarget restoreTarget =
          MongoRestoreTarget.of(target.uri("nsFrom=" + db + ".*&nsTo=" + to + ".*"), false);
      assertThatThrownBy(
              () ->
                  MongoPointInTime.restore(
                      sink, KeyRing.empty(), List.of(base), oplog, time, restoreTarget))
          .isInstanceOf(RecoveryRangeException.class)
          .hasMessageStartingWith(
              "mongodb point-in-time restore: gap in the archived oplog between ")
          .hasMessageContaining("the entries between them are missing")
          .hasMessageEndingWith(
              "or take a new full backup with oplog=true and restore to a time after it")
          .satisfies(
              e ->
                  assertThat(((RecoveryRangeException) e).missingSegment())
                      .isEqualTo(Optional.of(names.get(names.size() - 1))));
      try (MongoClient into = target.client()) {
        assertThat(into.getDatabase(to).getCollection("orders").countDocuments()).isZero();
      }
    }
  }
}
