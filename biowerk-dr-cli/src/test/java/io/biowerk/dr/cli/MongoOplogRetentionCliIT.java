package io.biowerk.dr.cli;

import static io.biowerk.dr.cli.MongoCliIT.awaitArchived;
import static io.biowerk.dr.cli.MongoCliIT.insert;
import static io.biowerk.dr.cli.MongoCliIT.newestEntry;
import static io.biowerk.dr.cli.MongoCliIT.waitForSecondAfter;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.mongo.OplogReceiver;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Oplog retention and the oplog in {@code status}, through the CLI against in-process MongoDB
 * servers: two full backups with {@code oplog=true} (A, then B) and the receiver archiving segments
 * before, between and after them; eight days later {@code prune --dry-run} lists the oplog ranges
 * it keeps and why (A's slice because A is kept, everything from B on for the 7-day window) and
 * deletes nothing; {@code prune} then deletes exactly those ranges, and a point-in-time restore
 * from B to its last write still holds every document, so what was deleted was not needed. {@code
 * status} shows the oplog window and takes the RPO from the newest archived entry.
 */
class MongoOplogRetentionCliIT {

  private static final Pattern ID = Pattern.compile("mongodb_\\d{8}_\\d{6}\\w*");

  @TempDir Path dir;
  Path repo;
  Path keyFile;
  Cli cli;
  IsolatedMongoServer source;
  IsolatedMongoServer target;

  @BeforeEach
  void start() throws Exception {
    cli = new Cli(dir.resolve("cli"));
    repo = dir.resolve("repo");
    keyFile = dir.resolve("keys/master.key");
    KeyFile.at(keyFile).create(Clock.systemUTC());
    source = IsolatedMongoServer.start();
    target = IsolatedMongoServer.start();
  }

  @AfterEach
  void stop() throws IOException {
    source.close();
    target.close();
  }

  private String[] withRepo(String... args) {
    return Stream.concat(
            Stream.of(args), Stream.of("--repo", repo.toString(), "--key-file", keyFile.toString()))
        .toArray(String[]::new);
  }

  /** For the commands that read no backup's data ({@code status}, {@code prune}): no key. */
  private String[] repoOnly(String... args) {
    return Stream.concat(Stream.of(args), Stream.of("--repo", repo.toString()))
        .toArray(String[]::new);
  }

  /** Inserts in batches a second apart, so the 1-second receiver cuts them into segments. */
  private static void batches(MongoClient client, int from, int to, int per)
      throws InterruptedException {
    for (int i = from; i < to; i += per) {
      waitForSecondAfter(Instant.now().getEpochSecond());
      insert(client, i, Math.min(to, i + per));
    }
  }

  private String backup(String uri) throws InterruptedException {
    waitForSecondAfter(Instant.now().getEpochSecond());
    cli.clock.set(Instant.now());
    Cli.Result backup = cli.run(withRepo("backup", uri + "&oplog=true"));
    assertThat(backup.code()).as(backup.toString()).isZero();
    Matcher m = ID.matcher(backup.out() + backup.err());
    assertThat(m.find()).as(backup.toString()).isTrue();
    return m.group();
  }

  @Test
  void pruneKeepsTheOplogKeptBackupsNeedAndStatusShowsTheWindow() throws Exception {
    String sourceUri = source.uri();
    LogArchive oplog =
        LogArchive.of(LocalSink.open(repo), "mongodb", "oplog", List.of(), KeyRing.empty());
    String a;
    String b;
    Instant lastWrite;
    try (MongoClient client = MongoClients.create(sourceUri)) {
      insert(
          client, 0, 1); // the receiver's first run starts at the newest entry: there must be one
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
      batches(client, 1, 30, 10);
      awaitArchived(oplog, newestEntry(client));
      a = backup(sourceUri);
      batches(client, 30, 60, 10);
      awaitArchived(oplog, newestEntry(client));
      b = backup(sourceUri);
      batches(client, 60, 90, 10);
      awaitArchived(oplog, newestEntry(client));
      lastWrite = Instant.ofEpochSecond(newestEntry(client).getTime());
      waitForSecondAfter(lastWrite.getEpochSecond());
      receiver.close();
      receiving.get(30, TimeUnit.SECONDS);
    }
    assertThat(a).isNotEqualTo(b);
    List<String> before = oplog.names();

    // status: the oplog's window and the RPO from its newest entry, not from the newest backup
    cli.clock.set(Instant.now().plusSeconds(120));
    Cli.Result status = cli.run(repoOnly("status"));
    assertThat(status.code()).as(status.toString()).isZero();
    assertThat(status.out())
        .containsPattern("mongodb: oplog newest oplog-\\d{10}-\\d{10} \\(\\S+ old, the RPO\\)")
        .contains("; point-in-time window ");
    Cli.Result json = cli.run(repoOnly("status", "--json"));
    assertThat(json.code()).as(json.toString()).isZero();
    assertThat(json.out())
        .containsPattern("\"rpoFrom\"\\s*:\\s*\"log\"")
        .containsPattern("\"log\"\\s*:\\s*\"oplog\"");

    // eight days on, both backups ended before the 7-day window: replay starts from B
    cli.clock.set(Instant.now().plus(Duration.ofDays(8)));
    Cli.Result dry = cli.run(repoOnly("prune", "mongodb", "--keep-last", "2", "--dry-run"));
    assertThat(dry.code()).as(dry.toString()).isZero();
    assertThat(dry.out())
        .contains("oplog: ")
        .containsPattern("delete  oplog-\\d{10}-\\d{10}")
        .contains("base backup " + a + " needs it to become consistent")
        .contains("replay from base backup " + b + ", the newest that ended before");
    assertThat(oplog.names()).isEqualTo(before);

    Cli.Result pruned = cli.run(repoOnly("prune", "mongodb", "--keep-last", "2"));
    assertThat(pruned.code()).as(pruned.toString()).isZero();
    List<String> after = oplog.names();
    List<String> deleted = new ArrayList<>(before);
    deleted.removeAll(after);
    // the segments before A's slice and between A's slice and B's went; the rest stayed
    assertThat(deleted).isNotEmpty();
    assertThat(before.get(0)).isIn(deleted);
    assertThat(after).isNotEmpty().isSubsetOf(before).contains(before.get(before.size() - 1));
    assertThat(dry.out())
        .contains("oplog: " + after.size() + " kept, " + deleted.size() + " to delete");

    // what is left still recovers B's window up to the last write
    Cli.Result restored =
        cli.run(
            withRepo(
                "restore",
                "latest:mongodb",
                target.uri() + "&nsFrom=shop.*&nsTo=pitr.*",
                "--target-time",
                Instant.ofEpochSecond(lastWrite.getEpochSecond()).toString()));
    assertThat(restored.code()).as(restored.toString()).isZero();
    Set<Object> ids = new HashSet<>();
    try (MongoClient into = MongoClients.create(target.uri())) {
      into.getDatabase("pitr").getCollection("orders").find().forEach(d -> ids.add(d.get("_id")));
    }
    Set<Object> expected = new HashSet<>();
    for (int i = 0; i < 90; i++) {
      expected.add(i);
    }
    assertThat(ids).isEqualTo(expected);
  }
}
