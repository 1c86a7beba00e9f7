package io.biowerk.dr.core.log;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.RestoreTarget;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Recovery of a database to a point in time: a base backup laid down into a directory plus the
 * archived log replayed up to a {@link RecoveryTarget}. Implemented by the adapter that knows the
 * log (a physical base backup laid down, plus the settings that make the database fetch and replay
 * the log); made by {@link LogProvider#recovery}.
 */
public interface LogRecovery {

  /**
   * Whether {@code base} had ended before {@code target}, so recovering from it can reach the
   * target. Restore picks the newest base backup for which this holds.
   */
  boolean endsBefore(BackupManifest base, RecoveryTarget target);

  /**
   * Checks that {@code archive} holds every segment from the start of {@code base} to {@code
   * target}, and returns the restore target that lays {@code base} down into {@code directory} and
   * configures the recovery.
   *
   * @param fetchCommand the command (and its arguments) the database runs to fetch one segment from
   *     the same repository with the same key; the segment name and destination path are appended
   * @throws io.biowerk.dr.core.TargetNotEmptyException if the directory holds files and {@code
   *     force} is false
   * @throws RecoveryRangeException if the target is outside the recoverable window, or a segment is
   *     missing
   * @throws IOException if the archive cannot be read
   */
  RestoreTarget prepare(
      BackupManifest base,
      RecoveryTarget target,
      LogArchive archive,
      Path directory,
      boolean force,
      List<String> fetchCommand)
      throws IOException;

  /**
   * For a log whose recovery writes into a running database rather than a directory (an oplog
   * replayed through the driver into {@code mongodb://...}): checks the range like {@link #prepare}
   * and returns the restore target that restores {@code base} into the database at {@code server}
   * and replays the archived log up to {@code target} when committed. Empty (the default) when this
   * recovery only lays a base backup down into a directory.
   *
   * @throws io.biowerk.dr.core.TargetNotEmptyException if the database holds what the restore would
   *     write and {@code force} is false
   * @throws RecoveryRangeException if the target is outside the recoverable window, or a segment is
   *     missing
   * @throws IOException if the archive cannot be read
   */
  default Optional<RestoreTarget> prepareInto(
      BackupManifest base, RecoveryTarget target, LogArchive archive, URI server, boolean force)
      throws IOException {
    return Optional.empty();
  }

  /**
   * Whether a restore-level check of a base backup replays the archived segments itself and must be
   * told which ones (the option {@code <log>-segments}: their names from the window's first to its
   * last, comma-separated, in order), rather than starting a server that asks for each segment
   * through {@code <log>-fetch-command}. False by default.
   */
  default boolean replaysListedSegments() {
    return false;
  }

  /**
   * The window {@code base} and {@code archive} can recover to, after checking that every segment
   * from the base backup's start to the newest archived one is there (timeline switches followed).
   *
   * @throws RecoveryRangeException if a segment is missing (named) or the base backup's own
   *     segments are not all archived yet
   * @throws IOException if the archive cannot be read
   */
  RecoveryWindow window(BackupManifest base, LogArchive archive) throws IOException;
}
