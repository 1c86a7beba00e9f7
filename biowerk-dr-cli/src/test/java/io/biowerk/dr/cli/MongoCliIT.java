package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Sorts;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogSegment;
import io.biowerk.dr.mongo.OplogReceiver;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MongoDB point-in-time recovery through the CLI against in-process MongoDB servers ({@code
 * mongo-java-server}, wire protocol, oplog enabled): {@code backup mongodb://...?oplog=true}, the
 * oplog receiver archiving segments under {@code mongodb/oplog/}, then {@code restore
 * latest:mongodb mongodb://... --target-time T} holds exactly the writes up to T; {@code --target
 * immediate} gives the backup alone; {@code oplog-status} shows the window and the RPO; a time
 * outside the window is refused with the recoverable range and nothing restored; an existing
 * collection is refused without {@code --force}.
 */
class MongoCliIT {

  @TempDir Path dir;
  Path repo;
  Path keyFile;
  Cli cli;
  IsolatedMongoServer source;
  IsolatedMongoServer target;
  String sourceUri;
  String targetUri;

  @BeforeEach
  void start() throws Exception {
    cli = new Cli(dir.resolve("cli"));
    repo = dir.resolve("repo");
    keyFile = dir.resolve("keys/master.key");
    KeyFile.at(keyFile).create(Clock.systemUTC());
    source = IsolatedMongoServer.start();
    target = IsolatedMongoServer.start();
    sourceUri = source.uri();
    targetUri = target.uri();
  }

  @AfterEach
  void stop() throws IOException {
    source.close();
    target.close();
  }

  String[] withRepo(String... args) {
    return Stream.concat(
            Stream.of(args), Stream.of("--repo", repo.toString(), "--key-file", keyFile.toString()))
        .toArray(String[]::new);
  }

  static void insert(MongoClient client, int from, int to) {
    for (int i = from; i < to; i++) {
      client.getDatabase("shop").getCollection("orders").insertOne(new Document("_id", i));
    }
  }

  static void waitForSecondAfter(long second) throws InterruptedException {
    while (Instant.now().getEpochSecond() <= second) {
      Thread.sleep(50);
    }
  }

  static Optional<BsonTimestamp> lastArchived(LogArchive oplog) throws IOException {
    BsonTimestamp newest = null;
    for (String name : oplog.names()) {
      Optional<LogSegment> segment = oplog.segment(name);
      if (segment.isPresent()) {
        String[] p = segment.get().lastPosition().split(":", -1);
        BsonTimestamp ts =
            new BsonTimestamp((int) Long.parseLong(p[0]), (int) Long.parseLong(p[1]));
        if (newest == null || ts.compareTo(newest) > 0) {
          newest = ts;
        }
      }
    }
    return Optional.ofNullable(newest);
  }

  static void awaitArchived(LogArchive oplog, BsonTimestamp at) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (lastArchived(oplog).map(t -> t.compareTo(at) < 0).orElse(true)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the oplog receiver did not archive " + at + " within 30 s");
      }
      Thread.sleep(50);
    }
  }

  static BsonTimestamp newestEntry(MongoClient client) {
    return client
        .getDatabase("local")
        .getCollection("oplog.rs")
        .find()
        .sort(Sorts.descending("$natural"))
        .limit(1)
        .first()
        .get("ts", BsonTimestamp.class);
  }

  Set<Object> ids(String db) {
    Set<Object> ids = new HashSet<>();
    try (MongoClient into = MongoClients.create(targetUri)) {
      into.getDatabase(db).getCollection("orders").find().forEach(d -> ids.add(d.get("_id")));
    }
    return ids;
  }

  static Set<Object> range(int from, int to) {
    Set<Object> expected = new HashSet<>();
    for (int i = from; i < to; i++) {
      expected.add(i);
    }
    return expected;
  }

  @Test
  void restoresToATimeThroughTheCliAndRefusesOutsideTheWindow() throws Exception {
    long lastOfA;
    try (MongoClient client = MongoClients.create(sourceUri)) {
      insert(client, 0, 100);
      // The receiver is the CLI's oplog-receive through the same provider; run embedded so the
      // test can stop it. Segments are unencrypted, the backup encrypted: restore reads both.
      LogArchive oplog =
          LogArchive.of(LocalSink.open(repo), "mongodb", "oplog", List.of(), KeyRing.empty());
      OplogReceiver receiver =
          OplogReceiver.of(java.net.URI.create(sourceUri + "&segmentSeconds=1"));
      CompletableFuture<Void> receiving =
          CompletableFuture.runAsync(
              () -> {
                try {
                  receiver.run(oplog);
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      awaitArchived(oplog, newestEntry(client));
      cli.clock.set(Instant.now());
      Cli.Result backup = cli.run(withRepo("backup", sourceUri + "&oplog=true"));
      assertThat(backup.code()).as(backup.toString()).isZero();

      waitForSecondAfter(Instant.now().getEpochSecond());
      insert(client, 100, 200);
      lastOfA = Instant.now().getEpochSecond();
      waitForSecondAfter(lastOfA + 1);
      insert(client, 200, 300);
      awaitArchived(oplog, newestEntry(client));
      receiver.close();
      receiving.get(30, TimeUnit.SECONDS);
    }
    cli.clock.set(Instant.now());

    Cli.Result status = cli.run(withRepo("oplog-status", "--source", "mongodb"));
    assertThat(status.code()).as(status.toString()).isZero();
    assertThat(status.out()).contains("oplog of 'mongodb': ").contains("(RPO ");
    assertThat(status.out()).containsPattern("mongodb_\\d{8}_\\d{6}\\S*: recoverable from ");

    Instant time = Instant.ofEpochSecond(lastOfA);
    Cli.Result restored =
        cli.run(
            withRepo(
                "restore",
                "latest:mongodb",
                targetUri + "&nsFrom=shop.*&nsTo=pitr.*",
                "--target-time",
                time.toString()));
    assertThat(restored.code()).as(restored.toString()).isZero();
    assertThat(restored.out())
        .contains("restored base backup mongodb_")
        .contains("recovery to time " + time)
        .contains("replayed up to " + time + " (inclusive to the second)");
    assertThat(ids("pitr")).isEqualTo(range(0, 200));

    Cli.Result immediate =
        cli.run(
            withRepo(
                "restore",
                "latest:mongodb",
                targetUri + "&nsFrom=shop.*&nsTo=base.*",
                "--target",
                "immediate"));
    assertThat(immediate.code()).as(immediate.toString()).isZero();
    assertThat(ids("base")).isEqualTo(range(0, 100));

    Cli.Result again =
        cli.run(
            withRepo(
                "restore",
                "latest:mongodb",
                targetUri + "&nsFrom=shop.*&nsTo=pitr.*",
                "--target-time",
                time.toString()));
    assertThat(again.code()).as(again.toString()).isNotZero();
    assertThat(again.err())
        .contains("collection(s) already exist")
        .contains("pitr.orders")
        .contains("restore with --force");

    Cli.Result named =
        cli.run(
            withRepo(
                "restore",
                "latest:mongodb",
                targetUri + "&nsFrom=shop.*&nsTo=named.*",
                "--target-name",
                "before-upgrade"));
    assertThat(named.code()).as(named.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(named.err())
        .contains("mongodb point-in-time restore: the oplog has no positions, restore points or")
        .contains("give --target-time or --target immediate");
    assertThat(ids("named")).isEmpty();

    Cli.Result early =
        cli.run(
            withRepo(
                "restore",
                "latest:mongodb",
                targetUri + "&nsFrom=shop.*&nsTo=early.*",
                "--target-time",
                "2020-01-01T00:00:00Z"));
    assertThat(early.code()).as(early.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(early.err())
        .contains("no base backup of 'mongodb' had ended before the recovery target")
        .contains("recoverable: from ")
        .contains("pick a later target");
    assertThat(ids("early")).isEmpty();

    Cli.Result late =
        cli.run(
            withRepo(
                "restore",
                "latest:mongodb",
                targetUri + "&nsFrom=shop.*&nsTo=late.*",
                "--target-time",
                Instant.now().plusSeconds(3600).toString()));
    assertThat(late.code()).as(late.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(late.err())
        .contains("mongodb point-in-time restore: the archived oplog ends at ")
        .contains("(recoverable: ")
        .contains("check that the oplog receiver runs");
    assertThat(ids("late")).isEmpty();
  }
}
