package io.biowerk.dr.core.log;

import java.io.Closeable;
import java.io.IOException;

/**
 * A long-running process that streams a database's log into a {@link LogArchive} as it is written:
 * PostgreSQL's WAL over the replication protocol, MongoDB's oplog through a tailable cursor. Made
 * by {@link LogProvider#receiver}; implemented by the adapter module.
 *
 * <p>{@link #run} blocks until {@link #close()} is called from another thread (or a shutdown hook),
 * then returns after it has stored what it received. Closing is idempotent. A receiver runs once.
 */
public interface LogReceiver extends Closeable {

  /** The source name the log is archived under ({@code <source>/<log>/}). */
  String sourceName();

  /**
   * Receives the log into {@code archive} until closed, reconnecting after a network drop or a
   * server restart from where the archive ends, so no segment is lost or stored twice.
   *
   * @throws IOException if receiving cannot continue (the server refuses, the position to resume
   *     from is gone)
   */
  void run(LogArchive archive) throws IOException;
}
