package io.biowerk.dr.core.log;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.RestoreTarget;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Recovery of a database to a point in time: a base backup laid down into a directory plus the
 * archived log replayed up to a {@link RecoveryTarget}. Implemented by the adapter that knows the
 * log (PostgreSQL: a physical base backup, {@code recovery.signal} and a {@code restore_command});
 * made by {@link LogProvider#recovery}.
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
}
