package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.RestoreJob;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogRecovery;
import io.biowerk.dr.core.log.RecoveryRangeException;
import io.biowerk.dr.core.log.RecoveryTarget;
import io.biowerk.dr.core.log.RecoveryWindow;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The streaming WAL receiver on a private cluster with no archive_command at all: the receiver (a
 * JVM of its own, {@link WalReceiveForTests}) is the only archiver. It is killed with SIGKILL
 * mid-stream and restarted, and a recovery to the end of the repository's WAL still has every
 * committed row, including the last one, which only the partial segment holds. Commits only the
 * partial segment holds recover to a time between them. A dropped slot stops it with a clear
 * message.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
// "try": PrivateCluster.close() may be interrupted while it stops the server.
@SuppressWarnings("try")
class WalReceiverIT {

  static final String SOURCE = "recv";

  Path scratch;
  Path repoDir;
  Path keyFile;
  PrivateCluster cluster;
  LocalSink repo;
  KeyRing ring;
  LogArchive archive;
  Process receiver;

  @BeforeAll
  void start() throws Exception {
    scratch = Files.createTempDirectory(Path.of("/tmp"), "biowerk-recv-");
    Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
    repoDir = scratch.resolve("repo");
    repo = LocalSink.open(repoDir);
    keyFile = scratch.resolve("keys/master.key");
    KeyFile file = KeyFile.at(keyFile);
    file.create(Clock.systemUTC());
    ring = KeyRing.of(file);
    archive = LogArchive.of(repo, SOURCE, PgWalLog.LOG, List.of(), ring);
    cluster =
        PrivateCluster.start(
            Map.of("wal_level", "replica", "max_wal_senders", "4", "archive_mode", "off"));
    cluster.execute("CREATE TABLE events (id int PRIMARY KEY)");
  }

  @AfterAll
  void stop() throws Exception {
    try {
      if (receiver != null) {
        receiver.destroyForcibly().waitFor();
      }
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      PrivateCluster.run(List.of("rm", "-rf", scratch.toString()));
    }
  }

  String receiverUri() {
    return cluster.uri("postgres") + "?name=" + SOURCE + "&flush-interval=200";
  }

  Process startReceiver() throws Exception {
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    return new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx64m",
            "-cp",
            classPath,
            WalReceiveForTests.class.getName(),
            repoDir.toString(),
            keyFile.toString(),
            receiverUri())
        .redirectErrorStream(true)
        .redirectOutput(scratch.resolve("receiver.log").toFile())
        .start();
  }

  void await(String what, BooleanSupplier condition) throws Exception {
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > until) {
        throw new AssertionError(
            what
                + " within 60 s; receiver log:\n"
                + Files.readString(scratch.resolve("receiver.log")));
      }
      Thread.sleep(100);
    }
  }

  boolean archived(String segment) {
    try {
      return archive.names().contains(segment);
    } catch (Exception e) {
      return false;
    }
  }

  boolean partialCovers(String segment, long lsn) {
    try {
      long start = PgWal.startOf(segment, PgWal.DEFAULT_SEGMENT_SIZE);
      return start + LogArchive.piecesCover(segment + ".partial", archive.names()) >= lsn;
    } catch (Exception e) {
      return false;
    }
  }

  String switchWal() throws Exception {
    String segment = cluster.single("SELECT pg_walfile_name(pg_current_wal_lsn())");
    cluster.execute("SELECT pg_switch_wal()");
    return segment;
  }

  @Test
  @Order(1)
  void aReceiverKilledWithSigkillAndRestartedLosesNoWal() throws Exception {
    receiver = startReceiver();
    await(
        "the receiver's slot is active",
        () -> {
          try {
            return "t"
                .equals(
                    cluster.single(
                        "SELECT coalesce(bool_or(active), false)::text::char FROM pg_replication_slots"
                            + " WHERE slot_name = 'biowerk_recv'"));
          } catch (Exception e) {
            return false;
          }
        });
    BackupManifest base =
        BackupJob.of(
                PostgresPhysicalSource.of(
                    URI.create(
                        cluster.uri("postgres")
                            + "?mode=physical&archive-check=false&name="
                            + SOURCE)))
            .codecs(ZstdCodec.defaults(), EncryptionCodec.encryptingWith(ring.active(), ring))
            .sinks(repo)
            .build()
            .run();
    cluster.execute("INSERT INTO events VALUES (1), (2)");
    String first = switchWal();
    await(first + " stored", () -> archived(first));

    receiver.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no final flush
    cluster.execute("INSERT INTO events VALUES (3)");
    String second = switchWal();
    cluster.execute("INSERT INTO events VALUES (4)");
    String current = cluster.single("SELECT pg_walfile_name(pg_current_wal_lsn())");
    long end = PgWal.lsn(cluster.single("SELECT pg_current_wal_flush_lsn()::text"));

    receiver = startReceiver();
    await(second + " stored after the restart", () -> archived(second));
    await(
        "the partial " + current + " covering the last commit", () -> partialCovers(current, end));
    receiver.destroyForcibly().waitFor();

    List<String> segments = archive.names().stream().filter(PgWal::isSegment).toList();
    long firstNumber = PgWal.segmentNumber(segments.get(0), PgWal.DEFAULT_SEGMENT_SIZE);
    for (int i = 0; i < segments.size(); i++) {
      assertThat(PgWal.segmentNumber(segments.get(i), PgWal.DEFAULT_SEGMENT_SIZE))
          .as("segments are contiguous: " + segments)
          .isEqualTo(firstNumber + i);
    }

    cluster.own(scratch.resolve("keys")); // the server's restore_command reads the key
    Path restored = scratch.resolve("restored");
    var target =
        new PgWalLog()
            .recovery(base)
            .orElseThrow()
            .prepare(
                base,
                RecoveryTarget.end(),
                archive,
                restored,
                false,
                WalFetchForTests.command(
                    cluster, scratch.resolve("fetch"), repoDir, keyFile, SOURCE));
    RestoreJob.of(repo, base, ring, target).run();
    try (PrivateCluster copy = PrivateCluster.onRestored(restored, Map.of("archive_mode", "off"))) {
      copy.startServer();
      copy.awaitPromoted(60);
      assertThat(copy.query("SELECT id FROM events ORDER BY id"))
          .containsExactly("1", "2", "3", "4");
    }
  }

  /**
   * Commits that only the receiver's partial segment holds are recoverable to a time between them
   * and to the end, and the window ends at the partial (before the coverage check counted it, the
   * window ended at the newest complete segment, older than these commits).
   */
  @Test
  @Order(2)
  void commitsOnlyInThePartialSegmentAreRecoverableToATimeAndToTheEnd() throws Exception {
    receiver = startReceiver();
    awaitSlotActive();
    BackupManifest base =
        BackupJob.of(
                PostgresPhysicalSource.of(
                    URI.create(
                        cluster.uri("postgres")
                            + "?mode=physical&archive-check=false&name="
                            + SOURCE)))
            .codecs(ZstdCodec.defaults(), EncryptionCodec.encryptingWith(ring.active(), ring))
            .sinks(repo)
            .build()
            .run();
    String stopWal = String.valueOf(base.facts().get("stopWal"));
    await(stopWal + " (the backup's end) stored", () -> archived(stopWal));
    Thread.sleep(1000);
    cluster.execute("INSERT INTO events VALUES (20)");
    Thread.sleep(300);
    Instant between = serverNow();
    Thread.sleep(300);
    cluster.execute("INSERT INTO events VALUES (21)");
    String current = cluster.single("SELECT pg_walfile_name(pg_current_wal_lsn())");
    long end = PgWal.lsn(cluster.single("SELECT pg_current_wal_flush_lsn()::text"));
    await(
        "the partial " + current + " covering the last commit", () -> partialCovers(current, end));
    receiver.destroyForcibly().waitFor(); // stopped: only the partial holds rows 20 and 21

    Instant newestComplete = Instant.MIN;
    for (String n : archive.names()) {
      if (PgWal.isSegment(n)) {
        Instant t = archive.segment(n).orElseThrow().lastTime();
        newestComplete = t.isAfter(newestComplete) ? t : newestComplete;
      }
    }
    assertThat(archive.names())
        .doesNotContain(current, current + ".partial")
        .anyMatch(n -> n.startsWith(current + ".partial."));
    assertThat(newestComplete).as("no complete segment reaches the target").isBefore(between);

    // Each flush stored only what had arrived since the one before: the pieces of the segment
    // follow each other without overlap, and each holds exactly its range.
    List<String> pieces = archive.pieces(current + ".partial");
    assertThat(pieces).as("one piece per flush with new WAL").hasSizeGreaterThanOrEqualTo(2);
    long next = 0;
    for (String piece : pieces) {
      long[] range = LogArchive.pieceRange(current + ".partial", piece).orElseThrow();
      assertThat(range[0]).as(piece + " starts where the one before ended").isEqualTo(next);
      assertThat(archive.segment(piece).orElseThrow().manifest().rawSize())
          .as(piece + " holds only its range")
          .isEqualTo(range[1] - range[0]);
      next = range[1];
    }

    LogRecovery recovery = new PgWalLog().recovery(base).orElseThrow();
    RecoveryWindow window = recovery.window(base, archive);
    assertThat(window.lastSegment()).isEqualTo(current + ".partial");
    assertThat(window.to()).isAfter(between);

    cluster.own(scratch.resolve("keys"));
    Path toTime = scratch.resolve("restored-time");
    RestoreJob.of(
            repo,
            base,
            ring,
            recovery.prepare(
                base,
                RecoveryTarget.time(between),
                archive,
                toTime,
                false,
                WalFetchForTests.command(
                    cluster, scratch.resolve("fetch-time"), repoDir, keyFile, SOURCE)))
        .run();
    try (PrivateCluster copy = PrivateCluster.onRestored(toTime, Map.of("archive_mode", "off"))) {
      copy.startServer();
      copy.awaitPromoted(60);
      assertThat(copy.query("SELECT id FROM events WHERE id >= 20 ORDER BY id"))
          .containsExactly("20");
    }

    Path toEnd = scratch.resolve("restored-end");
    RestoreJob.of(
            repo,
            base,
            ring,
            recovery.prepare(
                base,
                RecoveryTarget.end(),
                archive,
                toEnd,
                false,
                WalFetchForTests.command(
                    cluster, scratch.resolve("fetch-end"), repoDir, keyFile, SOURCE)))
        .run();
    try (PrivateCluster copy = PrivateCluster.onRestored(toEnd, Map.of("archive_mode", "off"))) {
      copy.startServer();
      copy.awaitPromoted(60);
      assertThat(copy.query("SELECT id FROM events WHERE id >= 20 ORDER BY id"))
          .containsExactly("20", "21");
    }

    Instant later = window.to().plusSeconds(3600);
    assertThatThrownBy(
            () ->
                recovery.prepare(
                    base,
                    RecoveryTarget.time(later),
                    archive,
                    scratch.resolve("never"),
                    false,
                    List.of("x")))
        .isInstanceOf(RecoveryRangeException.class)
        .hasMessageContaining("recovery target time " + later)
        .hasMessageContaining("to " + window.to() + " (WAL archived up to " + current + ".partial")
        .hasMessageContaining("pick a target in that range");
    assertThat(scratch.resolve("never")).doesNotExist();
  }

  void awaitSlotActive() throws Exception {
    await(
        "the receiver's slot is active",
        () -> {
          try {
            return "t"
                .equals(
                    cluster.single(
                        "SELECT coalesce(bool_or(active), false)::text::char FROM pg_replication_slots"
                            + " WHERE slot_name = 'biowerk_recv'"));
          } catch (Exception e) {
            return false;
          }
        });
  }

  Instant serverNow() throws Exception {
    return Instant.parse(
        cluster.single(
            "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC',"
                + " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"));
  }

  @Test
  @Order(3)
  void aDroppedSlotStopsTheReceiverWithWhatToDo() throws Exception {
    cluster.execute("SELECT pg_drop_replication_slot('biowerk_recv')");
    PgWalReceiver fresh = PgWalReceiver.of(URI.create(receiverUri()));
    LogArchive writing = LogArchive.of(repo, SOURCE, PgWalLog.LOG, List.of(), ring);
    assertThatThrownBy(() -> fresh.run(writing))
        .isInstanceOf(PostgresSourceException.class)
        .hasMessageContaining(
            "the replication slot 'biowerk_recv' does not exist although recv/wal/ holds WAL")
        .hasMessageContaining("Take a new base backup")
        .hasMessageContaining("?create-slot=true");
    assertThat(cluster.query("SELECT slot_name FROM pg_replication_slots")).isEmpty();
  }
}
