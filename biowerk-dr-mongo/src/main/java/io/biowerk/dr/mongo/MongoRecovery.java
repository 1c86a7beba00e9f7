package io.biowerk.dr.mongo;

import static com.google.common.base.Preconditions.checkArgument;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogRecovery;
import io.biowerk.dr.core.log.LogSegment;
import io.biowerk.dr.core.log.RecoveryTarget;
import io.biowerk.dr.core.log.RecoveryWindow;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.bson.BsonTimestamp;

/**
 * Point-in-time recovery of MongoDB through the core log SPI: a full backup taken with {@code
 * oplog=true} restored into a server ({@code mongodb://...}, never a directory), its own oplog
 * slice, then the archived oplog segments up to the target time, inclusive to the second ({@link
 * MongoPointInTime}). Targets: a time, {@code immediate} (the backup alone, consistent at its end)
 * or none (the same). Stateless and thread-safe.
 */
final class MongoRecovery implements LogRecovery {

  static final String COMPONENT = MongoPointInTime.COMPONENT;

  @Override
  public boolean endsBefore(BackupManifest base, RecoveryTarget target) {
    return target
        .time()
        .map(
            t -> Integer.toUnsignedLong(MongoPointInTime.end(base).getTime()) <= t.getEpochSecond())
        .orElse(true);
  }

  @Override
  public RestoreTarget prepare(
      BackupManifest base,
      RecoveryTarget target,
      LogArchive archive,
      Path directory,
      boolean force,
      List<String> fetchCommand) {
    throw new IllegalArgumentException(
        COMPONENT
            + ": "
            + base.id()
            + " is restored into a MongoDB server: give its mongodb:// URI as the target, not the"
            + " directory "
            + directory);
  }

  @Override
  public Optional<RestoreTarget> prepareInto(
      BackupManifest base, RecoveryTarget target, LogArchive archive, URI server, boolean force)
      throws IOException {
    checkArgument(
        target.position().isEmpty() && target.name().isEmpty() && target.timeline().isEmpty(),
        "%s: the oplog has no positions, restore points or timelines to recover to (%s); give"
            + " --target-time or --target immediate",
        COMPONENT,
        target);
    MongoRestoreTarget into = MongoRestoreTarget.of(server, force);
    BsonTimestamp baseEnd = MongoPointInTime.end(base);
    if (target.time().isEmpty()) {
      return Optional.of(new MongoPointInTime.Target(archive, List.of(), baseEnd, null, into));
    }
    Instant time = target.time().get();
    List<LogSegment> segments = MongoPointInTime.segments(archive);
    MongoPointInTime.Chain chain =
        MongoPointInTime.chain(
            base, List.of(base), segments, MongoPointInTime.newest(segments), time);
    return Optional.of(new MongoPointInTime.Target(archive, chain.needed(), baseEnd, time, into));
  }

  /** The restore check ({@link RollForward}) fetches and replays the segments it is given. */
  @Override
  public boolean replaysListedSegments() {
    return true;
  }

  @Override
  public RecoveryWindow window(BackupManifest base, LogArchive archive) throws IOException {
    List<LogSegment> segments = MongoPointInTime.segments(archive);
    MongoPointInTime.Chain chain =
        MongoPointInTime.chain(
            base, List.of(base), segments, MongoPointInTime.newest(segments), null);
    List<LogSegment> read = chain.needed();
    return new RecoveryWindow(
        second(MongoPointInTime.end(base)),
        second(chain.reached()),
        read.isEmpty() ? "none" : read.get(0).name(),
        read.isEmpty() ? "none" : read.get(read.size() - 1).name(),
        read.size());
  }

  private static Instant second(BsonTimestamp ts) {
    return Instant.ofEpochSecond(Integer.toUnsignedLong(ts.getTime()));
  }
}
