package io.biowerk.dr.testkit.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupOutcome;
import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.PartialBackupException;
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
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sink that fails anywhere (mid-write, on commit, on the side file or the manifest, on the
 * in-progress marker) is dropped from the fan-out and left with no object at all, while the healthy
 * sinks keep the complete backup and {@link BackupJob#run()} throws {@link PartialBackupException}
 * naming both. A source that fails (mid-read or at its end), or every sink failing, throws and
 * leaves no object in any sink: no data, no side file, no manifest, no marker.
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

  /** The healthy sinks hold the complete backup; the failing one holds nothing at all. */
  static void assertKeptOnlyIn(List<Sink> kept, Sink failed) throws Exception {
    for (Sink sink : kept) {
      assertThat(sink.list("").stream().map(o -> o.key()).toList())
          .as("the complete backup in %s", sink)
          .containsExactlyInAnyOrder(
              "orders/daily/" + ID + ".sql" + suffixOf(sink),
              "orders/daily/" + ID + ".sql" + suffixOf(sink) + ".sha256",
              "orders/daily/" + ID + ".sql" + suffixOf(sink) + ".manifest.json");
    }
    assertThat(failed.list("")).as("objects left in the failing sink").isEmpty();
  }

  private static String suffixOf(Sink sink) throws Exception {
    String key =
        sink.list("orders/daily/").stream()
            .map(o -> o.key())
            .filter(k -> k.endsWith(".manifest.json"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no manifest in " + sink));
    return key.substring(
        ("orders/daily/" + ID + ".sql").length(), key.length() - ".manifest.json".length());
  }

  @Test
  void aSinkFailingMidWriteIsDroppedAndTheOthersKeepTheCompleteBackup() throws Exception {
    failing.failWriteAtByte(".*\\.zst\\.enc", 100_000);
    LocalSink local = LocalSink.open(dir.resolve("local"));
    BackupJob job = job(source, healthy, local, failing).build();
    assertThatThrownBy(job::run)
        .isInstanceOfSatisfying(
            PartialBackupException.class,
            e -> {
              assertThat(e.outcome().succeeded()).containsExactly(healthy, local);
              assertThat(e.outcome().failed()).containsOnlyKeys(failing);
              assertThat(e.outcome().failed().get(failing))
                  .isInstanceOf(InjectedFaultException.class)
                  .hasMessageContaining("injected failure at byte 100000 of " + DATA_KEY);
              assertThat(e.outcome().manifest().id()).isEqualTo(ID);
            })
        // The message names the sink that failed, why, where the backup is, and what to do.
        .hasMessageContaining("backup " + ID + " failed in faulty(memory:failing)")
        .hasMessageContaining("injected failure at byte 100000 of " + DATA_KEY)
        .hasMessageContaining("complete in faulty(memory:healthy), " + local)
        .hasMessageContaining("biowerk-dr sync");
    assertKeptOnlyIn(List.of(healthyMemory, local), failingMemory);
    assertThat(failing.aborted()).containsExactly(DATA_KEY);
    assertThat(healthy.aborted()).isEmpty();
    for (Sink sink : List.of(healthy, local)) {
      BackupManifest manifest = Manifests.parse(sink.get(DATA_KEY + ".manifest.json"), "test");
      CollectingTarget target = new CollectingTarget();
      RestoreJob.of(sink, manifest, RING, target).run();
      assertThat(Sha256.of(target.restored))
          .as("restored from %s", sink)
          .isEqualTo(source.sha256());
    }
  }

  @Test
  void runEachReportsTheOutcomeWithoutThrowingForAPartialFanOut() throws Exception {
    failing.failWriteAtByte(".*\\.zst\\.enc", 0);
    BackupOutcome outcome = job(source, healthy, failing).build().runEach();
    assertThat(outcome.complete()).isFalse();
    assertThat(outcome.succeeded()).containsExactly(healthy);
    assertThat(outcome.failed()).containsOnlyKeys(failing);
    assertKeptOnlyIn(List.of(healthyMemory), failingMemory);

    BackupOutcome whole =
        job(source, InMemorySink.named("a"), InMemorySink.named("b")).build().runEach();
    assertThat(whole.complete()).isTrue();
    assertThat(whole.failed()).isEmpty();
    assertThat(whole.succeeded()).hasSize(2);
  }

  @Test
  void everySinkFailingFailsTheBackupAndLeavesNothing() throws Exception {
    failing.failWriteAtByte(".*\\.zst\\.enc", 50_000);
    healthy.failCommit(".*\\.zst\\.enc");
    assertThatThrownBy(() -> job(source, healthy, failing).build().run())
        .isNotInstanceOf(PartialBackupException.class)
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("backup " + ID + " failed in every repository")
        .hasMessageContaining(
            "faulty(memory:failing) (fault-injecting sink: injected failure at byte 50000")
        .hasMessageContaining("committing " + DATA_KEY)
        .hasMessageContaining("nothing was kept");
    assertNothingLeft();
  }

  @Test
  void aSingleSinkFailingMidWriteFailsTheBackupWithItsOwnFailure() throws Exception {
    failing.failWriteAtByte(".*\\.zst\\.enc", 100_000);
    assertThatThrownBy(() -> job(source, failing).build().run())
        .isInstanceOf(InjectedFaultException.class)
        .hasMessageContaining("injected failure at byte 100000 of " + DATA_KEY);
    assertThat(failingMemory.list("")).isEmpty();
    assertThat(failing.aborted()).containsExactly(DATA_KEY);
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
  void aSinkFailingMidWriteKeepsTheOtherWhateverTheChain() throws Exception {
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
          .isInstanceOf(PartialBackupException.class)
          .hasMessageContaining("injected failure at byte 200000 of orders/daily/" + ID + ".sql");
      assertKeptOnlyIn(List.of(first), second);
    }
  }

  @Test
  void aSinkFailingOnTheFirstByteLeavesNothingThere() throws Exception {
    failing.failWriteAtByte(".*\\.zst\\.enc", 0);
    assertThatThrownBy(() -> job(source, healthy, failing).build().run())
        .isInstanceOf(PartialBackupException.class)
        .hasMessageContaining("at byte 0 of " + DATA_KEY);
    assertKeptOnlyIn(List.of(healthyMemory), failingMemory);
  }

  @Test
  void aFailedCommitInOneSinkKeepsTheBackupInTheOther() throws Exception {
    failing.failCommit(".*\\.zst\\.enc");
    assertThatThrownBy(() -> job(source, healthy, failing).build().run())
        .isInstanceOf(PartialBackupException.class)
        .hasMessageContaining("committing " + DATA_KEY);
    assertThat(healthy.committed()).contains(DATA_KEY);
    assertKeptOnlyIn(List.of(healthyMemory), failingMemory);
  }

  @Test
  void aFailedSideFileOrManifestRemovesEverythingInThatSinkOnly() throws Exception {
    for (String pattern : List.of(".*\\.sha256", ".*\\.manifest\\.json")) {
      InMemorySink first = InMemorySink.named("first");
      InMemorySink second = InMemorySink.named("second");
      FaultInjectingSink faulty = FaultInjectingSink.wrapping(second).failOpenWrite(pattern);
      assertThatThrownBy(() -> job(source, first, faulty).build().run())
          .as(pattern)
          .isInstanceOf(PartialBackupException.class);
      assertKeptOnlyIn(List.of(first), second);
    }
  }

  @Test
  void aFailedInProgressMarkerDropsThatSinkBeforeAnyData() throws Exception {
    failing.failOpenWrite(".*/\\.in-progress/.*");
    assertThatThrownBy(() -> job(source, healthy, failing).build().run())
        .isInstanceOf(PartialBackupException.class)
        .hasMessageContaining("orders/.in-progress/" + ID);
    assertKeptOnlyIn(List.of(healthyMemory), failingMemory);
    assertThat(failing.committed()).as("nothing was ever written to the failing sink").isEmpty();
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
