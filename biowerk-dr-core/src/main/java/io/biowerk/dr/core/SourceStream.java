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
   * Finishes or cancels the run. Idempotent.
   *
   * @throws IOException if the run failed; the message carries the tool's own error output where
   *     there is one
   */
  @Override
  void close() throws IOException;
}
