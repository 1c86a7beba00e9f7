package io.biowerk.dr.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A complete {@link Sink} that keeps its objects in this JVM's memory: writes stay invisible until
 * committed, commits replace atomically, {@link #putIfAbsent} is atomic, listing is sorted. It is a
 * real implementation (it passes the test kit's {@code SinkContractTest}), not a mock; it exists so
 * pipeline and catalog tests run without a disk or a server, and it is the one in-memory sink of
 * the project. Objects are held in 1 MiB chunks, so a large object costs its size and no more. It
 * counts the calls that read, write and delete objects ({@link #reads()}, {@link #changes()}), so a
 * test can prove an operation changed nothing. Not registered as a provider: a repository that
 * vanishes with the process is no repository. Thread-safe; {@link #close()} does nothing.
 */
public final class InMemorySink implements Sink {

  private static final int CHUNK = 1 << 20;

  private final String name;
  private final Clock clock;
  private final ConcurrentSkipListMap<String, Blob> objects = new ConcurrentSkipListMap<>();
  private final AtomicLong reads = new AtomicLong();
  private final AtomicLong writes = new AtomicLong();
  private final AtomicLong deletes = new AtomicLong();

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

  /** How many objects were opened for reading (including {@link #get}). */
  public long reads() {
    return reads.get();
  }

  /** How many writes were committed (including copies and {@link #putIfAbsent} that created). */
  public long writes() {
    return writes.get();
  }

  /** How many deletes removed an object. */
  public long deletes() {
    return deletes.get();
  }

  /** {@link #writes()} plus {@link #deletes()}: zero change means the repository is as it was. */
  public long changes() {
    return writes.get() + deletes.get();
  }

  /** Sets an object's modification time (to age orphans in a test); counts as no change. */
  public void touch(String key, Instant at) throws ObjectNotFoundException {
    Blob blob = blob(key);
    objects.put(key, new Blob(blob.chunks(), blob.size(), at));
  }

  /**
   * Replaces an object's bytes in place, keeping its time (to damage a backup in a test); counts as
   * no change.
   */
  public void replace(String key, byte[] bytes) throws ObjectNotFoundException {
    Blob blob = blob(key);
    objects.put(key, new Blob(chunks(bytes), bytes.length, blob.lastModified()));
  }

  /**
   * A copy of {@code bytes} cut into {@link #CHUNK}-sized chunks, the layout {@link Reader} reads
   * (one array larger than a chunk would send it past the end of the list).
   */
  private static List<byte[]> chunks(byte[] bytes) {
    List<byte[]> chunks = new ArrayList<>(bytes.length / CHUNK + 1);
    for (int at = 0; at < bytes.length; at += CHUNK) {
      chunks.add(Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + CHUNK)));
    }
    return List.copyOf(chunks);
  }

  /** Every key and the hex of its bytes, sorted, to compare a repository before and after. */
  public Map<String, String> snapshot() {
    Map<String, String> copy = new TreeMap<>();
    HexFormat hex = HexFormat.of();
    objects.forEach(
        (key, blob) -> {
          StringBuilder text = new StringBuilder();
          long left = blob.size();
          for (byte[] chunk : blob.chunks()) {
            int n = (int) Math.min(left, chunk.length);
            text.append(hex.formatHex(chunk, 0, n));
            left -= n;
          }
          copy.put(key, text.toString());
        });
    return copy;
  }

  private Blob blob(String key) throws ObjectNotFoundException {
    Blob blob = objects.get(ObjectKeys.checkKey(key));
    if (blob == null) {
      throw new ObjectNotFoundException("memory sink: no object " + key + " in " + this, key);
    }
    return blob;
  }

  /**
   * An immutable committed object: chunks are never changed after commit, so readers and copies
   * share them.
   */
  private record Blob(List<byte[]> chunks, long size, Instant lastModified) {}

  @Override
  public PendingWrite openWrite(String key) {
    return new Write(ObjectKeys.checkKey(key));
  }

  @Override
  public ReadableByteChannel openRead(String key) throws IOException {
    Blob blob = blob(key);
    reads.incrementAndGet();
    return new Reader(blob);
  }

  @Override
  public boolean putIfAbsent(String key, byte[] bytes) {
    boolean created =
        objects.putIfAbsent(
                ObjectKeys.checkKey(key), new Blob(chunks(bytes), bytes.length, clock.instant()))
            == null;
    if (created) {
      writes.incrementAndGet();
    }
    return created;
  }

  @Override
  public List<StoredObject> list(String prefix) {
    ObjectKeys.checkPrefix(prefix);
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
    if (objects.remove(ObjectKeys.checkKey(key)) != null) {
      deletes.incrementAndGet();
    }
  }

  @Override
  public void copy(String from, String to) throws IOException {
    ObjectKeys.checkKey(to);
    Blob blob = blob(from);
    // Blobs are immutable: the copy shares the chunks, as a server-side copy shares storage.
    objects.put(to, new Blob(blob.chunks(), blob.size(), clock.instant()));
    writes.incrementAndGet();
  }

  @Override
  public Set<SinkCapability> capabilities() {
    return Set.of(SinkCapability.SERVER_SIDE_COPY, SinkCapability.ATOMIC_PUT_IF_ABSENT);
  }

  /** Total bytes held in committed objects. */
  public long bytesStored() {
    return objects.values().stream().mapToLong(Blob::size).sum();
  }

  @Override
  public String toString() {
    return "memory:" + name;
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
      writes.incrementAndGet();
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
