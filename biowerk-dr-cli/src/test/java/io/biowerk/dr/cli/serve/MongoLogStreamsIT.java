package io.biowerk.dr.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Sorts;
import io.biowerk.dr.cli.IsolatedMongoServer;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogSegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The oplog receiver as a stream supervised by {@code serve}, against an in-process MongoDB server
 * ({@code mongo-java-server} in its own class loader, oplog enabled) and two repositories: the
 * service starts the receiver when it takes the leases, it archives the oplog into the first
 * repository, the archive-lag metric goes from +Inf (nothing archived) to the age of the newest
 * entry, the mirror copies every segment to the second repository where it reads back
 * byte-identical, {@code /status} shows both repositories in sync, and shutdown stops the stream.
 */
class MongoLogStreamsIT {

  @TempDir Path dir;

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

  static Optional<BsonTimestamp> lastArchived(LogArchive oplog) throws Exception {
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

  @SuppressWarnings("unchecked")
  @Test
  void theServiceRunsTheOplogReceiverAndMirrorsItsSegmentsToEveryRepository() throws Exception {
    try (IsolatedMongoServer server = IsolatedMongoServer.start();
        MongoClient client = MongoClients.create(server.uri())) {
      client.getDatabase("shop").getCollection("orders").insertOne(new Document("_id", -1));
      ServeFixture fixture = new ServeFixture(dir);
      ServeConfig config =
          fixture.config(
              "repositories: [repo, repo2]\n"
                  + "keys: {file: key}\n"
                  + "server: {shutdown-grace: 10s}\n"
                  + "sources:\n"
                  + "  mongodb:\n"
                  + "    uri: \""
                  + server.uri()
                  + "&oplog=true\"\n"
                  + "    backup: \"30 2 * * *\"\n"
                  + "streams:\n"
                  + "  mongodb:\n"
                  + "    log: oplog\n"
                  + "    uri: \""
                  + server.uri()
                  + "&segmentSeconds=1\"\n"
                  + "    max-lag: 10m\n"
                  + "    restart-backoff: 1s\n"
                  + "    max-backoff: 2s\n");
      Orchestrator orchestrator = fixture.orchestrator(config, Clock.systemUTC(), "a");
      String labels = "log=\"oplog\",source=\"mongodb\"";
      try {
        orchestrator.refreshMetrics();
        assertThat(
                LogStreamsTest.metric(orchestrator, "biowerk_dr_log_archive_lag_seconds", labels))
            .isInfinite();
        assertThat(LogStreamsIT.receiver(orchestrator)).containsEntry("state", "stopped");

        orchestrator.tick(); // takes both leases: the stream starts
        LogStreamsIT.await(
            "the oplog receiver runs",
            () -> "running".equals(LogStreamsIT.receiver(orchestrator).get("state")),
            Duration.ofSeconds(60));
        assertThat(LogStreamsTest.metric(orchestrator, "biowerk_dr_stream_up", labels))
            .isEqualTo(1);

        for (int i = 0; i < 100; i++) {
          client.getDatabase("shop").getCollection("orders").insertOne(new Document("_id", i));
        }
        BsonTimestamp newest = newestEntry(client);
        try (LocalSink first = LocalSink.existing(fixture.repo)) {
          LogArchive archive =
              LogArchive.of(first, "mongodb", "oplog", List.of(), fixture.keys(Clock.systemUTC()));
          LogStreamsIT.await(
              "the supervised receiver archived " + newest,
              () -> {
                try {
                  return lastArchived(archive).map(t -> t.compareTo(newest) >= 0).orElse(false);
                } catch (Exception e) {
                  return false;
                }
              },
              Duration.ofSeconds(60));

          orchestrator.refreshMetrics(); // also mirrors the segments to repo2
          assertThat(
                  LogStreamsTest.metric(orchestrator, "biowerk_dr_log_archive_lag_seconds", labels))
              .isBetween(0.0, 120.0);
          assertThat(LogStreamsTest.metric(orchestrator, "biowerk_dr_log_segments", labels))
              .isGreaterThanOrEqualTo(1);

          Map<String, Object> stream = LogStreamsIT.stream(orchestrator);
          assertThat(stream).containsEntry("lagOk", true);
          List<Map<String, Object>> repositories =
              (List<Map<String, Object>>) stream.get("repositories");
          assertThat(repositories).hasSize(2);
          assertThat(repositories.get(0)).containsEntry("writtenBy", "receiver");
          assertThat(repositories.get(1))
              .containsEntry("writtenBy", "mirror")
              .containsEntry("inSync", true)
              .containsEntry("segments", repositories.get(0).get("segments"));
          assertThat((Map<String, Object>) repositories.get(1).get("lastMirror"))
              .containsEntry("error", null);

          try (LocalSink second = LocalSink.existing(dir.resolve("repo2"))) {
            LogArchive copy =
                LogArchive.of(
                    second, "mongodb", "oplog", List.of(), fixture.keys(Clock.systemUTC()));
            List<String> names = archive.names();
            assertThat(copy.names()).isEqualTo(names);
            for (String name : names) {
              Path a = dir.resolve("a-" + name);
              Path b = dir.resolve("b-" + name);
              assertThat(archive.fetch(name, a)).isTrue();
              assertThat(copy.fetch(name, b)).isTrue();
              assertThat(Files.mismatch(a, b)).as(name).isEqualTo(-1L);
            }
            assertThat(lastArchived(copy)).contains(lastArchived(archive).orElseThrow());
          }
        }

        long start = System.nanoTime();
        orchestrator.shutdown();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        assertThat(LogStreamsIT.receiver(orchestrator)).containsEntry("state", "stopped");
        assertThat(LogStreamsTest.metric(orchestrator, "biowerk_dr_stream_up", labels)).isZero();
      } finally {
        orchestrator.shutdown();
      }
    }
  }
}
