package io.biowerk.dr.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.codec.Sha256;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogSegmentInfo;
import io.biowerk.dr.postgres.PostgresPhysicalSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service's scheduled prune applies each source's {@code retention.log-window} to its archived
 * WAL: under a clock the test sets, a scheduled backup's prune deletes the segments older than the
 * window that no kept base backup needs, and keeps the rest. Real WAL segment objects pushed
 * through {@link LogArchive} into a real file repository; the physical base backups are manifests
 * (with their data and checksum objects) written into that repository as a {@code pg_basebackup}
 * run would leave them, because a unit test has no PostgreSQL to take them from.
 */
class ScheduledLogPruneTest {

  static final Instant NOW = Instant.parse("2024-01-20T02:00:00Z");

  @TempDir Path dir;

  ServeFixture fixture;

  @BeforeEach
  void setUp() throws IOException {
    fixture = new ServeFixture(dir);
    fixture.data("docs", 0);
    fixture.data("wide", 0);
  }

  /** The name of WAL segment {@code n} on timeline 1. */
  static String segment(int n) {
    return String.format("%08X%08X%08X", 1, 0, n);
  }

  /** Ten segments and three physical base backups of {@code source}; returns the names. */
  private List<String> archive(String source, KeyRing keys) throws IOException {
    List<String> names = new ArrayList<>();
    try (LocalSink sink = LocalSink.open(fixture.repo)) {
      LogArchive archive = LogArchive.of(sink, source, "wal", List.of(), keys);
      for (int i = 0; i < 10; i++) {
        String name = segment(i + 1);
        Path file = dir.resolve(source + "-" + name);
        Files.writeString(file, "wal bytes of " + name);
        Instant last = NOW.minus(Duration.ofDays(25)).plus(Duration.ofDays(2L * i));
        archive.push(
            new LogSegmentInfo(
                name, "0/" + i, "0/" + i + "F", Optional.empty(), Optional.of(last), Map.of()),
            file);
        names.add(name);
      }
      // old: needs s1..s2 to become consistent; anchor: the newest that ended before now - 3d;
      // recent: inside every window
      baseBackup(sink, source, names.get(1), names.get(2), NOW.minus(Duration.ofDays(20)));
      baseBackup(sink, source, names.get(5), names.get(6), NOW.minus(Duration.ofDays(5)));
      baseBackup(sink, source, names.get(8), names.get(8), NOW.minus(Duration.ofHours(20)));
    }
    return names;
  }

  private static void baseBackup(
      LocalSink sink, String source, String startWal, String stopWal, Instant finishedAt)
      throws IOException {
    Instant startedAt = finishedAt.minus(Duration.ofMinutes(1));
    String id = BackupLayout.backupId(source, startedAt);
    String dataKey =
        BackupLayout.dataKey(
            source, BackupLayout.DAILY, id, PostgresPhysicalSource.FORMAT, List.of());
    byte[] data = ("base backup " + id).getBytes(StandardCharsets.UTF_8);
    String sha = Sha256.hex(Sha256.newDigest().digest(data));
    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put("startWal", startWal);
    facts.put("stopWal", stopWal);
    facts.put("timeline", 1);
    BackupManifest manifest =
        new BackupManifest(
            id,
            "postgresql",
            source,
            "postgresql://127.0.0.1/postgres?mode=physical",
            PostgresPhysicalSource.FORMAT,
            startedAt,
            finishedAt,
            List.of(),
            Optional.empty(),
            data.length,
            data.length,
            sha,
            sha,
            dataKey,
            facts);
    sink.put(dataKey, data);
    sink.put(
        manifest.sha256Key(),
        (sha + "  " + manifest.fileName() + "\n").getBytes(StandardCharsets.UTF_8));
    sink.put(manifest.manifestKey(), Manifests.toJson(manifest));
  }

  private List<String> stored(String source, KeyRing keys) throws IOException {
    try (LocalSink sink = LocalSink.existing(fixture.repo)) {
      return List.copyOf(LogArchive.of(sink, source, "wal", List.of(), keys).names());
    }
  }

  @Test
  void aScheduledPruneDeletesTheSegmentsOutsideEachSourcesLogWindowThatNoKeptBaseNeeds()
      throws Exception {
    TestClock clock = new TestClock(NOW.minus(Duration.ofMinutes(5)));
    ServeConfig config =
        fixture.config(
            """
            repositories: [repo]
            keys: {file: key}
            defaults: {retention: {last: 1000}}
            sources:
              docs: {uri: data/docs, backup: "0 2 * * *", retention: {last: 1000, log-window: 3d}}
              wide: {uri: data/wide, backup: "0 2 * * *"}
            """);
    KeyRing keys = fixture.keys(clock);
    List<String> docs = archive("docs", keys);
    List<String> wide = archive("wide", keys);
    try (Orchestrator orchestrator = fixture.orchestrator(config, clock, "a")) {
      // 01:55: yesterday's slot is covered by the base backup of 05:59 yesterday; nothing runs
      orchestrator.tick();
      assertThat(orchestrator.awaitIdle(Duration.ofSeconds(30))).isTrue();
      assertThat(orchestrator.jobs()).isEmpty();
      assertThat(stored("docs", keys)).isEqualTo(docs);

      clock.set(NOW.toString());
      orchestrator.tick();
      assertThat(orchestrator.awaitIdle(Duration.ofSeconds(30))).isTrue();
      assertThat(orchestrator.jobs())
          .hasSize(2)
          .allSatisfy(j -> assertThat(j.state()).isEqualTo(Job.State.SUCCEEDED));
    }
    // docs, 3 days: replay from the base backup that ended 5 days ago (s6), plus s2..s3 for the one
    // of 20 days ago; s1, s4 and s5 go.
    List<String> docsKept = new ArrayList<>(docs);
    docsKept.removeAll(List.of(docs.get(0), docs.get(3), docs.get(4)));
    assertThat(stored("docs", keys)).isEqualTo(docsKept);
    // wide, the default 7 days: the window reaches back to the base backup of 20 days ago, so
    // only the segment before it goes.
    assertThat(stored("wide", keys)).isEqualTo(wide.subList(1, wide.size()));
  }

  @Test
  void theJobReportsHowManyLogObjectsItsPruneDeleted() throws Exception {
    TestClock clock = new TestClock(NOW);
    ServeConfig config =
        fixture.config(
            """
            repositories: [repo]
            keys: {file: key}
            sources:
              docs: {uri: data/docs, backup: "0 2 * * *", retention: {last: 1000, log-window: 3d}}
            """);
    KeyRing keys = fixture.keys(clock);
    archive("docs", keys);
    try (Orchestrator orchestrator = fixture.orchestrator(config, clock, "a")) {
      orchestrator.tick();
      assertThat(orchestrator.awaitIdle(Duration.ofSeconds(30))).isTrue();
      Job job = orchestrator.jobs().get(0);
      assertThat(job.state()).isEqualTo(Job.State.SUCCEEDED);
      @SuppressWarnings("unchecked") // the job's result as the orchestrator builds it
      List<Map<String, Object>> pruned = (List<Map<String, Object>>) job.result().get("pruned");
      assertThat(pruned)
          .singleElement()
          .satisfies(r -> assertThat(r).containsEntry("logObjectsDeleted", 3));
    }
    assertThat(stored("docs", keys)).hasSize(7);
  }
}
