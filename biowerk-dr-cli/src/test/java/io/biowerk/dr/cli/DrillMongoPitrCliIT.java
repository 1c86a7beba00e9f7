package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.mongo.OplogReceiver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code biowerk-dr drill} on a MongoDB source with archived oplog, end to end against in-process
 * servers ({@code mongo-java-server}, each in its own class loader): a backup with {@code
 * oplog=true}, an oplog receiver archiving segments, then the drill restores the newest backup into
 * scratch databases on the restore test's {@code scratch-uri} server, replays every archived
 * segment (fetched with the real {@code oplog-fetch} command in a JVM of its own) to the newest
 * entry, counts the collections and reports it as the {@code pitr} item; the scratch databases are
 * dropped afterwards. A segment whose data cannot be fetched fails the item and says which segment
 * and what to do.
 */
class DrillMongoPitrCliIT {

  @TempDir Path dir;
  Path repo;
  Path keyFile;
  Path launcher;
  Cli cli;
  IsolatedMongoServer source;
  IsolatedMongoServer scratch;
  String rules =
      Path.of("..", "deploy/prometheus/backup-alerts.yml").toAbsolutePath().normalize().toString();

  @BeforeEach
  void start() throws Exception {
    cli = new Cli(dir.resolve("cli"));
    repo = dir.resolve("repo");
    keyFile = dir.resolve("keys/master.key");
    KeyFile.at(keyFile).create(Clock.systemUTC());
    source = IsolatedMongoServer.start();
    scratch = IsolatedMongoServer.start();
    // oplog-fetch as a command of its own, as the drill runs it
    launcher = dir.resolve("biowerk-dr");
    Files.writeString(
        launcher,
        "#!/bin/sh\nexec "
            + Path.of(System.getProperty("java.home"), "bin", "java")
            + " -Xmx64m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "
            + System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
            + " io.biowerk.dr.cli.Main \"$@\"\n");
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
    Files.writeString(
        cli.work.resolve("biowerk-dr.yml"),
        "repositories: ["
            + repo
            + "]\n"
            + "keys: {file: "
            + keyFile
            + "}\n"
            + "server: {drill-reports: reports}\n"
            + "sources:\n"
            + "  mongodb:\n"
            + "    uri: \""
            + source.uri()
            + "&oplog=true\"\n"
            + "    backup: \"30 2 * * *\"\n"
            + "    rto: 2h\n"
            + "    rpo: 1h\n"
            + "    restore-test: {schedule: \"0 4 * * SUN\", options: {scratch-uri: \""
            + scratch.uri()
            + "\"}}\n");
  }

  @AfterEach
  void stop() throws IOException {
    source.close();
    scratch.close();
  }

  /** 100 documents, a backup, then 200 more, all archived by a receiver with 1-second segments. */
  void backupAndArchive() throws Exception {
    try (MongoClient client = MongoClients.create(source.uri())) {
      MongoCliIT.insert(client, 0, 100);
      LogArchive oplog =
          LogArchive.of(LocalSink.open(repo), "mongodb", "oplog", List.of(), KeyRing.empty());
      OplogReceiver receiver =
          OplogReceiver.of(java.net.URI.create(source.uri() + "&segmentSeconds=1"));
      CompletableFuture<Void> receiving =
          CompletableFuture.runAsync(
              () -> {
                try {
                  receiver.run(oplog);
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      MongoCliIT.awaitArchived(oplog, MongoCliIT.newestEntry(client));
      cli.clock.set(Instant.now());
      Cli.Result backup =
          cli.run(
              "backup",
              source.uri() + "&oplog=true",
              "--repo",
              repo.toString(),
              "--key-file",
              keyFile.toString());
      assertThat(backup.code()).as(backup.toString()).isZero();
      MongoCliIT.waitForSecondAfter(Instant.now().getEpochSecond());
      MongoCliIT.insert(client, 100, 200);
      MongoCliIT.waitForSecondAfter(Instant.now().getEpochSecond() + 1);
      MongoCliIT.insert(client, 200, 300);
      MongoCliIT.awaitArchived(oplog, MongoCliIT.newestEntry(client));
      receiver.close();
      receiving.get(30, TimeUnit.SECONDS);
    }
  }

  Cli.Result drill() {
    cli.clock.set(Instant.now());
    return cli.run(
        "drill",
        "--config",
        "biowerk-dr.yml",
        "--rules",
        rules,
        "--no-metrics",
        "--fetch-command",
        launcher.toString(),
        "--json");
  }

  List<String> scratchDatabases() {
    try (MongoClient client = MongoClients.create(scratch.uri())) {
      return client.listDatabaseNames().into(new ArrayList<>());
    }
  }

  @Test
  void aDrillOfAMongoSourceWithArchivedOplogReplaysToTheNewestEntryAndPasses() throws Exception {
    backupAndArchive();

    Cli.Result drill = drill();
    assertThat(drill.code()).as(drill.toString()).isZero();
    JsonNode report = Json.read(drill.out());
    assertThat(report.get("ok").asBoolean()).as(drill.out()).isTrue();
    assertThat(report.get("checklist").get("Restore scripts execute successfully").asBoolean())
        .isTrue();
    JsonNode source = report.get("sources").get(0);
    assertThat(source.get("restore").get("ok").asBoolean()).as(source.toString()).isTrue();
    JsonNode pitr = source.get("pitr");
    assertThat(pitr.get("ok").asBoolean()).as(pitr.toString()).isTrue();
    // the backup held 100, the replay of the archived oplog brings all 300
    assertThat(pitr.get("detail").asText())
        .contains("mongodb point-in-time restore into scratch server: ")
        .contains("archived oplog entries replayed from ")
        .contains("1 collections, 300 documents after the replay {shop.orders=300}");
    assertThat(pitr.get("segments").asInt()).isGreaterThanOrEqualTo(2);
    assertThat(Instant.parse(pitr.get("windowTo").asText()))
        .isAfter(Instant.parse(pitr.get("windowFrom").asText()));
    assertThat(source.get("rto").get("detail").asText())
        .contains("the slower of restore and point-in-time restore");
    assertThat(source.get("rpo").get("detail").asText())
        .contains("since the newest archived oplog");
    assertThat(scratchDatabases()).noneMatch(db -> db.startsWith("bwverify_"));
  }

  @Test
  void aSegmentWhoseDataCannotBeFetchedFailsThePitrItemAndNamesIt() throws Exception {
    backupAndArchive();
    List<Path> files;
    try (Stream<Path> listed = Files.list(repo.resolve("mongodb/oplog"))) {
      files = listed.toList();
    }
    List<String> segments =
        files.stream()
            .map(p -> p.getFileName().toString())
            .filter(n -> n.endsWith(".manifest.json"))
            .map(n -> n.substring(0, n.length() - ".manifest.json".length()))
            .sorted()
            .toList();
    assertThat(segments.size()).as(segments.toString()).isGreaterThanOrEqualTo(2);
    String damaged = segments.get(segments.size() - 1);
    // its manifest stays, so the archive looks whole; oplog-fetch of it fails
    int deleted = 0;
    for (Path file : files) {
      String n = file.getFileName().toString();
      // the data object: the bare name (no codecs) or the name with its codec ids
      if (n.equals(damaged) || (n.startsWith(damaged + ".") && !n.endsWith(".manifest.json"))) {
        Files.delete(file);
        deleted++;
      }
    }
    assertThat(deleted).as("data object of " + damaged + " in " + files).isOne();

    Cli.Result drill = drill();
    assertThat(drill.code()).as(drill.toString()).isEqualTo(ExitCodes.FAILURE);
    JsonNode report = Json.read(drill.out());
    assertThat(report.get("checklist").get("Restore scripts execute successfully").asBoolean())
        .as(drill.out())
        .isFalse();
    JsonNode source = report.get("sources").get(0);
    assertThat(source.get("restore").get("ok").asBoolean()).as(source.toString()).isTrue();
    assertThat(source.get("pitr").get("ok").asBoolean()).isFalse();
    assertThat(source.get("pitr").get("detail").asText())
        .contains("fetching oplog segment " + damaged + " with oplog-fetch failed (exit ")
        .contains("check that the segment is in the repository and readable");
    assertThat(scratchDatabases()).noneMatch(db -> db.startsWith("bwverify_"));
  }
}
