package io.biowerk.dr.core;

import java.io.Closeable;
import java.io.IOException;

/**
 * A database or directory that can produce its native backup bytes: the output of {@code pg_dump},
 * a Redis RDB snapshot, a tar of a directory tree.
 *
 * <p>A source is a supplier of streams, not an open stream: every {@link #open()} starts a new
 * backup run. Implementations are immutable and thread-safe. A source that holds resources between
 * runs (a client with a connection pool) releases them in {@link #close()}; whoever made the source
 * closes it, and a closed source holds no thread that keeps a process alive.
 *
 * <p>Implementations extend {@code io.biowerk.dr.testkit.SourceContractTest} (module {@code
 * biowerk-dr-testkit}).
 */
public interface Source extends Closeable {

  /**
   * The kind of source, which is the URI scheme it was made from: {@code postgresql}, {@code
   * redis}, {@code files}.
   */
  String kind();

  /**
   * The short name the repository files backups under, as the plan's layout uses it: {@code
   * postgres}, {@code redis}, {@code config}. Lower-case letters, digits, {@code -} and {@code _}
   * only.
   */
  String name();

  /**
   * The file-name extension of the native format: {@code dump}, {@code rdb}, {@code tar}, {@code
   * archive}.
   */
  String format();

  /**
   * Starts a backup run and returns the stream of its native bytes. The caller owns the returned
   * stream and closes it; {@link SourceStream#close()} reports a failure of the run (a non-zero
   * exit, a bad trailer).
   *
   * @throws IOException if the run cannot start (server unreachable, authentication failed, tool
   *     missing)
   */
  SourceStream open() throws IOException;

  /**
   * Releases what the source holds between runs. Idempotent. The default holds nothing.
   *
   * @throws IOException if releasing fails
   */
  @Override
  default void close() throws IOException {}
}
