package io.biowerk.dr.testkit;

import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.SinkCapability;
import io.biowerk.dr.core.StoredObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A complete {@link Sink} that keeps its objects in this JVM's memory: writes stay invisible until
 * committed, commits replace atomically, listing is sorted. It is a real implementation (it passes
 * {@link SinkContractTest}), not a mock; it exists so pipeline tests run without a disk or a
 * server. Objects are held in 1 MiB chunks, so a large object costs its size and no more.
 * Thread-safe.
 */
public final class InMemorySink implements Sink {

  private static final int CHUNK = 1 << 20;

  private final String name;
  private final Clock clock;
  private final ConcurrentSkipListMap<String, Blob> objects = new ConcurrentSkipListMap<>();

  private InMemorySink(String name, Clock clock) {
    this.name = Objects.requireNonNull(name, "name");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * An empty sink named {@code name} (shown in {@code toString()}, e.g. in a pipeline's
   * description).
   */
  public static InMemorySink named(String name) {
    return new InMemorySink(name, Clock.systemUTC());
  }

  /** An empty sink whose objects are stamped with times from {@code clock}. */
  public static InMemorySink named(String name, Clock clock) {
    return new InMemorySink(name, clock);
  }

  /**
   * An immutable committed object: chunks are never changed after commit, so readers and copies
   * share them.
   */
  private record Blob(List<byte[]> chunks, long size, Instant lastModified) {}

  @Override
  public PendingWrite openWrite(String key) {
    return new Write(checkKey(key));
  }

  @Override
  public ReadableByteChannel openRead(String key) throws IOException {
    Blob blob = objects.get(checkKey(key));
    if (blob == null) {
      throw new ObjectNotFoundException("memory: no object " + key + " in " + this, key);
    }
    return new Reader(blob);
  }

  @Override
  public List<StoredObject> list(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    Map<String, Blob> range =
        prefix.isEmpty()
            ? objects
            : objects.subMap(prefix, true, prefix + Character.MAX_VALUE, true);
    List<StoredObject> list = new ArrayList<>();
    range.forEach(
        (key, blob) -> {
          if (key.startsWith(prefix)) {
            list.add(new StoredObject(key, blob.size(), blob.lastModified()));
          }
        });
    return list;
  }

  @Override
  public void delete(String key) {
    objects.remove(checkKey(key));
  }

  @Override
  public void copy(String from, String to) throws IOException {
    Blob blob = objects.get(checkKey(from));
    if (blob == null) {
      throw new ObjectNotFoundException(
          "memory: no object " + from + " in " + this + " to copy", from);
    }
    // Blobs are immutable: the copy shares the chunks, as a server-side copy shares storage.
    objects.put(checkKey(to), new Blob(blob.chunks(), blob.size(), clock.instant()));
  }

  @Override
  public Set<SinkCapability> capabilities() {
    return Set.of(SinkCapability.SERVER_SIDE_COPY);
  }

  /** Total bytes held in committed objects. */
  public long bytesStored() {
    return objects.values().stream().mapToLong(Blob::size).sum();
  }

  @Override
  public String toString() {
    return "memory:" + name;
  }

  /**
   * Checks a key as every sink must see it: relative, {@code /}-separated, no empty, {@code .} or
   * {@code ..} segment, no NUL or backslash.
   */
  static String checkKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty()
        || key.startsWith("/")
        || key.endsWith("/")
        || key.indexOf('\0') >= 0
        || key.indexOf('\\') >= 0) {
      throw new IllegalArgumentException(
          "object key ("
              + key
              + ") must be relative, '/'-separated, non-empty,"
              + " without NUL or '\\', not ending in '/'");
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            "object key (" + key + ") may not contain empty, '.' or '..' segments");
      }
    }
    return key;
  }

  private final class Write implements PendingWrite {
    private final String key;
    private final List<byte[]> chunks = new ArrayList<>();
    private long size;
    private boolean done;

    Write(String key) {
      this.key = key;
    }

    @Override
    public int write(ByteBuffer src) {
      if (done) {
        throw new IllegalStateException("closed");
      }
      int n = src.remaining();
      // Copied: the caller owns src and reuses it after write returns.
      while (src.hasRemaining()) {
        int inChunk = (int) (size % CHUNK);
        if (inChunk == 0) {
          chunks.add(new byte[CHUNK]);
        }
        int take = Math.min(CHUNK - inChunk, src.remaining());
        src.get(chunks.get(chunks.size() - 1), inChunk, take);
        size += take;
      }
      return n;
    }

    @Override
    public boolean isOpen() {
      return !done;
    }

    @Override
    public void commit() {
      if (done) {
        throw new IllegalStateException("closed");
      }
      done = true;
      objects.put(key, new Blob(List.copyOf(chunks), size, clock.instant()));
    }

    @Override
    public void abort() {
      if (!done) {
        done = true;
        chunks.clear();
      }
    }
  }

  private static final class Reader implements ReadableByteChannel {
    private final Blob blob;
    private long position;
    private volatile boolean closed;

    Reader(Blob blob) {
      this.blob = blob;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (closed) {
        throw new ClosedChannelException();
      }
      if (position == blob.size()) {
        return -1;
      }
      int total = 0;
      while (dst.hasRemaining() && position < blob.size()) {
        byte[] chunk = blob.chunks().get((int) (position / CHUNK));
        int inChunk = (int) (position % CHUNK);
        int n = (int) Math.min(Math.min(CHUNK - inChunk, dst.remaining()), blob.size() - position);
        dst.put(chunk, inChunk, n);
        position += n;
        total += n;
      }
      return total;
    }

    @Override
    public boolean isOpen() {
      return !closed;
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
