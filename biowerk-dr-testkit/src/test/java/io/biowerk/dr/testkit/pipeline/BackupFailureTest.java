package io.biowerk.dr.testkit.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.ProgressListener;
import io.biowerk.dr.core.RestoreJob;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.SourceFailedException;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.Sha256;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.keys.EnvironmentKeys;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.testkit.FaultInjectingSink;
import io.biowerk.dr.testkit.GeneratedSource;
import io.biowerk.dr.testkit.InjectedFaultException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup that fails anywhere (a sink mid-write, on commit, on the side file or the manifest, on
 * the in-progress marker; the source mid-read or at its end) throws, and leaves no object at all in
 * any of the fan-out sinks, the healthy ones included: no data, no side file, no manifest, no
 * marker.
 */
@Timeout(
    value = 2,
    unit = TimeUnit.MINUTES) // a pipeline that hangs on a failure must fail the build, not stall it
class BackupFailureTest {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-30T02:00:00Z"), ZoneOffset.UTC);
  static final String ID = "orders_20261130_020000";
  static final String DATA_KEY = "orders/daily/" + ID + ".sql.zst.enc";
  static final KeyRing RING =
      KeyRing.of(
          EnvironmentKeys.fromVariable(
              "K", Map.of("K", "k1:" + Base64.getEncoder().encodeToString(new byte[32]))::get));

  @TempDir Path dir;

  final GeneratedSource source = GeneratedSource.text(3 << 20, 1).named("orders", "sql");
  final InMemorySink healthyMemory = InMemorySink.named("healthy");
  final FaultInjectingSink healthy = FaultInjectingSink.wrapping(healthyMemory);
  final InMemorySink failingMemory = InMemorySink.named("failing");
  final FaultInjectingSink failing = FaultInjectingSink.wrapping(failingMemory);

  static List<Codec> chain() throws Exception {
    return List.of(ZstdCodec.defaults(), EncryptionCodec.encryptingWith(RING.active(), RING, 4096));
  }

  BackupJob.Builder job(GeneratedSource from, Sink... sinks) throws Exception {
    return BackupJob.of(from).codecs(chain()).sinks(sinks).clock(CLOCK).buffers(3, 64 * 1024);
  }

  void assertNothingLeft() throws Exception {
    assertThat(healthyMemory.list("")).as("objects left in the healthy sink").isEmpty();
    assertThat(failingMemory.list("")).as("objects left in the failing sink").isEmpty();
  }

  @Test
  void aSinkFailingMidWriteFailsTheBackupAndNoSinkKeepsAnything() throws Exception {
    failing.failWriteAtByte(".*\\.zst\\.enc", 100_000);
    LocalSink local = LocalSink.open(dir.resolve("local"));
    assertThatThrownBy(() -> job(source, healthy, local, failing).build().run())
        .isInstanceOf(InjectedFaultException.class)
        // The sink's own failure reaches the caller unchanged (not a later failure of the cleanup).
        // The data
        // key it names carries the backup id.
        .hasMessageContaining("injected failure at byte 100000 of " + DATA_KEY);
    assertNothingLeft();
    try (Stream<Path> files = Files.walk(local.root())) {
      assertThat(files.filter(Files::isRegularFile))
          .as("files left in the local repository")
          .isEmpty();
    }
    assertThat(healthy.aborted()).containsExactly(DATA_KEY);
    assertThat(failing.aborted()).containsExactly(DATA_KEY);
    assertThat(healthy.committed())
        .as("only the in-progress marker was ever committed")
        .containsExactly("orders/.in-progress/" + ID);
  }

  @AfterEach
  void noPipelineThreadOutlivesItsBackup() throws InterruptedException {
    // The reader and sealing threads are stopped before run() returns or throws (joined, not
    // abandoned).
    List<String> alive = List.of();
    for (int i = 0; i < 100; i++) {
      alive =
          Thread.getAllStackTraces().keySet().stream()
              .filter(Thread::isAlive)
              .map(Thread::getName)
              .filter(
                  name ->
                      name.startsWith("biowerk-dr-read-") || name.startsWith("biowerk-dr-seal-"))
              .toList();
      if (alive.isEmpty()) {
        return;
      }
      Thread.sleep(50);
    }
    assertThat(alive).as("pipeline threads still running 5 s after the backup ended").isEmpty();
  }

  @Test
  void aSinkFailingMidWriteLeavesNothingWhateverTheChain() throws Exception {
    List<List<Codec>> chains =
        List.of(
            List.of(),
            List.of(ZstdCodec.defaults()),
            List.of(EncryptionCodec.encryptingWith(RING.active(), RING)),
            chain());
    for (List<Codec> codecs : chains) {
      InMemorySink first = InMemorySink.named("first");
      InMemorySink second = InMemorySink.named("second");
      FaultInjectingSink faulty =
          FaultInjectingSink.wrapping(second).failWriteAtByte("orders/daily/.*", 200_000);
      GeneratedSource random = GeneratedSource.random(2 << 20, 2).named("orders", "sql");
      assertThatThrownBy(
              () ->
                  BackupJob.of(random)
                      .codecs(codecs)
                      .sinks(first, faulty)
                      .clock(CLOCK)
                      .buffers(2, 16 * 1024)
                      .build()
                      .run())
          .as("chain %s", codecs)
          .isInstanceOf(InjectedFaultException.class)
          .hasMessageContaining("injected failure at byte 200000 of orders/daily/" + ID + ".sql")
          .hasMessageContaining("check the store, then run it again");
      assertThat(first.list("")).as("left in the healthy sink, chain %s", codecs).isEmpty();
      assertThat(second.list("")).as("left in the failing sink, chain %s", codecs).isEmpty();
    }
  }

  @Test
  void aSinkFailingOnTheFirstByteLeavesNothing() throws Exception {
    failing.failWriteAtByte(".*\\.zst\\.enc", 0);
    assertThatThrownBy(() -> job(source, healthy, failing).build().run())
        .isInstanceOf(InjectedFaultException.class)
        .hasMessageContaining("at byte 0 of " + DATA_KEY);
    assertNothingLeft();
  }

  @Test
  void aFailedCommitInOneSinkRemovesTheDataAlreadyCommittedInAnother() throws Exception {
    failing.failCommit(".*\\.zst\\.enc");
    assertThatThrownBy(() -> job(source, healthy, failing).build().run())
        .isInstanceOf(InjectedFaultException.class)
        .hasMessageContaining("committing " + DATA_KEY);
    assertThat(healthy.committed()).contains(DATA_KEY);
    assertNothingLeft();
  }

  @Test
  void aFailedSideFileOrManifestRemovesEverything() throws Exception {
    for (String pattern : List.of(".*\\.sha256", ".*\\.manifest\\.json")) {
      InMemorySink first = InMemorySink.named("first");
      InMemorySink second = InMemorySink.named("second");
      FaultInjectingSink faulty = FaultInjectingSink.wrapping(second).failOpenWrite(pattern);
      assertThatThrownBy(() -> job(source, first, faulty).build().run())
          .as(pattern)
          .isInstanceOf(InjectedFaultException.class);
      assertThat(first.list("")).as("left in the healthy sink after %s failed", pattern).isEmpty();
      assertThat(second.list("")).as("left in the failing sink after %s failed", pattern).isEmpty();
    }
  }

  @Test
  void aFailedInProgressMarkerStopsTheBackupBeforeAnyData() throws Exception {
    failing.failOpenWrite(".*/\\.in-progress/.*");
    assertThatThrownBy(() -> job(source, healthy, failing).build().run())
        .isInstanceOf(InjectedFaultException.class)
        .hasMessageContaining("orders/.in-progress/" + ID);
    assertNothingLeft();
    assertThat(source.runsOpened()).as("the source was never started").isZero();
  }

  @Test
  void aSourceFailingAtItsEndCommitsNothing() throws Exception {
    GeneratedSource broken =
        source.failingOnClose("pg_dump: error: query failed: ERROR: permission denied");
    assertThatThrownBy(() -> job(broken, healthy, failing).build().run())
        .isInstanceOfSatisfying(
            SourceFailedException.class, e -> assertThat(e.detail()).contains("permission denied"))
        .hasMessageStartingWith("generated: ")
        .hasMessageContaining("permission denied");
    assertNothingLeft();
    assertThat(healthy.committed()).containsExactly("orders/.in-progress/" + ID);
  }

  @Test
  void aSourceFailingMidReadCommitsNothing() throws Exception {
    assertThatThrownBy(() -> job(source.failingAfter(1_000_000), healthy, failing).build().run())
        .isInstanceOf(InjectedFaultException.class)
        .hasMessageContaining("dropped after 1000000 bytes");
    assertNothingLeft();
  }

  @Test
  void aSuccessfulFanOutWritesTheSameBackupToEverySinkAndReportsProgress() throws Exception {
    List<ProgressListener.Progress> events = new ArrayList<>();
    LocalSink local = LocalSink.open(dir.resolve("local"));
    BackupJob job =
        job(source, healthy, local).listener(events::add).sourceUri("generated://orders").build();
    assertThat(job.toString())
        .isEqualTo(
            "generated://orders -> zstd(3) -> aes-256-gcm(key k1) -> faulty(memory:healthy)"
                + " + "
                + local);
    BackupManifest manifest = job.run();

    assertThat(manifest.id()).isEqualTo(ID);
    assertThat(manifest.dataKey()).isEqualTo(DATA_KEY);
    assertThat(manifest.rawSize()).isEqualTo(source.size());
    assertThat(manifest.rawSha256()).isEqualTo(source.sha256());
    assertThat(manifest.keyId()).contains("k1");
    assertThat(manifest.facts()).containsEntry("generator", "text");
    for (Sink sink : List.of(healthy, local)) {
      byte[] stored = sink.get(DATA_KEY);
      assertThat(Sha256.of(stored)).isEqualTo(manifest.storedSha256());
      assertThat((long) stored.length).isEqualTo(manifest.storedSize());
      assertThat(Manifests.toJson(Manifests.parse(sink.get(manifest.manifestKey()), "test")))
          .isEqualTo(Manifests.toJson(manifest));
      assertThat(
              new String(sink.get(manifest.sha256Key()), java.nio.charset.StandardCharsets.UTF_8))
          .isEqualTo(manifest.storedSha256() + "  " + ID + ".sql.zst.enc\n");
      assertThat(sink.list("orders/.in-progress")).isEmpty();
      CollectingTarget target = new CollectingTarget();
      RestoreJob.of(sink, manifest, RING, target).run();
      assertThat(target.committed).isEqualTo(1);
      assertThat(Sha256.of(target.restored)).isEqualTo(source.sha256());
    }

    ProgressListener.Progress last = events.get(events.size() - 1);
    assertThat(last.done()).isTrue();
    assertThat(last.bytesIn()).isEqualTo(source.size());
    assertThat(last.bytesOut()).isEqualTo(manifest.storedSize());
    assertThat(last.expectedIn()).isEqualTo(source.size());
    assertThat(last.rate()).isPositive();
    assertThat(events).filteredOn(ProgressListener.Progress::done).hasSize(1);
    for (int i = 1; i < events.size(); i++) {
      assertThat(events.get(i).bytesIn()).isGreaterThanOrEqualTo(events.get(i - 1).bytesIn());
    }
  }

  @Test
  void aSecondBackupInTheSameSecondGetsItsOwnId() throws Exception {
    BackupManifest first = job(source, healthy).build().run();
    BackupManifest second = job(source, healthy).build().run();
    assertThat(first.id()).isEqualTo(ID);
    assertThat(second.id()).isEqualTo(ID + "-2");
    assertThat(healthy.list("orders/daily/")).hasSize(6);
  }
}
