package io.biowerk.dr.redis;

import io.biowerk.dr.core.SourceFailedException;
import io.biowerk.dr.core.SourceStream;
import io.biowerk.dr.core.io.BufferPipe;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link SourceStream} of one Redis backup run: a producer thread (the replication reader, or
 * the SCAN writer) writes the RDB bytes into a {@link BufferPipe} while it checks them; {@link
 * #read} hands them on. The stream reaches its end only after the producer has checked the whole
 * snapshot (structure and CRC-64), so a consumer that commits at end of stream never commits a cut
 * or damaged snapshot.
 */
final class SnapshotStream implements SourceStream {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotStream.class);

  /** What a producer does; it writes the RDB into {@code out} and records facts. */
  interface Producer {
    void produce(OutputStream out, Map<String, Object> facts) throws Exception;
  }

  private final String source;
  private final RespConnection connection;
  private final BufferPipe pipe;
  private final Map<String, Object> facts = Collections.synchronizedMap(new LinkedHashMap<>());
  private final Thread thread;
  private volatile Throwable failure;
  private boolean closed;
  private boolean reported;
  private final long expectedSize;

  SnapshotStream(
      String source,
      RespConnection connection,
      Map<String, Object> initialFacts,
      long expectedSize,
      Producer producer) {
    this.source = source;
    this.expectedSize = expectedSize;
    this.connection = connection;
    this.facts.putAll(initialFacts);
    this.pipe = new BufferPipe("redis: the snapshot of " + source, 8, 256 * 1024, false);
    // Not a daemon: close() cancels the pipe and closes the connection, which stops the producer.
    this.thread =
        new Thread(
            () -> {
              try {
                producer.produce(pipe.outputStream(), facts);
                pipe.sink().close();
              } catch (Throwable e) {
                failure = wrap(e);
                pipe.fail(failure);
              } finally {
                connection.close();
              }
            },
            "biowerk-dr-redis-" + source.replaceAll("[^A-Za-z0-9.:-]", "_"));
    thread.start();
  }

  private SourceFailedException wrap(Throwable e) {
    if (e instanceof SourceFailedException failed) {
      return failed;
    }
    if (connection.isClosed() && closed) {
      return new SourceFailedException(
          "redis: backup of " + source + " was cancelled", source, "", e);
    }
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    if (!message.startsWith("redis: ")) {
      message = "redis: backup of " + source + " failed: " + message;
    }
    return new SourceFailedException(
        message + (message.contains("nothing was kept") ? "" : " (nothing was kept)"),
        source,
        e instanceof RedisCommandException c ? c.reply() : "",
        e);
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    try {
      return pipe.source().read(dst);
    } catch (IOException | RuntimeException e) {
      // Reported here; close() then does not throw the same failure a second time.
      reported = true;
      throw e;
    }
  }

  @Override
  public boolean isOpen() {
    return !closed;
  }

  /** The RDB's length as the server announced it, or -1 (diskless transfer, scan mode). */
  @Override
  public long expectedSize() {
    return expectedSize;
  }

  @Override
  public Map<String, Object> facts() {
    synchronized (facts) {
      return Map.copyOf(facts);
    }
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    if (!pipe.source().atEnd()) {
      // Closed before the end: cancel the run; report only a failure that came before the cancel.
      Throwable failed = failure;
      pipe.cancel(null);
      connection.close();
      join();
      LOG.info("redis: backup of {} cancelled before the end of the snapshot", source);
      if (failed instanceof IOException io && !reported) {
        throw io;
      }
      return;
    }
    join();
    if (failure instanceof IOException io && !reported) {
      throw io;
    }
  }

  private void join() throws IOException {
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException(
          "redis: interrupted while finishing the backup of " + source);
    }
  }
}
