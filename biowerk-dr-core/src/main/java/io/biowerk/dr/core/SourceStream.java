package io.biowerk.dr.core;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.Map;

/**
 * The bytes of one backup run, as a channel, and the facts the run learned for the manifest.
 *
 * <p>{@link #read} returns -1 when the source has produced everything. {@link #close()} then
 * finishes the run (waits for the dump process, checks a trailer) and throws if the run failed, so
 * a consumer must close the stream successfully before it commits what it read. Closing before the
 * end cancels the run.
 */
public interface SourceStream extends ReadableByteChannel {

  /**
   * Facts about this run for the manifest (server version, database names, positions), as
   * JSON-compatible values: {@code String}, {@code Number}, {@code Boolean}, {@code List} and
   * {@code Map} of those. Complete once {@link #close()} has returned normally; before that it may
   * lack facts learned at the end.
   */
  Map<String, Object> facts();

  /**
   * How many bytes this run is expected to produce in all, or -1 while that is unknown; progress
   * events of a backup carry it as {@code expectedIn}. It is an estimate, for a progress bar, never
   * a check: a files source sums the sizes of the tree (walked on a thread of its own, so the value
   * may appear a little after the run starts), Redis announces the RDB's length before sending it,
   * PostgreSQL adds up its tables' relation sizes, MongoDB its collections' data sizes. The count
   * of bytes read may end above or below it. It may change from -1 to a value while the run goes
   * on; any thread may call it. The default knows nothing.
   */
  default long expectedSize() {
    return -1;
  }

  /**
   * Finishes or cancels the run. Idempotent.
   *
   * @throws IOException if the run failed; the message carries the tool's own error output where
   *     there is one
   */
  @Override
  void close() throws IOException;
}
