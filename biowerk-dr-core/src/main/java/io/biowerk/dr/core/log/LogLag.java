package io.biowerk.dr.core.log;

import static java.util.Objects.requireNonNull;

/**
 * How far an archived log is behind the live database it comes from, as {@link LogProvider#lag}
 * measures it: the database's current position, the position up to which the archive holds the log
 * (a receiver's partial segment included), and the bytes between.
 *
 * @param serverPosition the database's current log position, in the log's own notation
 * @param archivedPosition the position up to which the archive holds the log without a gap at its
 *     end
 * @param bytes how many bytes of log the database has written that the archive does not hold yet (0
 *     when it holds everything)
 */
public record LogLag(String serverPosition, String archivedPosition, long bytes) {
  public LogLag {
    requireNonNull(serverPosition, "serverPosition");
    requireNonNull(archivedPosition, "archivedPosition");
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes (" + bytes + ") may not be negative");
    }
  }
}
