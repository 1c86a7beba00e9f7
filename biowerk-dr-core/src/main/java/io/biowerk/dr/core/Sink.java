package io.biowerk.dr.core;

import io.biowerk.dr.core.internal.ByteChannels;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.Set;

/**
 * A place backups are stored: a local directory, a bucket or container of an object store.
 *
 * <p>Objects are named by keys, checked by {@link ObjectKeys}: relative, {@code /}-separated,
 * without empty, {@code .} or {@code ..} segments ({@code orders/daily/orders_20240115_020000.dump
 * .zst.enc}). A sink is a supplier of channels: every call opens a new one, and the caller closes
 * it. Implementations are thread-safe.
 *
 * <p>A sink may hold resources (a client, a thread pool): whoever made it (usually through {@link
 * Sinks#forUri}) closes it when done; {@link #close()} is idempotent, and a sink holds no thread
 * that keeps a process alive once closed. Channels opened before the close may fail afterwards.
 *
 * <p>Implementations extend {@code io.biowerk.dr.testkit.SinkContractTest} (module {@code
 * biowerk-dr-testkit}), which checks every rule stated here, {@link #putIfAbsent} included for
 * sinks that declare {@link SinkCapability#ATOMIC_PUT_IF_ABSENT}.
 */
public interface Sink extends Closeable {

  /**
   * Starts writing an object. It stays invisible to {@link #list} and {@link #openRead} until the
   * returned write is committed, and vanishes if it is aborted. Committing replaces an existing
   * object of that key.
   *
   * @throws IOException if the write cannot start (no such bucket, access denied, disk full)
   */
  PendingWrite openWrite(String key) throws IOException;

  /**
   * Opens an object for reading from its start.
   *
   * @throws ObjectNotFoundException if there is no such object
   * @throws IOException if the store cannot be read
   */
  ReadableByteChannel openRead(String key) throws IOException;

  /**
   * Lists committed objects whose keys start with {@code prefix} (empty for all), sorted by key.
   *
   * @throws IOException if the store cannot be listed
   */
  List<StoredObject> list(String prefix) throws IOException;

  /**
   * Deletes an object; deleting a missing object does nothing.
   *
   * @throws IOException if the object exists and cannot be deleted (immutability, access denied)
   */
  void delete(String key) throws IOException;

  /**
   * Copies an object byte for byte to another key in this sink. Sinks that can copy on the server
   * (rename, an object store's copy call) override this; the default streams the bytes through this
   * JVM.
   *
   * @throws ObjectNotFoundException if {@code from} does not exist
   * @throws IOException if the copy fails; {@code to} is then not visible
   */
  default void copy(String from, String to) throws IOException {
    try (ReadableByteChannel in = openRead(from);
        PendingWrite out = openWrite(to)) {
      ByteChannels.transfer(in, out);
      out.commit();
    }
  }

  /** What this sink supports beyond the basics. */
  default Set<SinkCapability> capabilities() {
    return Set.of();
  }

  /** Writes a whole small object (a manifest, a side file) and commits it. */
  default void put(String key, byte[] bytes) throws IOException {
    try (PendingWrite out = openWrite(key)) {
      ByteChannels.writeFully(out, java.nio.ByteBuffer.wrap(bytes));
      out.commit();
    }
  }

  /**
   * Writes a whole small object only if no object has that key, and says whether it did. Backups
   * claim their id with it, so two runs started in the same second cannot write to the same keys.
   * Sinks that can create atomically (an exclusive link on a file system, a conditional PUT)
   * override it and declare {@link SinkCapability#ATOMIC_PUT_IF_ABSENT}; this default checks and
   * then writes, which two processes can interleave.
   *
   * @return true if this call created the object, false if one already existed
   * @throws IOException if the store cannot be read or written
   */
  default boolean putIfAbsent(String key, byte[] bytes) throws IOException {
    for (StoredObject object : list(key)) {
      if (object.key().equals(key)) {
        return false;
      }
    }
    put(key, bytes);
    return true;
  }

  /** Reads a whole small object (a manifest, a side file). */
  default byte[] get(String key) throws IOException {
    try (ReadableByteChannel in = openRead(key)) {
      return ByteChannels.readAll(in, 64L << 20, key);
    }
  }

  /**
   * Leftovers of writes that were never committed or aborted (a process killed mid-write) that this
   * sink's {@link #list} does not show: a local directory's temp files. Keys are relative to the
   * sink, {@code /}-separated, and may be passed to {@link #delete}. The catalog's orphan sweep
   * reports them. Stores that clean up after themselves (an object store's lifecycle rule aborting
   * incomplete uploads) return none, which is the default.
   *
   * @throws IOException if the store cannot be listed
   */
  default List<StoredObject> abandonedWrites() throws IOException {
    return List.of();
  }

  /**
   * Releases what the sink holds (clients, thread pools). Idempotent. The default holds nothing.
   *
   * @throws IOException if releasing fails
   */
  @Override
  default void close() throws IOException {}
}
