package io.biowerk.dr.core.log;

import io.biowerk.dr.core.BackupManifest;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;

/**
 * How the stored objects of one log depend on each other, which is what {@link LogRetention} needs
 * to delete old segments without breaking a chain. Given by {@link LogProvider#chain()}; stateless
 * and thread-safe.
 *
 * <p>The provider names its segments so that their names sort in log order within one history
 * (PostgreSQL's 24 hex digits do; an oplog's zero-padded timestamps do): retention keeps every
 * segment that sorts at or after the first one the oldest needed base backup reads. A span may name
 * a position rather than a stored segment (an oplog names the timestamp where its replay starts):
 * retention then keeps the last stored segment that sorts before it too, the one holding that
 * position.
 */
public interface LogChain {

  /**
   * The segments {@code base} needs to become consistent, if it records them; empty for a base
   * backup that records no range (retention then keeps the whole log).
   */
  Optional<LogSpan> span(BackupManifest base);

  /**
   * The other stored objects that a kept {@code name} needs (PostgreSQL: the history files of its
   * timeline and its ancestors, and the backup history files of the segment); only names in {@code
   * names} are returned.
   *
   * @param names every name stored in the archive, sorted
   */
  Set<String> companions(String name, SortedSet<String> names);
}
