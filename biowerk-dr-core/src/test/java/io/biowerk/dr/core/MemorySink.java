package io.biowerk.dr.core;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A real, complete {@link Sink} held in memory (not a mock): writes are invisible until committed,
 * listing is sorted by key, copy is byte for byte. Tests use it where thousands of repositories are
 * built (property tests), because {@code LocalSink} fsyncs every object. {@link #operations()}
 * counts the calls that change or read objects, so tests can prove an operation changed nothing or
 * read only what it should.
 */
public final class MemorySink implements Sink {

  private record Stored(byte[] bytes, Instant lastModified) {}

  private final Map<String, Stored> objects = new ConcurrentSkipListMap<>();
  private final Supplier<Instant> clock;
  public final AtomicLong writes = new AtomicLong();
  public final AtomicLong deletes = new AtomicLong();
  public final AtomicLong reads = new AtomicLong();

  public MemorySink() {
    this(Instant::now);
  }

  public MemorySink(Supplier<Instant> clock) {
    this.clock = clock;
  }

  @Override
  public PendingWrite openWrite(String key) {
    check(key);
    ByteArrayOutputStream pending = new ByteArrayOutputStream();
    return new PendingWrite() {
      boolean done;

      @Override
      public int write(ByteBuffer src) {
        if (done) {
          throw new IllegalStateException("closed");
        }
        int n = src.remaining();
        byte[] bytes = new byte[n];
        src.get(bytes);
        pending.writeBytes(bytes);
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
        writes.incrementAndGet();
        objects.put(key, new Stored(pending.toByteArray(), clock.get()));
      }

      @Override
      public void abort() {
        done = true;
      }
    };
  }

  @Override
  public ReadableByteChannel openRead(String key) throws IOException {
    Stored stored = objects.get(key);
    if (stored == null) {
      throw new ObjectNotFoundException("memory: no object " + key, key);
    }
    reads.incrementAndGet();
    return Channels.newChannel(new java.io.ByteArrayInputStream(stored.bytes()));
  }

  @Override
  public byte[] get(String key) throws IOException {
    Stored stored = objects.get(key);
    if (stored == null) {
      throw new ObjectNotFoundException("memory: no object " + key, key);
    }
    reads.incrementAndGet();
    return stored.bytes().clone();
  }

  @Override
  public List<StoredObject> list(String prefix) {
    List<StoredObject> list = new ArrayList<>();
    objects.forEach(
        (key, stored) -> {
          if (key.startsWith(prefix)) {
            list.add(new StoredObject(key, stored.bytes().length, stored.lastModified()));
          }
        });
    return list;
  }

  @Override
  public void delete(String key) {
    if (objects.remove(key) != null) {
      deletes.incrementAndGet();
    }
  }

  /** Sets an object's modification time (to age orphans). */
  public void touch(String key, Instant at) {
    Stored stored = objects.get(key);
    objects.put(key, new Stored(stored.bytes(), at));
  }

  /** Overwrites an object's bytes in place (to damage a backup). */
  public void replace(String key, byte[] bytes) {
    objects.put(key, new Stored(bytes, objects.get(key).lastModified()));
  }

  /** A snapshot of every key and its content, to compare repositories. */
  public Map<String, String> snapshot() {
    Map<String, String> copy = new java.util.TreeMap<>();
    objects.forEach((k, v) -> copy.put(k, java.util.Base64.getEncoder().encodeToString(v.bytes())));
    return copy;
  }

  public long changes() {
    return writes.get() + deletes.get();
  }

  private static void check(String key) {
    if (key.isEmpty() || key.startsWith("/") || key.endsWith("/") || key.contains("//")) {
      throw new IllegalArgumentException(
          "object key (" + key + ") is not a relative '/'-separated key");
    }
  }

  @Override
  public String toString() {
    return "memory:";
  }
}
