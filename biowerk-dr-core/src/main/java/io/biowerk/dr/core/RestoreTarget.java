package io.biowerk.dr.core;

import java.io.IOException;

/**
 * Where a restore writes the decoded native bytes of a backup: a directory, a database through
 * {@code pg_restore}, a Redis server through {@code RESTORE}. A supplier of writes: each {@link
 * #open} starts a new restore, which takes effect (as far as the target allows) only when
 * committed.
 */
public interface RestoreTarget {

  /**
   * Starts restoring the backup that {@code manifest} describes.
   *
   * @throws TargetNotEmptyException if the target holds data and overwriting was not asked for
   * @throws IOException if the target cannot be prepared
   */
  PendingWrite open(BackupManifest manifest) throws IOException;
}
