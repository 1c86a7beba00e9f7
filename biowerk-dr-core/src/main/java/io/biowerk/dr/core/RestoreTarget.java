package io.biowerk.dr.core;

import java.io.IOException;

/**
 * Where a restore writes the decoded native bytes of a backup: a directory, a database through
 * {@code pg_restore}, a Redis server through {@code RESTORE}. A supplier of writes: each {@link
 * #open} starts a new restore, which takes effect (as far as the target allows) only when
 * committed.
 *
 * <p>Implementations extend {@code io.biowerk.dr.testkit.RestoreTargetContractTest} (module {@code
 * biowerk-dr-testkit}): a non-empty target is refused without force, abort and damaged input leave
 * the target as it was, and nothing takes effect before the commit.
 */
public interface RestoreTarget {

  /**
   * Starts restoring the backup that {@code manifest} describes.
   *
   * @throws TargetNotEmptyException if the target holds data and overwriting was not asked for
   * @throws IOException if the target cannot be prepared
   */
  PendingWrite open(BackupManifest manifest) throws IOException;

  /**
   * Whether nothing a {@link PendingWrite} of this target receives can be seen or used at the
   * target before its commit, and an abort leaves no trace (a directory extracted into a private
   * staging directory and renamed into place). A {@link RestoreJob} then skips its separate first
   * pass over the stored bytes: every checksum is still verified before the commit, and the stored
   * bytes are read once, which for a remote repository means one download, not two. Default false.
   */
  default boolean stagesUntilCommit() {
    return false;
  }

  /**
   * What the last {@link #open} did, or will do on commit, to data the target held before (for
   * example "dropped the database and restored into a new one"), so a forced restore can say
   * plainly that it replaced rather than merged; empty when the target was empty or there is
   * nothing to say. The command prints it.
   */
  default java.util.Optional<String> effect() {
    return java.util.Optional.empty();
  }
}
