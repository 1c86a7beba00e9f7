package io.biowerk.dr.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.testing.RoundTrip;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two backups of one source started in the same second never share an id, whatever order their
 * steps take.
 */
class BackupIdClaimTest {

  private static final Instant T = Instant.parse("2024-01-15T02:00:00Z");
  private static final Clock CLOCK = Clock.fixed(T, ZoneOffset.UTC);

  @TempDir Path dir;

  @Test
  void localPutIfAbsentCreatesOnceAndNeverReplaces() throws Exception {
    LocalSink sink = LocalSink.open(dir);
    assertThat(sink.putIfAbsent("a/b/marker", bytes("first"))).isTrue();
    assertThat(sink.putIfAbsent("a/b/marker", bytes("second"))).isFalse();
    assertThat(new String(sink.get("a/b/marker"), StandardCharsets.UTF_8)).isEqualTo("first");
    assertThat(sink.list("a/")).extracting(StoredObject::key).containsExactly("a/b/marker");
  }

  @Test
  void exactlyOneOfManyRacingCreatorsWins() throws Exception {
    LocalSink sink = LocalSink.open(dir);
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        byte[] payload = bytes("writer " + i);
        Callable<Boolean> claim =
            () -> {
              start.await();
              return sink.putIfAbsent("race/marker", payload);
            };
        results.add(pool.submit(claim));
      }
      start.countDown();
      int winners = 0;
      for (Future<Boolean> result : results) {
        winners += result.get() ? 1 : 0;
      }
      assertThat(winners).isEqualTo(1);
      assertThat(new String(sink.get("race/marker"), StandardCharsets.UTF_8)).startsWith("writer ");
      try (Stream<Path> files = Files.list(dir.resolve("race"))) {
        assertThat(files.map(p -> p.getFileName().toString())).containsExactly("marker");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void sequentialBackupsInOneSecondGetDistinctIds() throws Exception {
    LocalSink sink = LocalSink.open(dir);
    BackupManifest first =
        BackupJob.of(RoundTrip.source(bytes("one"))).sinks(sink).clock(CLOCK).build().run();
    BackupManifest second =
        BackupJob.of(RoundTrip.source(bytes("two"))).sinks(sink).clock(CLOCK).build().run();
    assertThat(first.id()).isEqualTo("unit_20240115_020000");
    assertThat(second.id()).isEqualTo("unit_20240115_020000-2");
    assertThat(sink.list("unit/.in-progress")).isEmpty();
  }

  @Test
  void aRunThatClaimedTheIdAfterOurListingKeepsIt() throws Exception {
    LocalSink local = LocalSink.open(dir);
    // Another run of the same source holds the id: its marker exists, but our listing was taken
    // before it.
    local.put("unit/.in-progress/unit_20240115_020000", bytes("{\"id\":\"unit_20240115_020000\"}"));
    BackupManifest ours =
        BackupJob.of(RoundTrip.source(bytes("ours")))
            .sinks(staleFirstListing(local))
            .clock(CLOCK)
            .build()
            .run();
    assertThat(ours.id()).isEqualTo("unit_20240115_020000-2");
    assertThat(local.get("unit/.in-progress/unit_20240115_020000"))
        .asString(StandardCharsets.UTF_8)
        .contains("unit_20240115_020000");
  }

  @Test
  void aRunThatFinishedBetweenOurListingAndOurClaimKeepsItsBackup() throws Exception {
    LocalSink local = LocalSink.open(dir);
    BackupManifest theirs =
        BackupJob.of(RoundTrip.source(bytes("theirs"))).sinks(local).clock(CLOCK).build().run();
    byte[] theirData = local.get(theirs.dataKey());
    // Our listing predates their whole run, and their marker is gone again: only a re-check after
    // the claim
    // can see that the id is used.
    BackupManifest ours =
        BackupJob.of(RoundTrip.source(bytes("ours")))
            .sinks(staleFirstListing(local))
            .clock(CLOCK)
            .build()
            .run();
    assertThat(ours.id()).isEqualTo("unit_20240115_020000-2");
    assertThat(local.get(theirs.dataKey())).isEqualTo(theirData);
    assertThat(Manifests.parse(local.get(theirs.manifestKey()), "theirs")).isEqualTo(theirs);
    assertThat(local.list("unit/.in-progress")).isEmpty();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The real sink, except that its first listing is empty, as a listing taken just before another
   * run's writes would be. Everything else reaches the real files.
   */
  private static Sink staleFirstListing(LocalSink delegate) {
    return new Sink() {
      private boolean listed;

      @Override
      public PendingWrite openWrite(String key) throws IOException {
        return delegate.openWrite(key);
      }

      @Override
      public ReadableByteChannel openRead(String key) throws IOException {
        return delegate.openRead(key);
      }

      @Override
      public List<StoredObject> list(String prefix) throws IOException {
        if (!listed) {
          listed = true;
          return List.of();
        }
        return delegate.list(prefix);
      }

      @Override
      public void delete(String key) throws IOException {
        delegate.delete(key);
      }

      @Override
      public boolean putIfAbsent(String key, byte[] bytes) throws IOException {
        return delegate.putIfAbsent(key, bytes);
      }

      @Override
      public String toString() {
        return delegate.toString();
      }
    };
  }
}
