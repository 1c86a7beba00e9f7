package io.biowerk.dr.mongo;

import static java.util.Objects.requireNonNull;

import com.mongodb.client.MongoClient;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.RestoreJob;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogSegment;
import io.biowerk.dr.core.log.RecoveryRangeException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonBinaryReader;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.DecoderContext;

/**
 * Point-in-time restore of MongoDB: the newest full backup taken with {@code oplog=true} that ended
 * at or before the target time, its own oplog slice, then the archived oplog segments ({@link
 * OplogReceiver}) from the backup's end up to the target time. The target is inclusive to the
 * second: every entry whose timestamp's seconds are at or before it is applied, none after.
 *
 * <p>The CLI's {@code restore latest:<source> mongodb://... --target-time T} reaches it through the
 * core log SPI ({@link MongoRecovery}, made by {@link OplogProvider#recovery}); {@link #restore} is
 * the same as a library call. Stateless.
 */
public final class MongoPointInTime {

  static final String COMPONENT = "mongodb point-in-time restore";

  private MongoPointInTime() {}

  /** What a point-in-time restore did. */
  public record Result(
      String baseBackup, long segmentsReplayed, long entriesReplayed, Instant target) {}

  /**
   * Restores {@code target}'s state at {@code time} into the server that {@code restoreTarget}
   * names.
   *
   * @param backups the catalog's full backups of the source (any order); those without an oplog
   *     slice are not candidates
   * @throws RecoveryRangeException if no candidate ended by {@code time}, or the archived oplog
   *     does not reach from the chosen backup's end to {@code time}; the message states the
   *     recoverable range
   * @throws IOException if the restore fails
   */
  public static Result restore(
      Sink sink,
      KeyRing keys,
      List<BackupManifest> backups,
      LogArchive oplog,
      Instant time,
      MongoRestoreTarget restoreTarget)
      throws IOException {
    requireNonNull(time, "time");
    List<BackupManifest> candidates = new ArrayList<>();
    for (BackupManifest m : backups) {
      if (m.sourceKind().equals(MongoSource.KIND)
          && m.facts().get("oplogEnd") instanceof Map<?, ?>) {
        candidates.add(m);
      }
    }
    candidates.sort(Comparator.comparing(MongoPointInTime::end));
    List<LogSegment> segments = segments(oplog);
    Optional<BsonTimestamp> newest = newest(segments);

    BackupManifest base = null;
    for (BackupManifest m : candidates) {
      if (Integer.toUnsignedLong(end(m).getTime()) <= time.getEpochSecond()) {
        base = m;
      }
    }
    if (base == null) {
      throw new RecoveryRangeException(
          COMPONENT
              + ": no full backup taken with oplog=true ended by "
              + time
              + range(candidates, newest)
              + "; choose a time in that range",
          null);
    }
    Chain chain = chain(base, candidates, segments, newest, time);
    Target pit = new Target(oplog, chain.needed(), end(base), time, restoreTarget);
    RestoreJob.of(sink, base, keys, pit).run();
    return new Result(base.id(), chain.needed().size(), pit.replayed.get(), time);
  }

  /** The archived segments a replay reads, and the last entry they reach without a gap. */
  record Chain(List<LogSegment> needed, BsonTimestamp reached) {}

  /** Every segment of {@code oplog}, in order. */
  static List<LogSegment> segments(LogArchive oplog) throws IOException {
    List<LogSegment> segments = new ArrayList<>();
    for (String name : oplog.names()) {
      oplog.segment(name).ifPresent(segments::add);
    }
    segments.sort(Comparator.comparing(LogSegment::name));
    return segments;
  }

  /** The last entry of the newest segment, if there is one. */
  static Optional<BsonTimestamp> newest(List<LogSegment> segments) {
    return segments.isEmpty()
        ? Optional.empty()
        : Optional.of(
            OplogProvider.parsePosition(segments.get(segments.size() - 1).lastPosition()));
  }

  /**
   * The segments that carry {@code base} forward to {@code time} (inclusive to the second), or to
   * the end of the archive when {@code time} is null.
   *
   * @throws RecoveryRangeException if entries are missing on the way, or (with a time) the archive
   *     ends before it; the message states the recoverable range
   */
  static Chain chain(
      BackupManifest base,
      List<BackupManifest> candidates,
      List<LogSegment> segments,
      Optional<BsonTimestamp> newest,
      Instant time)
      throws RecoveryRangeException {
    long limit = time == null ? Long.MAX_VALUE : time.getEpochSecond();
    BsonTimestamp baseEnd = end(base);
    List<LogSegment> needed = new ArrayList<>();
    BsonTimestamp reached = baseEnd;
    if (limit > Integer.toUnsignedLong(baseEnd.getTime())) {
      // The chain starts at the segment holding the backup's last oplog entry; every later segment
      // must name the entry it directly follows (the receiver records it) and that must be the
      // previous segment's last entry: otherwise entries between them are missing (a segment lost
      // from the repository, or a receiver restarted on an emptied archive) and the restore is
      // refused rather than replayed across the hole. Segments whose last entry is in the target
      // second are not the end: later ones may hold more of that second (the target is inclusive).
      LogSegment previous = null;
      for (LogSegment s : segments) {
        if (previous != null && Integer.toUnsignedLong(reached.getTime()) > limit) {
          break; // past the target: a gap after it does not matter
        }
        BsonTimestamp first = OplogProvider.parsePosition(s.firstPosition());
        BsonTimestamp last = OplogProvider.parsePosition(s.lastPosition());
        if (previous == null) {
          if (last.compareTo(baseEnd) < 0) {
            continue;
          }
          if (first.compareTo(baseEnd) > 0) {
            throw new RecoveryRangeException(
                COMPONENT
                    + ": the archived oplog resumes at "
                    + OplogProvider.position(first)
                    + ", after the end of backup "
                    + base.id()
                    + " ("
                    + OplogProvider.position(baseEnd)
                    + "), and no segment holds that end: the entries between them "
                    + "are missing"
                    + range(candidates, newest)
                    + "; choose a time in that range, or take a new full backup with oplog=true "
                    + "while the oplog receiver runs and restore to a time after it",
                s.name());
          }
        } else {
          Object after = s.manifest().facts().get(OplogProvider.AFTER);
          if (after == null || !OplogProvider.parsePosition(after.toString()).equals(reached)) {
            throw new RecoveryRangeException(
                COMPONENT
                    + ": gap in the archived oplog between "
                    + OplogProvider.position(reached)
                    + " (the last entry of segment "
                    + previous.name()
                    + ") and "
                    + OplogProvider.position(first)
                    + " (the first of segment "
                    + s.name()
                    + (after == null
                        ? ", which does not follow on from any archived entry"
                        : ", which follows " + after)
                    + "): the entries between them are missing, so "
                    + (time == null ? "nothing after that" : time)
                    + " cannot be reached from backup "
                    + base.id()
                    + "; choose a time at or before "
                    + Instant.ofEpochSecond(Integer.toUnsignedLong(reached.getTime()) - 1)
                    + ", or take a new full backup with oplog=true and restore to a time after it",
                s.name());
          }
        }
        if (Integer.toUnsignedLong(first.getTime()) > limit) {
          reached = first; // entirely after the target: not needed, but it shows the target is
          break; // covered
        }
        needed.add(s);
        previous = s;
        reached = last;
      }
      if (time != null && Integer.toUnsignedLong(reached.getTime()) < limit) {
        throw new RecoveryRangeException(
            COMPONENT
                + ": the archived oplog ends at "
                + OplogProvider.position(reached)
                + " ("
                + Instant.ofEpochSecond(Integer.toUnsignedLong(reached.getTime()))
                + "), before "
                + time
                + range(candidates, newest)
                + "; choose a time in that "
                + "range, or check that the oplog receiver runs",
            null);
      }
    }
    return new Chain(needed, reached);
  }

  /**
   * Restores a full backup into a server with its own oplog slice up to a time, then, when
   * committed, replays the archived segments after the backup's end up to that time. Nothing is
   * replayed when the base restore fails; a replay failure after it leaves the base restored and is
   * reported.
   */
  static final class Target implements RestoreTarget {
    private final LogArchive oplog;
    private final List<LogSegment> needed;
    private final BsonTimestamp baseEnd;
    private final Instant time;
    private final MongoRestoreTarget restoreTarget;
    final java.util.concurrent.atomic.AtomicLong replayed =
        new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param time inclusive to the second; null: the backup alone, consistent at its end
     */
    Target(
        LogArchive oplog,
        List<LogSegment> needed,
        BsonTimestamp baseEnd,
        Instant time,
        MongoRestoreTarget restoreTarget) {
      this.oplog = oplog;
      this.needed = List.copyOf(needed);
      this.baseEnd = baseEnd;
      this.time = time;
      this.restoreTarget = time == null ? restoreTarget : restoreTarget.oplogUntil(time);
    }

    @Override
    public PendingWrite open(BackupManifest manifest) throws IOException {
      PendingWrite base = restoreTarget.open(manifest);
      return new PendingWrite() {
        @Override
        public int write(java.nio.ByteBuffer src) throws IOException {
          return base.write(src);
        }

        @Override
        public boolean isOpen() {
          return base.isOpen();
        }

        @Override
        public void commit() throws IOException {
          base.commit();
          if (needed.isEmpty()) {
            return;
          }
          try (MongoClient client = Clients.open(restoreTarget.uri(), false)) {
            ArchiveRestorer replayer =
                new ArchiveRestorer(
                    client, restoreTarget.uri(), COMPONENT, restoreTarget.options());
            replayer.oplogUntil(time.getEpochSecond());
            try {
              for (LogSegment s : needed) {
                replayed.addAndGet(replaySegment(oplog, s, baseEnd, replayer));
              }
            } finally {
              replayer.finish();
            }
          }
        }

        @Override
        public void abort() {
          base.abort();
        }
      };
    }

    /** {@code mongodb point-in-time restore into mongodb://host/: ...}: no password. */
    @Override
    public String toString() {
      return time == null
          ? restoreTarget
              + ": the backup with its own oplog slice, consistent at its end "
              + OplogProvider.position(baseEnd)
          : COMPONENT
              + " into "
              + restoreTarget.uri()
              + ": the backup's oplog slice and "
              + needed.size()
              + " archived segment(s) replayed up to "
              + time
              + " (inclusive to the second)";
    }
  }

  private static long replaySegment(
      LogArchive oplog, LogSegment segment, BsonTimestamp after, ArchiveRestorer replayer)
      throws IOException {
    Path file = Files.createTempFile("biowerk-oplog-", ".archive");
    try {
      if (!oplog.fetch(segment.name(), file)) {
        throw new RecoveryRangeException(
            COMPONENT
                + ": oplog segment "
                + segment.name()
                + " vanished from the "
                + "repository during the restore",
            segment.name());
      }
      long[] applied = {0};
      try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
        new ArchiveReader(in, false)
            .read(
                new ArchiveVisitor() {
                  @Override
                  public void document(Namespace namespace, byte[] document) throws IOException {
                    BsonDocument entry =
                        new BsonDocumentCodec()
                            .decode(
                                new BsonBinaryReader(java.nio.ByteBuffer.wrap(document)),
                                DecoderContext.builder().build());
                    if (entry.getTimestamp("ts").compareTo(after) > 0 && replayer.replay(entry)) {
                      applied[0]++;
                    }
                  }
                });
      }
      return applied[0];
    } finally {
      Files.deleteIfExists(file);
    }
  }

  static BsonTimestamp end(BackupManifest m) {
    Map<?, ?> end = (Map<?, ?>) m.facts().get("oplogEnd");
    return new BsonTimestamp(
        (int) ((Number) end.get("t")).longValue(), (int) ((Number) end.get("i")).longValue());
  }

  static String range(List<BackupManifest> candidates, Optional<BsonTimestamp> newest) {
    if (candidates.isEmpty()) {
      return " (there is no full backup with an oplog slice: take one with oplog=true)";
    }
    Instant from = Instant.ofEpochSecond(Integer.toUnsignedLong(end(candidates.get(0)).getTime()));
    Instant to =
        newest
            .map(t -> Instant.ofEpochSecond(Integer.toUnsignedLong(t.getTime())))
            .filter(t -> t.isAfter(from))
            .orElse(
                Instant.ofEpochSecond(
                    Integer.toUnsignedLong(end(candidates.get(candidates.size() - 1)).getTime())));
    return " (recoverable: " + from + " to " + to + ", inclusive)";
  }
}
