package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogSegmentInfo;
import io.biowerk.dr.core.log.RecoveryRangeException;
import io.biowerk.dr.core.log.RecoveryTarget;
import io.biowerk.dr.core.log.RecoveryWindow;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAL coverage check of {@link PgRecovery} on a real local archive whose segments are small
 * stand-in files with the manifests a receiver writes: a receiver's newest {@code .partial} counts,
 * up to the position it recorded ({@code receivedUpTo}) and not beyond. Real segments and a real
 * replay are in {@code WalReceiverIT}.
 */
class PgRecoveryTest {

  static final long SIZE = PgWal.DEFAULT_SEGMENT_SIZE;
  static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

  @TempDir Path dir;
  LogArchive archive;

  @BeforeEach
  void open() throws Exception {
    archive =
        LogArchive.of(
            LocalSink.open(dir.resolve("repo")), "unit", PgWalLog.LOG, List.of(), KeyRing.empty());
  }

  static String name(long number) {
    return PgWal.segmentName(1, number, SIZE);
  }

  void full(long number, Instant stored) throws Exception {
    Path file = dir.resolve(name(number));
    Files.writeString(file, "segment " + number, StandardCharsets.UTF_8);
    archive.push(
        new LogSegmentInfo(
            name(number),
            PgWal.lsn(number * SIZE),
            PgWal.lsn((number + 1) * SIZE),
            Optional.empty(),
            Optional.of(stored),
            Map.of("kind", "segment", "timeline", 1)),
        file);
  }

  /**
   * A partial segment as {@code PgWalReceiver.storePartial} stores it: in pieces, here two (what
   * arrived by a first flush, then the rest), from a sparse stand-in of the segment.
   */
  void partial(long number, long receivedUpTo, Instant stored) throws Exception {
    String partialName = name(number) + ".partial";
    Path file = dir.resolve(partialName);
    long end = receivedUpTo - number * SIZE;
    try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(SIZE);
      raf.write(("partial " + receivedUpTo).getBytes(StandardCharsets.UTF_8));
    }
    LogSegmentInfo info = partialInfo(number, receivedUpTo, stored);
    archive.storePiece(info, file, 0, end / 2, SIZE);
    archive.storePiece(info, file, end / 2, end, SIZE);
  }

  /**
   * A partial segment as receivers before the pieces stored it: one object, replaced each flush.
   */
  void singleObjectPartial(long number, long receivedUpTo, Instant stored) throws Exception {
    Path file = dir.resolve(name(number) + ".partial");
    Files.writeString(file, "partial " + receivedUpTo, StandardCharsets.UTF_8);
    archive.replace(partialInfo(number, receivedUpTo, stored), file);
  }

  static LogSegmentInfo partialInfo(long number, long receivedUpTo, Instant stored) {
    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put("kind", "partial");
    facts.put("timeline", 1);
    facts.put("receivedUpTo", PgWal.lsn(receivedUpTo));
    return new LogSegmentInfo(
        name(number) + ".partial",
        PgWal.lsn(number * SIZE),
        PgWal.lsn(receivedUpTo),
        Optional.empty(),
        Optional.of(stored),
        facts);
  }

  /** A base backup from segment {@code start} that ended at {@code stopLsn}. */
  static BackupManifest base(long start, long stopLsn) {
    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put("startWal", name(start));
    facts.put("stopWal", name(stopLsn / SIZE));
    facts.put("startLsn", PgWal.lsn(start * SIZE + 0x28));
    facts.put("stopLsn", PgWal.lsn(stopLsn));
    facts.put("stopTime", T0.toString());
    facts.put("timeline", 1);
    return new BackupManifest(
        "postgres_unit",
        "postgresql",
        "unit",
        "postgresql://127.0.0.1/postgres?mode=physical",
        PostgresPhysicalSource.FORMAT,
        T0.minusSeconds(60),
        T0,
        List.of(),
        Optional.empty(),
        0,
        0,
        "0".repeat(64),
        "0".repeat(64),
        "unit/daily/postgres_unit.pgbase",
        facts);
  }

  static RecoveryTarget lsn(long position) {
    return new RecoveryTarget(
        Optional.empty(),
        Optional.of(PgWal.lsn(position)),
        Optional.empty(),
        false,
        Optional.empty());
  }

  @Test
  void aBaseBackupWhoseEndSegmentIsOnlyPartialRecoversToTheEndOfIt() throws Exception {
    full(2, T0.minusSeconds(30));
    long stop = 3 * SIZE + 0x100;
    partial(3, 3 * SIZE + 0x5000, T0.plusSeconds(5));

    PgRecovery.Plan plan = PgRecovery.plan(base(2, stop), RecoveryTarget.end(), archive);
    assertThat(plan.first()).isEqualTo(name(2));
    assertThat(plan.last()).isEqualTo(name(3) + ".partial");
    assertThat(plan.segments()).isEqualTo(2);
    assertThat(plan.lastArchived()).isEqualTo(T0.plusSeconds(5));

    RecoveryWindow window = new PgRecovery().window(base(2, stop), archive);
    assertThat(window.from()).isEqualTo(T0);
    assertThat(window.to()).isEqualTo(T0.plusSeconds(5));
    assertThat(window.lastSegment()).isEqualTo(name(3) + ".partial");
  }

  @Test
  void aSingleObjectPartialOfAnOlderReceiverStillCountsUpToWhatItReceived() throws Exception {
    full(2, T0.minusSeconds(30));
    long received = 3 * SIZE + 0x5000;
    singleObjectPartial(3, received, T0.plusSeconds(5));
    BackupManifest base = base(2, 3 * SIZE + 0x100);

    assertThat(PgRecovery.plan(base, RecoveryTarget.end(), archive).last())
        .isEqualTo(name(3) + ".partial");
    assertThat(PgRecovery.plan(base, lsn(received - 1), archive).last())
        .isEqualTo(name(3) + ".partial");
    assertThatThrownBy(() -> PgRecovery.plan(base, lsn(received), archive))
        .isInstanceOf(RecoveryRangeException.class)
        .hasMessageContaining("LSN " + PgWal.lsn(received));
  }

  @Test
  void piecesCountOnlyUpToTheFirstGap() throws Exception {
    full(2, T0.minusSeconds(30));
    Path file = dir.resolve("stand-in");
    try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(SIZE);
    }
    LogSegmentInfo info = partialInfo(3, 3 * SIZE + 0x9000, T0.plusSeconds(5));
    archive.storePiece(info, file, 0, 0x4000, SIZE);
    archive.storePiece(info, file, 0x6000, 0x9000, SIZE); // 0x4000 .. 0x6000 never stored
    BackupManifest base = base(2, 3 * SIZE + 0x100);

    assertThat(PgRecovery.plan(base, lsn(3 * SIZE + 0x3FFF), archive).last())
        .isEqualTo(name(3) + ".partial");
    assertThatThrownBy(() -> PgRecovery.plan(base, lsn(3 * SIZE + 0x4000), archive))
        .isInstanceOf(RecoveryRangeException.class)
        .hasMessageContaining("LSN " + PgWal.lsn(3 * SIZE + 0x4000));
  }

  @Test
  void aPartialExtendsTheWindowAfterTheNewestCompleteSegment() throws Exception {
    full(2, T0.minusSeconds(30));
    full(3, T0.plusSeconds(10));
    full(4, T0.plusSeconds(20));
    partial(5, 5 * SIZE + 0x2000, T0.plusSeconds(21));

    BackupManifest base = base(2, 3 * SIZE + 0x100);
    PgRecovery.Plan plan =
        PgRecovery.plan(base, RecoveryTarget.time(T0.plusMillis(20_500)), archive);
    assertThat(plan.last()).isEqualTo(name(5) + ".partial");
    assertThat(plan.segments()).isEqualTo(4);
    assertThat(PgRecovery.plan(base, lsn(5 * SIZE + 0x1FFF), archive).last())
        .isEqualTo(name(5) + ".partial");
  }

  @Test
  void targetsBeyondWhatThePartialReceivedAreRefusedWithTheRange() throws Exception {
    full(2, T0.minusSeconds(30));
    long received = 3 * SIZE + 0x5000;
    partial(3, received, T0.plusSeconds(5));
    BackupManifest base = base(2, 3 * SIZE + 0x100);

    assertThatThrownBy(() -> PgRecovery.plan(base, RecoveryTarget.time(T0.plusSeconds(6)), archive))
        .isInstanceOf(RecoveryRangeException.class)
        .hasMessageContaining("recovery target time " + T0.plusSeconds(6))
        .hasMessageContaining("from " + T0 + " (the backup's end) to " + T0.plusSeconds(5))
        .hasMessageContaining(
            "(WAL archived up to " + name(3) + ".partial, LSN " + PgWal.lsn(received) + ")")
        .hasMessageContaining("pick a target in that range");
    // The partial is not counted as the whole segment: an LSN after what it received is refused.
    for (long beyond : List.of(received, received + 1, 4 * SIZE - 1)) {
      assertThatThrownBy(() -> PgRecovery.plan(base, lsn(beyond), archive))
          .isInstanceOf(RecoveryRangeException.class)
          .hasMessageContaining("recovery target position " + PgWal.lsn(beyond))
          .hasMessageContaining("LSN " + PgWal.lsn(received));
    }
    assertThat(PgRecovery.plan(base, lsn(received - 1), archive).last())
        .isEqualTo(name(3) + ".partial");
  }

  @Test
  void aPartialThatEndsBeforeTheBackupsEndIsRefusedWithWhatToDo() throws Exception {
    full(2, T0.minusSeconds(30));
    partial(3, 3 * SIZE + 0x80, T0.plusSeconds(5));
    BackupManifest base = base(2, 3 * SIZE + 0x100);

    assertThatThrownBy(() -> PgRecovery.plan(base, RecoveryTarget.end(), archive))
        .isInstanceOf(RecoveryRangeException.class)
        .hasMessageStartingWith(
            "postgresql: WAL segment " + name(3) + " is only partly in unit/wal/ (as ")
        .hasMessageContaining("received up to " + PgWal.lsn(3 * SIZE + 0x80))
        .hasMessageContaining("needs the WAL up to " + PgWal.lsn(3 * SIZE + 0x100))
        .hasMessageContaining("check that wal-receive is running")
        .satisfies(
            e -> assertThat(((RecoveryRangeException) e).missingSegment()).contains(name(3)));
  }

  @Test
  void aStalePartialBehindACompleteSegmentIsIgnored() throws Exception {
    full(2, T0.minusSeconds(30));
    partial(3, 3 * SIZE + 0x80, T0.plusSeconds(5));
    full(3, T0.plusSeconds(9));

    PgRecovery.Plan plan =
        PgRecovery.plan(base(2, 3 * SIZE + 0x100), RecoveryTarget.end(), archive);
    assertThat(plan.last()).isEqualTo(name(3));
    assertThat(plan.lastArchived()).isEqualTo(T0.plusSeconds(9));
    // The whole segment counts, so an LSN past the stale partial's end is within the window.
    assertThat(PgRecovery.plan(base(2, 3 * SIZE + 0x100), lsn(4 * SIZE - 1), archive).last())
        .isEqualTo(name(3));
  }

  @Test
  void aPartialAfterAGapDoesNotBridgeIt() throws Exception {
    full(2, T0.minusSeconds(30));
    full(3, T0.plusSeconds(10));
    partial(5, 5 * SIZE + 0x2000, T0.plusSeconds(21));

    assertThatThrownBy(
            () -> PgRecovery.plan(base(2, 3 * SIZE + 0x100), RecoveryTarget.end(), archive))
        .isInstanceOf(RecoveryRangeException.class)
        .hasMessageStartingWith("postgresql: WAL segment " + name(4) + " is missing from unit/wal/")
        .hasMessageContaining("segments after it are archived")
        .satisfies(
            e -> assertThat(((RecoveryRangeException) e).missingSegment()).contains(name(4)));
  }

  @Test
  void withoutAPartialTheCompleteSegmentsBoundTheWindowAsBefore() throws Exception {
    full(2, T0.minusSeconds(30));
    full(3, T0.plusSeconds(10));
    BackupManifest base = base(2, 3 * SIZE + 0x100);

    assertThat(PgRecovery.plan(base, lsn(4 * SIZE - 1), archive).last()).isEqualTo(name(3));
    assertThatThrownBy(() -> PgRecovery.plan(base, lsn(4 * SIZE), archive))
        .isInstanceOf(RecoveryRangeException.class)
        .hasMessageContaining("(WAL archived up to " + name(3) + ", LSN " + PgWal.lsn(4 * SIZE));
  }
}
