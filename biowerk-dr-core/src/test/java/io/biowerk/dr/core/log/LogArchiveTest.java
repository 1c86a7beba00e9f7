package io.biowerk.dr.core.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.local.LocalSink;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generic log archive on a real local repository: push, idempotence, conflicts, fetch, spool,
 * read-ahead.
 */
class LogArchiveTest {

  @TempDir Path dir;
  LocalSink sink;
  MasterKey key;
  KeyRing ring;
  LogArchive archive;

  @BeforeEach
  void setUp() throws IOException {
    sink = LocalSink.open(dir.resolve("repo"));
    key = MasterKey.generate("k1");
    ring = ring(key);
    archive =
        LogArchive.of(
            sink,
            "orders",
            "wal",
            List.of(ZstdCodec.defaults(), EncryptionCodec.encryptingWith(key, ring)),
            ring);
  }

  static KeyRing ring(MasterKey key) {
    return KeyRing.of(
        new KeyProvider() {
          @Override
          public Optional<MasterKey> key(String id) {
            return id.equals(key.id()) ? Optional.of(key) : Optional.empty();
          }

          @Override
          public Optional<String> activeKeyId() {
            return Optional.of(key.id());
          }

          @Override
          public Set<String> keyIds() {
            return Set.of(key.id());
          }
        });
  }

  Path segment(String name, long seed) throws IOException {
    byte[] bytes = new byte[300_000];
    new Random(seed).nextBytes(bytes);
    for (int i = 0; i < bytes.length; i += 3) {
      bytes[i] = 0; // compressible, like WAL
    }
    Path file = dir.resolve("in-" + name + "-" + seed);
    Files.write(file, bytes);
    return file;
  }

  static LogSegmentInfo info(String name) {
    return new LogSegmentInfo(
        name,
        "0/1",
        "0/2",
        Optional.empty(),
        Optional.of(Instant.parse("2026-01-01T00:00:00Z")),
        Map.of("timeline", 1));
  }

  @Test
  void aPushedSegmentComesBackIdenticalAndItsManifestRecordsItsRange() throws IOException {
    Path file = segment("000000010000000000000003", 1);
    assertThat(archive.push(info("000000010000000000000003"), file))
        .isEqualTo(LogArchive.PushResult.STORED);
    assertThat(archive.names()).containsExactly("000000010000000000000003");
    LogSegment stored = archive.segment("000000010000000000000003").orElseThrow();
    assertThat(stored.firstPosition()).isEqualTo("0/1");
    assertThat(stored.lastTime()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(stored.manifest().dataKey())
        .isEqualTo("orders/wal/000000010000000000000003.zst.enc");
    assertThat(stored.manifest().keyId()).contains("k1");
    assertThat(stored.manifest().storedSize()).isLessThan(stored.manifest().rawSize());
    Path out = dir.resolve("out");
    assertThat(archive.fetch("000000010000000000000003", out)).isTrue();
    assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(file));
    assertThat(archive.fetch("000000010000000000000004", dir.resolve("none"))).isFalse();
    assertThat(dir.resolve("none")).doesNotExist();
  }

  /**
   * A growing segment stored as pieces: each piece holds only its range, overlapping pieces (a
   * receiver that restarted) lay down the same bytes, and fetch gives the covered prefix
   * zero-filled to the recorded size; pieces after a gap are not used.
   */
  @Test
  void piecesOfAGrowingSegmentAreLaidDownAtTheirOffsetsAndOnlyUpToTheFirstGap() throws IOException {
    Path file = segment("G", 7); // 300,000 bytes
    byte[] all = Files.readAllBytes(file);
    String whole = "000000010000000000000005.partial";
    assertThat(archive.storePiece(info(whole), file, 0, 100_000, 400_000))
        .isEqualTo(whole + ".00000000-000186a0");
    archive.storePiece(info(whole), file, 100_000, 150_000, 400_000);
    // a restarted receiver's piece overlapping both
    archive.storePiece(info(whole), file, 0, 120_000, 400_000);
    // after a gap (150,000 .. 200,000 missing)
    archive.storePiece(info(whole), file, 200_000, 300_000, 400_000);

    List<String> names = archive.names();
    assertThat(names).hasSize(4).allMatch(n -> n.startsWith(whole + "."));
    assertThat(archive.pieces(whole)).isEqualTo(names);
    String second = LogArchive.pieceName(whole, 100_000, 150_000);
    assertThat(archive.segment(second).orElseThrow().manifest().rawSize())
        .as("a piece stores only its own range")
        .isEqualTo(50_000);
    assertThat(LogArchive.piecesCover(whole, names)).isEqualTo(150_000);
    assertThat(LogArchive.contiguousPieces(whole, names))
        .containsExactly(LogArchive.pieceName(whole, 0, 120_000), second);
    assertThat(LogArchive.pieceRange(whole, "000000010000000000000005")).isEmpty();
    assertThat(LogArchive.pieceRange(whole, whole + ".00000010-00000001")).isEmpty();

    Path out = dir.resolve("out");
    assertThat(archive.fetch(whole, out)).isTrue();
    byte[] expected = new byte[400_000];
    System.arraycopy(all, 0, expected, 0, 150_000);
    assertThat(Files.readAllBytes(out)).isEqualTo(expected);

    // without a piece at offset 0 there is nothing to lay down
    archive.delete(LogArchive.pieceName(whole, 0, 100_000));
    archive.delete(LogArchive.pieceName(whole, 0, 120_000));
    assertThat(archive.fetch(whole, dir.resolve("none"))).isFalse();
    assertThat(dir.resolve("none")).doesNotExist();
  }

  /** A damaged piece fails the fetch as a damaged segment does, and nothing appears. */
  @Test
  void aDamagedPieceIsRefusedAndNothingAppears() throws IOException {
    Path file = segment("H", 8);
    String whole = "000000010000000000000006.partial";
    archive.storePiece(info(whole), file, 0, 100_000, 300_000);
    archive.storePiece(info(whole), file, 100_000, 200_000, 300_000);
    String dataKey =
        archive
            .segment(LogArchive.pieceName(whole, 100_000, 200_000))
            .orElseThrow()
            .manifest()
            .dataKey();
    Path stored = dir.resolve("repo").resolve(dataKey);
    byte[] bytes = Files.readAllBytes(stored);
    bytes[bytes.length / 2] ^= 1;
    Files.write(stored, bytes);
    Path out = dir.resolve("out");
    assertThatThrownBy(() -> archive.fetch(whole, out)).isInstanceOf(IntegrityException.class);
    assertThat(out).doesNotExist();
    try (var left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
  }

  @Test
  void pushingTheSameBytesAgainIsANoOpAndDifferentBytesAreRefused() throws IOException {
    Path file = segment("A", 1);
    archive.push(info("000000010000000000000003"), file);
    assertThat(archive.push(info("000000010000000000000003"), file))
        .isEqualTo(LogArchive.PushResult.ALREADY_STORED);
    Path other = segment("A", 2);
    assertThatThrownBy(() -> archive.push(info("000000010000000000000003"), other))
        .isInstanceOf(LogConflictException.class)
        .hasMessageStartingWith(
            "wal archive: orders/wal/000000010000000000000003 is already stored with different"
                + " bytes")
        .hasMessageContaining("give each cluster its own source name");
    Path out = dir.resolve("out");
    archive.fetch("000000010000000000000003", out);
    assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(file));
  }

  @Test
  void aDamagedSegmentOrAWrongKeyIsRefusedAndNothingAppears() throws IOException {
    archive.push(info("000000010000000000000003"), segment("A", 1));
    LogArchive otherKey =
        LogArchive.of(sink, "orders", "wal", List.of(), ring(MasterKey.generate("k1")));
    assertThatThrownBy(() -> otherKey.fetch("000000010000000000000003", dir.resolve("out")))
        .isInstanceOf(WrongKeyException.class);
    assertThat(dir.resolve("out")).doesNotExist();

    Path stored = dir.resolve("repo/orders/wal/000000010000000000000003.zst.enc");
    byte[] bytes = Files.readAllBytes(stored);
    bytes[bytes.length / 2] ^= 1;
    Files.write(stored, bytes);
    assertThatThrownBy(() -> archive.fetch("000000010000000000000003", dir.resolve("out")))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("000000010000000000000003");
    assertThat(dir.resolve("out")).doesNotExist();
  }

  @Test
  void theSpoolIsDrainedIntoTheArchiveAndAFailureIsReportedToTheNextOffer() throws IOException {
    LogSpool spool = LogSpool.at(dir.resolve("spool"));
    Path a = segment("A", 1);
    spool.offer("000000010000000000000003", a);
    spool.offer("000000010000000000000004", segment("B", 2));
    assertThat(spool.queued())
        .containsExactly("000000010000000000000003", "000000010000000000000004");
    LogProvider provider = new TestLog();
    assertThat(spool.drainOnce(archive, provider)).isEqualTo(2);
    assertThat(spool.queued()).isEmpty();
    assertThat(archive.names())
        .containsExactly("000000010000000000000003", "000000010000000000000004");

    spool.offer("000000010000000000000003", segment("C", 3));
    assertThat(spool.drainOnce(archive, provider)).isZero();
    assertThat(spool.failed()).containsExactly("000000010000000000000003");
    assertThatThrownBy(() -> spool.offer("000000010000000000000003", a))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(
            "archiving 000000010000000000000003 failed before: LogConflictException")
        .hasMessageContaining("delete ");
    // the failure sticks for every later segment too, so the database keeps its log
    assertThatThrownBy(() -> spool.offer("000000010000000000000005", segment("D", 4)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("archiving 000000010000000000000003 failed before")
        .hasMessageContaining("so the next retry queues 000000010000000000000005");
    assertThat(spool.queued()).doesNotContain("000000010000000000000005");
  }

  @Test
  void readAheadFetchesTheNextSegmentsIntoTheSpoolAndServesThemFromThere() throws IOException {
    for (int i = 1; i <= 5; i++) {
      archive.push(info("00000001000000000000000" + i), segment("S", i));
    }
    Path spool = dir.resolve("fetch-spool");
    LogPrefetch fetch = LogPrefetch.of(archive, spool, 3, 2);
    assertThat(fetch.fetch("000000010000000000000001", dir.resolve("p1"))).isTrue();
    assertThat(spool.resolve("000000010000000000000002")).exists();
    assertThat(spool.resolve("000000010000000000000004")).exists();
    assertThat(spool.resolve("000000010000000000000005")).doesNotExist();
    assertThat(fetch.fetch("000000010000000000000002", dir.resolve("p2"))).isTrue();
    assertThat(Files.readAllBytes(dir.resolve("p2")))
        .isEqualTo(Files.readAllBytes(segment("S", 2)));
    assertThat(spool.resolve("000000010000000000000002")).doesNotExist();
    assertThat(spool.resolve("000000010000000000000005")).exists();
    assertThat(fetch.fetch("000000010000000000000009", dir.resolve("p9"))).isFalse();
  }

  @Test
  void aReadySegmentThatNoLongerMatchesItsChecksumIsFetchedAgainFromTheArchive()
      throws IOException {
    for (int i = 1; i <= 3; i++) {
      archive.push(info("00000001000000000000000" + i), segment("S", i));
    }
    Path spool = dir.resolve("fetch-spool");
    LogPrefetch fetch = LogPrefetch.of(archive, spool, 2, 2);
    assertThat(fetch.fetch("000000010000000000000001", dir.resolve("p1"))).isTrue();
    Path ready = spool.resolve("000000010000000000000002");
    assertThat(spool.resolve("000000010000000000000002" + LogPrefetch.SHA256))
        .content()
        .isEqualToIgnoringNewLines(LogPrefetch.sha256(segment("S", 2)));
    // damaged on local disk after it was checked: one byte flipped
    byte[] bytes = Files.readAllBytes(ready);
    bytes[100] ^= 1;
    Files.write(ready, bytes);
    assertThat(fetch.fetch("000000010000000000000002", dir.resolve("p2"))).isTrue();
    assertThat(Files.readAllBytes(dir.resolve("p2")))
        .isEqualTo(Files.readAllBytes(segment("S", 2)));
    // a segment without its checksum file (a crash between the two) is never served from the spool
    Files.write(spool.resolve("000000010000000000000003"), new byte[] {1, 2, 3});
    Files.deleteIfExists(spool.resolve("000000010000000000000003" + LogPrefetch.SHA256));
    assertThat(fetch.fetch("000000010000000000000003", dir.resolve("p3"))).isTrue();
    assertThat(Files.readAllBytes(dir.resolve("p3")))
        .isEqualTo(Files.readAllBytes(segment("S", 3)));
  }

  @Test
  void thePrefetcherKeepsTheSegmentsAfterTheWantedOneReadyAndAnswersWaits() throws Exception {
    for (int i = 1; i <= 6; i++) {
      archive.push(info("00000001000000000000000" + i), segment("S", i));
    }
    Path spool = Files.createDirectories(dir.resolve("prefetch-spool"));
    LogPrefetch prefetch = LogPrefetch.of(archive, spool, 3, 2);
    Files.writeString(spool.resolve(LogPrefetch.WANTED), "000000010000000000000001\n");
    java.util.concurrent.atomic.AtomicReference<Throwable> failed =
        new java.util.concurrent.atomic.AtomicReference<>();
    Thread runner =
        new Thread(
            () -> {
              try {
                prefetch.keepAhead(java.time.Duration.ofSeconds(3));
              } catch (Throwable t) {
                failed.set(t);
              }
            });
    runner.start();
    try {
      for (int i = 2; i <= 4; i++) {
        Path ready = awaitFile(spool.resolve("00000001000000000000000" + i + LogPrefetch.SHA256));
        Path segment = spool.resolve("00000001000000000000000" + i);
        assertThat(segment).exists();
        assertThat(Files.readString(ready).strip()).isEqualTo(LogPrefetch.sha256(segment));
        assertThat(Files.readAllBytes(segment)).isEqualTo(Files.readAllBytes(segment("S", i)));
      }
      // three ahead, not more
      Thread.sleep(300);
      assertThat(spool.resolve("000000010000000000000005")).doesNotExist();
      // the database moves on: the window follows, what it passed is removed
      Files.delete(spool.resolve("000000010000000000000002"));
      Files.writeString(spool.resolve(LogPrefetch.WANTED), "000000010000000000000003\n");
      awaitFile(spool.resolve("000000010000000000000006" + LogPrefetch.SHA256));
      assertThat(spool.resolve("000000010000000000000002" + LogPrefetch.SHA256)).doesNotExist();
      // a segment waited for again (the database asks twice) is fetched again
      Files.delete(spool.resolve("000000010000000000000003"));
      Files.writeString(spool.resolve(LogPrefetch.WAITING), "000000010000000000000003\n");
      awaitFile(spool.resolve("000000010000000000000003"));
      // a segment the archive lacks is named in .absent
      Files.writeString(spool.resolve(LogPrefetch.WAITING), "00000002.history\n");
      long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
      while (!"00000002.history".equals(readOrNull(spool.resolve(LogPrefetch.ABSENT)))) {
        assertThat(System.nanoTime()).as("absent named").isLessThan(until);
        Thread.sleep(20);
      }
    } finally {
      runner.join(10_000);
    }
    assertThat(runner.isAlive()).as("stopped after 3 s without a new request").isFalse();
    assertThat(failed.get()).isNull();
    try (var files = Files.list(spool)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no partial file left behind")
          .noneMatch(n -> n.endsWith(".part") || n.endsWith(".tmp"));
    }
  }

  @Test
  void thePrefetcherNamesASegmentItCannotDecodeInFailedAndServesNoByteOfIt() throws Exception {
    archive.push(info("000000010000000000000001"), segment("S", 1));
    archive.push(info("000000010000000000000002"), segment("S", 2));
    // the stored object of segment 2 is damaged in the repository
    try (var files = Files.walk(dir.resolve("repo"))) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        String n = p.getFileName().toString();
        if (n.startsWith("000000010000000000000002") && !n.endsWith(".json")) {
          byte[] b = Files.readAllBytes(p);
          b[b.length / 2] ^= 1;
          Files.write(p, b);
        }
      }
    }
    Path spool = Files.createDirectories(dir.resolve("prefetch-spool"));
    Files.writeString(spool.resolve(LogPrefetch.WANTED), "000000010000000000000001\n");
    Files.writeString(spool.resolve(LogPrefetch.WAITING), "000000010000000000000002\n");
    LogPrefetch prefetch = LogPrefetch.of(archive, spool, 2, 1);
    Thread runner =
        new Thread(
            () -> {
              try {
                prefetch.keepAhead(java.time.Duration.ofSeconds(2));
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    runner.start();
    long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (!"000000010000000000000002".equals(readOrNull(spool.resolve(LogPrefetch.FAILED)))) {
      assertThat(System.nanoTime()).as("failure named").isLessThan(until);
      Thread.sleep(20);
    }
    runner.join(10_000);
    assertThat(spool.resolve("000000010000000000000002")).doesNotExist();
  }

  private static String readOrNull(Path file) throws IOException {
    return Files.exists(file) ? Files.readString(file).strip() : null;
  }

  private static Path awaitFile(Path file) throws InterruptedException {
    long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    while (!Files.exists(file)) {
      assertThat(System.nanoTime()).as(file + " appears").isLessThan(until);
      Thread.sleep(20);
    }
    return file;
  }

  /**
   * A log provider of this test's own that describes any file; it stands in for a database adapter.
   */
  static final class TestLog implements LogProvider {
    @Override
    public String log() {
      return "wal";
    }

    @Override
    public LogSegmentInfo describe(String name, Path file) {
      return info(name);
    }

    @Override
    public LogReceiver receiver(URI uri) {
      throw new UnsupportedOperationException("test log: no receiver");
    }

    @Override
    public Optional<LogRecovery> recovery(io.biowerk.dr.core.BackupManifest base) {
      return Optional.empty();
    }
  }
}
