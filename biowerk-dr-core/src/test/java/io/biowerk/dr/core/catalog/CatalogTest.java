package io.biowerk.dr.core.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupNotFoundException;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.Backups;
import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.StoredObject;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.local.LocalSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatalogTest {

  static final Instant T0 = Instant.parse("2024-01-15T02:00:00Z");
  final InMemorySink sink =
      InMemorySink.named("test", java.time.Clock.fixed(T0, java.time.ZoneOffset.UTC));

  @Test
  void listsBackupsNewestFirstPerSourceFromManifestsOnly() throws Exception {
    Backups.write(sink, "postgres", T0, "daily");
    Backups.write(sink, "postgres", T0.plus(Duration.ofDays(1)), "daily");
    Backups.write(sink, "postgres", T0.minus(Duration.ofDays(40)), "monthly");
    Backups.write(sink, "redis", T0.plus(Duration.ofHours(3)), "daily");
    sink.put("postgres/wal/000000010000000000000001", new byte[16]);
    long readsBefore = sink.reads();

    Catalog catalog = Catalog.of(sink);
    List<BackupRecord> all = catalog.list();

    assertThat(all)
        .extracting(BackupRecord::id)
        .containsExactly(
            "postgres_20240116_020000",
            "redis_20240115_050000",
            "postgres_20240115_020000",
            "postgres_20231206_020000");
    // Only the four manifests were read, never a data object or a WAL segment.
    assertThat(sink.reads() - readsBefore).isEqualTo(4);
    assertThat(catalog.list("postgres")).hasSize(3);
    assertThat(catalog.sources()).containsExactly("postgres", "redis");
    assertThat(catalog.latest("postgres"))
        .map(BackupRecord::id)
        .contains("postgres_20240116_020000");
    assertThat(catalog.latest("mongodb")).isEmpty();
    assertThat(catalog.orphans()).isEmpty();
    assertThat(catalog.corrupt()).isEmpty();
  }

  @Test
  void latestBeforeTakesTheNewestBackupFinishedByThatTime() throws Exception {
    Backups.write(sink, "postgres", T0, "daily"); // finishes at 02:05
    Backups.write(sink, "postgres", T0.plus(Duration.ofHours(1)), "daily"); // 03:00-03:05
    Catalog catalog = Catalog.of(sink);

    assertThat(catalog.latestBefore("postgres", T0.plus(Duration.ofMinutes(64))))
        .map(BackupRecord::id)
        .contains("postgres_20240115_020000");
    assertThat(catalog.latestBefore("postgres", T0.plus(Duration.ofMinutes(65))))
        .map(BackupRecord::id)
        .contains("postgres_20240115_030000");
    assertThat(catalog.latestBefore("postgres", T0.plus(Duration.ofMinutes(4)))).isEmpty();
  }

  @Test
  void getFindsByIdAndSaysHowToListIdsWhenMissing() throws Exception {
    BackupManifest manifest = Backups.write(sink, "postgres", T0, "daily");
    Catalog catalog = Catalog.of(sink);

    assertThat(catalog.get(manifest.id()).manifest()).isEqualTo(manifest);
    assertThatThrownBy(() -> catalog.get("postgres_20990101_000000"))
        .isInstanceOf(BackupNotFoundException.class)
        .hasMessageStartingWith("catalog: no backup with id 'postgres_20990101_000000'")
        .hasMessageContaining("biowerk-dr list")
        .satisfies(
            e ->
                assertThat(((BackupNotFoundException) e).id())
                    .isEqualTo("postgres_20990101_000000"));
    assertThatThrownBy(() -> catalog.get("not-an-id")).isInstanceOf(BackupNotFoundException.class);
  }

  @Test
  void resolvesLatestAndLatestOfASource() throws Exception {
    Catalog catalog = Catalog.of(sink);
    assertThatThrownBy(() -> catalog.resolve("latest"))
        .isInstanceOf(BackupNotFoundException.class)
        .hasMessageContaining("holds no backups; run a backup first");

    Backups.write(sink, "postgres", T0, "daily");
    Backups.write(sink, "postgres", T0.plusSeconds(60), "daily");
    assertThat(catalog.resolve("latest").id()).isEqualTo("postgres_20240115_020100");
    assertThat(catalog.resolve("postgres_20240115_020000").id())
        .isEqualTo("postgres_20240115_020000");

    Backups.write(sink, "redis", T0, "daily");
    assertThatThrownBy(() -> catalog.resolve("latest"))
        .isInstanceOf(BackupNotFoundException.class)
        .hasMessageContaining("'latest' is ambiguous")
        .hasMessageContaining("2 sources (postgres, redis)")
        .hasMessageContaining("latest:postgres");
    assertThat(catalog.resolve("latest:redis").id()).isEqualTo("redis_20240115_020000");
    assertThatThrownBy(() -> catalog.resolve("latest:mongodb"))
        .isInstanceOf(BackupNotFoundException.class)
        .hasMessage(
            "catalog: no backup of source 'mongodb' in memory:test; sources with backups: postgres, redis");
  }

  @Test
  void dataWithoutManifestIsAnOrphanNeverABackupAndIsCleanedAfterTheGracePeriod() throws Exception {
    BackupManifest kept = Backups.write(sink, "postgres", T0, "daily");
    // A crashed run: data and side file committed, manifest never written.
    String crashed = "postgres/daily/postgres_20240116_020000.bin";
    sink.put(crashed, new byte[100]);
    sink.put(crashed + ".sha256", new byte[10]);
    sink.touch(crashed, T0.minus(Duration.ofHours(5)));
    Catalog catalog = Catalog.of(sink);

    assertThat(catalog.list()).extracting(BackupRecord::id).containsExactly(kept.id());
    assertThat(catalog.orphans())
        .extracting(StoredObject::key)
        .containsExactly(crashed, crashed + ".sha256");

    // The side file was written "now"; with a 1 h grace only the 5-hour-old data object goes.
    assertThat(catalog.cleanOrphans(Duration.ofHours(1), T0)).isEqualTo(1);
    assertThat(catalog.orphans())
        .extracting(StoredObject::key)
        .containsExactly(crashed + ".sha256");
    assertThat(catalog.cleanOrphans(Duration.ofHours(1), T0.plus(Duration.ofHours(2))))
        .isEqualTo(1);
    assertThat(catalog.orphans()).isEmpty();
    assertThat(catalog.list()).extracting(BackupRecord::id).containsExactly(kept.id());
  }

  @Test
  void manyManifestsAreReadInParallelWithTheSameResultAsOneByOne() throws Exception {
    for (int i = 0; i < 300; i++) {
      BackupManifest manifest =
          Backups.write(
              sink, i % 2 == 0 ? "postgres" : "redis", T0.plusSeconds(3600L * i), "daily");
      if (i % 50 == 7) {
        sink.replace(manifest.manifestKey(), "{".getBytes(StandardCharsets.UTF_8));
      }
      if (i % 10 == 0) {
        sink.put(
            manifest.dataKey() + ".verify.json",
            Verifications.toJson(
                List.of(
                    new VerificationResult(
                        manifest.id(),
                        VerificationLevel.STORED,
                        T0,
                        true,
                        Duration.ofSeconds(1),
                        "ok"))));
      }
    }
    Catalog parallel = Catalog.of(sink);
    Catalog serial = Catalog.of(sink).readParallelism(1);

    Catalog.Listing fast = parallel.scan();
    assertThat(fast.backups()).hasSize(294).isEqualTo(serial.scan().backups());
    assertThat(fast.corrupt()).hasSize(6).isEqualTo(serial.corrupt());
    assertThat(fast.backups().stream().filter(b -> !b.verifications().isEmpty())).hasSize(30);
    assertThatThrownBy(() -> Catalog.of(sink).readParallelism(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("read parallelism (0) must be at least 1");
  }

  @Test
  void aSinkThatCannotBeReadFailsTheListingInsteadOfHidingBackups() throws Exception {
    for (int i = 0; i < 100; i++) {
      Backups.write(sink, "postgres", T0.plusSeconds(60L * i), "daily");
    }
    io.biowerk.dr.core.Sink failing =
        new io.biowerk.dr.core.Sink() {
          @Override
          public io.biowerk.dr.core.PendingWrite openWrite(String key) throws java.io.IOException {
            return sink.openWrite(key);
          }

          @Override
          public java.nio.channels.ReadableByteChannel openRead(String key)
              throws java.io.IOException {
            if (key.contains("_20240115_0250")) {
              throw new io.biowerk.dr.core.StorageException(
                  "memory: connection reset reading " + key,
                  key,
                  io.biowerk.dr.core.StorageException.Reason.OTHER,
                  null);
            }
            return sink.openRead(key);
          }

          @Override
          public List<StoredObject> list(String prefix) {
            return sink.list(prefix);
          }

          @Override
          public void delete(String key) {
            sink.delete(key);
          }
        };
    for (int threads : new int[] {1, 8}) {
      assertThatThrownBy(() -> Catalog.of(failing).readParallelism(threads).list())
          .isInstanceOf(io.biowerk.dr.core.StorageException.class)
          .hasMessageStartingWith(
              "memory: connection reset reading postgres/daily/postgres_20240115_025000");
    }
  }

  @Test
  void theTierOfADataKeyIsItsFolder() {
    assertThat(BackupLayout.tierOf("postgres/weekly/postgres_20240115_020000.dump.zst"))
        .isEqualTo("weekly");
    assertThat(BackupLayout.tierOf("root/postgres/monthly/x.dump")).isEqualTo("monthly");
    assertThat(BackupLayout.tierOf("postgres/x.dump")).isEmpty();
    assertThat(BackupLayout.tierOf("x.dump")).isEmpty();
  }

  @Test
  void filesThatAreNotNamedAfterABackupAreNeverOrphans() throws Exception {
    Backups.write(sink, "postgres", T0, "daily");
    sink.put("postgres/daily/README.txt", new byte[3]);
    sink.put("postgres/wal/000000010000000000000001", new byte[16]);
    sink.put("postgres/wal/postgres_20240101_000000.bin", new byte[16]);
    sink.put("notes.md", new byte[3]);
    Catalog catalog = Catalog.of(sink);

    assertThat(catalog.orphans()).isEmpty();
    assertThat(catalog.cleanOrphans(Duration.ZERO, T0.plus(Duration.ofDays(365)))).isZero();
    assertThat(sink.list("")).hasSize(3 + 4);
  }

  @Test
  void orphansOfASourceWithABackupInProgressAreNotCleaned() throws Exception {
    sink.put("postgres/daily/postgres_20240116_020000.bin", new byte[100]);
    sink.touch("postgres/daily/postgres_20240116_020000.bin", T0.minus(Duration.ofDays(2)));
    sink.put(
        BackupLayout.inProgressKey("postgres", "postgres_20240115_015000"),
        "{\"id\":\"postgres_20240115_015000\",\"startedAt\":\"2024-01-15T01:50:00Z\"}"
            .getBytes(StandardCharsets.UTF_8));
    Catalog catalog = Catalog.of(sink).withClock(Clock.fixed(T0, ZoneOffset.UTC));

    assertThat(catalog.inProgress("postgres")).contains(Instant.parse("2024-01-15T01:50:00Z"));
    assertThat(catalog.cleanOrphans(Duration.ofHours(1), T0)).isZero();
    assertThat(catalog.orphans()).hasSize(1);
  }

  @Test
  void aStaleInProgressMarkerIsReportedNotHonoured() throws Exception {
    String marker = BackupLayout.inProgressKey("postgres", "postgres_20240110_020000");
    sink.put(
        marker,
        "{\"id\":\"postgres_20240110_020000\",\"startedAt\":\"2024-01-10T02:00:00Z\"}"
            .getBytes(StandardCharsets.UTF_8));
    Catalog catalog = Catalog.of(sink).withClock(Clock.fixed(T0, ZoneOffset.UTC));

    assertThat(catalog.inProgress("postgres")).isEmpty();
    assertThat(catalog.markers("postgres"))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.stale()).isTrue();
              assertThat(m.id()).isEqualTo("postgres_20240110_020000");
            });
    assertThat(catalog.orphans()).extracting(StoredObject::key).containsExactly(marker);
    // With a longer staleness limit the same marker is honoured.
    assertThat(catalog.staleAfter(Duration.ofDays(7)).inProgress("postgres"))
        .contains(Instant.parse("2024-01-10T02:00:00Z"));
    assertThatThrownBy(() -> catalog.staleAfter(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be positive");
  }

  @Test
  void corruptManifestsAreSkippedReportedAndTheirDataIsNotAnOrphan() throws Exception {
    BackupManifest good = Backups.write(sink, "postgres", T0, "daily");
    BackupManifest bad = Backups.write(sink, "postgres", T0.plusSeconds(3600), "daily");
    sink.replace(bad.manifestKey(), "{\"schema\":1,\"id\":".getBytes(StandardCharsets.UTF_8));
    BackupManifest dataless = Backups.write(sink, "postgres", T0.plusSeconds(7200), "daily");
    sink.delete(dataless.dataKey());
    Catalog catalog = Catalog.of(sink);

    assertThat(catalog.list()).extracting(BackupRecord::id).containsExactly(good.id());
    assertThat(catalog.corrupt()).containsExactly(bad.manifestKey(), dataless.manifestKey());
    assertThat(catalog.orphans()).isEmpty();
    assertThat(catalog.cleanOrphans(Duration.ZERO, T0.plus(Duration.ofDays(30)))).isZero();
    assertThat(sink.list("")).extracting(StoredObject::key).contains(bad.dataKey());
  }

  @Test
  void aVerificationIsRecordedBesideItsBackupAndReadBack() throws Exception {
    BackupManifest manifest = Backups.write(sink, "postgres", T0, "daily");
    Catalog catalog = Catalog.of(sink);
    VerificationResult first =
        new VerificationResult(
            manifest.id(),
            VerificationLevel.STORED,
            T0.plusSeconds(600),
            true,
            Duration.ofMillis(1500),
            "stored: ok");
    VerificationResult second =
        new VerificationResult(
            manifest.id(),
            VerificationLevel.RESTORE,
            T0.plusSeconds(7200),
            false,
            Duration.ofMinutes(20),
            "restore: pg_restore failed");

    catalog.record(second);
    catalog.record(first);

    assertThat(sink.list(""))
        .extracting(StoredObject::key)
        .contains(manifest.dataKey() + ".verify.json");
    BackupRecord record = catalog.get(manifest.id());
    assertThat(record.verifications()).containsExactly(first, second);
    assertThat(record.lastPassed()).contains(first);
    assertThat(record.lastVerification()).contains(second);
    assertThat(catalog.orphans()).isEmpty();
  }

  @Test
  void anUnreadableVerificationRecordLeavesTheBackupListed() throws Exception {
    BackupManifest manifest = Backups.write(sink, "postgres", T0, "daily");
    sink.put(manifest.dataKey() + ".verify.json", "not json".getBytes(StandardCharsets.UTF_8));

    assertThat(Catalog.of(sink).list())
        .singleElement()
        .satisfies(b -> assertThat(b.verifications()).isEmpty());
  }

  @Test
  void verificationsRecordedAtTheSameMomentByTwoRunsAreAllKept(@TempDir Path dir) throws Exception {
    LocalSink local = LocalSink.open(dir);
    BackupManifest manifest = Backups.write(local, "postgres", T0, "daily");
    int perRun = 15;
    java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.ExecutorService runs =
        java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (int run = 0; run < 2; run++) {
        int r = run;
        // Two catalogs, as two processes (a scheduled verification and a drill) would have.
        Catalog catalog = Catalog.of(local);
        done.add(
            runs.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < perRun; i++) {
                    catalog.record(
                        new VerificationResult(
                            manifest.id(),
                            VerificationLevel.STORED,
                            T0.plusSeconds(60L * i + r),
                            true,
                            Duration.ofMillis(10),
                            "run " + r + " #" + i));
                  }
                  return null;
                }));
      }
      start.countDown();
      for (java.util.concurrent.Future<?> f : done) {
        f.get(2, java.util.concurrent.TimeUnit.MINUTES);
      }
    } finally {
      runs.shutdownNow();
    }
    assertThat(Catalog.of(local).get(manifest.id()).verifications())
        .as("no entry lost to the other run")
        .hasSize(2 * perRun);
    assertThat(local.list(""))
        .extracting(StoredObject::key)
        .noneMatch(k -> k.endsWith(".verify.lock"));
  }

  @Test
  void aLockLeftByACrashedRunIsBrokenAndAFreshOneIsNotAnOrphan() throws Exception {
    BackupManifest manifest = Backups.write(sink, "postgres", T0, "daily");
    String lock = manifest.dataKey() + ".verify.lock";
    Catalog catalog =
        Catalog.of(sink).withClock(Clock.fixed(T0.plus(Duration.ofHours(1)), ZoneOffset.UTC));
    sink.put(lock, ("{\"lockedAt\":\"" + T0 + "\"}").getBytes(StandardCharsets.UTF_8));
    assertThat(catalog.orphans()).as("a lock belongs to its backup").isEmpty();

    catalog.record(
        new VerificationResult(
            manifest.id(),
            VerificationLevel.STORED,
            T0.plusSeconds(3600),
            true,
            Duration.ZERO,
            "ok"));

    assertThat(catalog.get(manifest.id()).verifications()).hasSize(1);
    assertThat(sink.list("")).extracting(StoredObject::key).doesNotContain(lock);
  }

  @Test
  void aLockHeldTooLongByAnotherRunFailsTheRecordSayingWhatToDo() throws Exception {
    BackupManifest manifest = Backups.write(sink, "postgres", T0, "daily");
    String lock = manifest.dataKey() + ".verify.lock";
    sink.put(lock, ("{\"lockedAt\":\"" + T0 + "\"}").getBytes(StandardCharsets.UTF_8));
    Catalog catalog =
        Catalog.of(sink)
            .withClock(Clock.fixed(T0.plusSeconds(5), ZoneOffset.UTC))
            .recordLockWait(Duration.ofMillis(200));

    assertThatThrownBy(
            () ->
                catalog.record(
                    new VerificationResult(
                        manifest.id(),
                        VerificationLevel.STORED,
                        T0.plusSeconds(5),
                        true,
                        Duration.ZERO,
                        "ok")))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("catalog: cannot record the verification of " + manifest.id())
        .hasMessageContaining(lock)
        .hasMessageContaining("since " + T0)
        .hasMessageContaining("run the verification again later, or delete that lock");
    assertThat(sink.list(""))
        .extracting(StoredObject::key)
        .as("the other run's lock is left alone")
        .contains(lock)
        .doesNotContain(manifest.dataKey() + ".verify.json");
  }

  @Test
  void recordingForAMissingBackupFails() {
    Catalog catalog = Catalog.of(sink);
    assertThatThrownBy(
            () ->
                catalog.record(
                    new VerificationResult(
                        "postgres_20240115_020000",
                        VerificationLevel.STORED,
                        T0,
                        true,
                        Duration.ZERO,
                        "ok")))
        .isInstanceOf(BackupNotFoundException.class);
  }

  @Test
  void anInterruptedPromotionListsTheBackupOnceFromTheHigherTier(@TempDir Path dir)
      throws Exception {
    LocalSink local = LocalSink.open(dir);
    BackupManifest daily = Backups.write(local, "postgres", T0, "daily");
    BackupManifest monthly = daily.withDataKey(BackupLayout.inTier(daily.dataKey(), "monthly"));
    local.copy(daily.dataKey(), monthly.dataKey());
    local.put(monthly.manifestKey(), io.biowerk.dr.core.Manifests.toJson(monthly));
    // ...crash here: the daily copy was never deleted. A write that never committed leaves a temp
    // file too.
    Files.writeString(dir.resolve("postgres/daily/.x.bin" + ".biowerk-tmp-1234"), "partial");
    Catalog catalog = Catalog.of(local);

    assertThat(catalog.list())
        .singleElement()
        .satisfies(b -> assertThat(b.manifest().tier()).isEqualTo("monthly"));
    assertThat(catalog.orphans())
        .extracting(StoredObject::key)
        .containsExactlyInAnyOrder(
            daily.dataKey(),
            daily.sha256Key(),
            daily.manifestKey(),
            "postgres/daily/.x.bin.biowerk-tmp-1234");
    assertThat(catalog.cleanOrphans(Duration.ZERO, Instant.now().plusSeconds(60))).isEqualTo(4);
    assertThat(catalog.orphans()).isEmpty();
    assertThat(catalog.list())
        .singleElement()
        .satisfies(b -> assertThat(b.id()).isEqualTo(daily.id()));
  }
}
