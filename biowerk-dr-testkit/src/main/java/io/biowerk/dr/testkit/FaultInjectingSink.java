package io.biowerk.dr.testkit;

import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.SinkCapability;
import io.biowerk.dr.core.StoredObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A {@link Sink} decorator that fails on purpose: when a chosen byte of an object is written, when
 * a write is committed, or when a write, read or delete of a matching key starts. Failures are
 * {@link InjectedFaultException}s whose message says which fault was injected where. Everything
 * else passes through to the wrapped sink, and the decorator records which writes were committed
 * and which aborted, so a test can check that a failed backup cleaned up after itself.
 *
 * <p>Keys are matched by a regular expression against the whole key. Configure faults before
 * handing the sink to the code under test; the configuration and the records are thread-safe.
 */
public final class FaultInjectingSink implements Sink {

  private final Sink delegate;
  private final List<Fault> faults = new CopyOnWriteArrayList<>();
  private final List<String> opened = new CopyOnWriteArrayList<>();
  private final List<String> committed = new CopyOnWriteArrayList<>();
  private final List<String> aborted = new CopyOnWriteArrayList<>();
  private final List<String> injected = new CopyOnWriteArrayList<>();

  private enum Kind {
    WRITE_AT_BYTE,
    COMMIT,
    OPEN_WRITE,
    OPEN_READ,
    DELETE
  }

  private record Fault(Kind kind, Predicate<String> keys, String pattern, long byteIndex) {}

  private FaultInjectingSink(Sink delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** A decorator of {@code delegate} that injects no fault until told to. */
  public static FaultInjectingSink wrapping(Sink delegate) {
    return new FaultInjectingSink(delegate);
  }

  /**
   * Makes writes to keys matching {@code keyRegex} fail when byte {@code byteIndex} (0-based) would
   * be written: the bytes before it reach the wrapped sink, that write call throws, and so does
   * every later one. {@code byteIndex} 0 fails the first write that carries a byte.
   */
  public FaultInjectingSink failWriteAtByte(String keyRegex, long byteIndex) {
    if (byteIndex < 0) {
      throw new IllegalArgumentException("byteIndex (" + byteIndex + ") may not be negative");
    }
    faults.add(new Fault(Kind.WRITE_AT_BYTE, match(keyRegex), keyRegex, byteIndex));
    return this;
  }

  /** Makes commits of writes to keys matching {@code keyRegex} fail; the write is then aborted. */
  public FaultInjectingSink failCommit(String keyRegex) {
    faults.add(new Fault(Kind.COMMIT, match(keyRegex), keyRegex, -1));
    return this;
  }

  /** Makes {@link #openWrite} (and so {@link #put}) of keys matching {@code keyRegex} fail. */
  public FaultInjectingSink failOpenWrite(String keyRegex) {
    faults.add(new Fault(Kind.OPEN_WRITE, match(keyRegex), keyRegex, -1));
    return this;
  }

  /** Makes {@link #openRead} (and so {@link #get}) of keys matching {@code keyRegex} fail. */
  public FaultInjectingSink failOpenRead(String keyRegex) {
    faults.add(new Fault(Kind.OPEN_READ, match(keyRegex), keyRegex, -1));
    return this;
  }

  /** Makes {@link #delete} of keys matching {@code keyRegex} fail. */
  public FaultInjectingSink failDelete(String keyRegex) {
    faults.add(new Fault(Kind.DELETE, match(keyRegex), keyRegex, -1));
    return this;
  }

  /** Removes every configured fault; the sink then passes everything through. */
  public FaultInjectingSink heal() {
    faults.clear();
    return this;
  }

  /** The wrapped sink. */
  public Sink delegate() {
    return delegate;
  }

  /** Keys of writes opened, in order. */
  public List<String> opened() {
    return List.copyOf(opened);
  }

  /** Keys of writes committed successfully, in order. */
  public List<String> committed() {
    return List.copyOf(committed);
  }

  /**
   * Keys of writes aborted (explicitly, by close without commit, or after a failed commit), in
   * order.
   */
  public List<String> aborted() {
    return List.copyOf(aborted);
  }

  /** The messages of the faults injected so far, in order. */
  public List<String> injected() {
    return List.copyOf(injected);
  }

  private static Predicate<String> match(String keyRegex) {
    return Pattern.compile(Objects.requireNonNull(keyRegex, "keyRegex")).asMatchPredicate();
  }

  private Fault fault(Kind kind, String key) {
    for (Fault fault : faults) {
      if (fault.kind() == kind && fault.keys().test(key)) {
        return fault;
      }
    }
    return null;
  }

  private InjectedFaultException inject(String what, String key, Fault fault) {
    String message =
        "fault-injecting sink: injected failure "
            + what
            + " "
            + key
            + " (fault for keys matching '"
            + fault.pattern()
            + "'; a simulated disk or network failure); nothing of this object is kept: check the store,"
            + " then run it again";
    injected.add(message);
    return new InjectedFaultException(message);
  }

  @Override
  public PendingWrite openWrite(String key) throws IOException {
    Fault fault = fault(Kind.OPEN_WRITE, key);
    if (fault != null) {
      throw inject("opening a write of", key, fault);
    }
    PendingWrite write = delegate.openWrite(key);
    opened.add(key);
    return new FaultyWrite(key, write);
  }

  @Override
  public ReadableByteChannel openRead(String key) throws IOException {
    Fault fault = fault(Kind.OPEN_READ, key);
    if (fault != null) {
      throw inject("opening a read of", key, fault);
    }
    return delegate.openRead(key);
  }

  @Override
  public List<StoredObject> list(String prefix) throws IOException {
    return delegate.list(prefix);
  }

  @Override
  public void delete(String key) throws IOException {
    Fault fault = fault(Kind.DELETE, key);
    if (fault != null) {
      throw inject("deleting", key, fault);
    }
    delegate.delete(key);
  }

  @Override
  public Set<SinkCapability> capabilities() {
    return delegate.capabilities();
  }

  /**
   * Delegates, so the delegate's atomicity (declared in its capabilities) holds here too; a created
   * object is recorded as {@linkplain #committed() committed}. Not subject to injected faults.
   */
  @Override
  public boolean putIfAbsent(String key, byte[] bytes) throws IOException {
    boolean created = delegate.putIfAbsent(key, bytes);
    if (created) {
      committed.add(key);
    }
    return created;
  }

  @Override
  public List<StoredObject> abandonedWrites() throws IOException {
    return delegate.abandonedWrites();
  }

  /** Closes the delegate. */
  @Override
  public void close() throws IOException {
    delegate.close();
  }

  @Override
  public String toString() {
    return "faulty(" + delegate + ")";
  }

  private final class FaultyWrite implements PendingWrite {
    private final String key;
    private final PendingWrite write;
    private long written;
    private Fault brokenBy;
    private boolean done;

    FaultyWrite(String key, PendingWrite write) {
      this.key = key;
      this.write = write;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (done) {
        throw new IllegalStateException("closed");
      }
      if (brokenBy != null) {
        // A broken write stays broken, as a dropped connection does.
        throw inject(
            "writing (the write already failed at byte " + brokenBy.byteIndex() + ") to",
            key,
            brokenBy);
      }
      Fault fault = fault(Kind.WRITE_AT_BYTE, key);
      if (fault != null && src.hasRemaining() && written + src.remaining() > fault.byteIndex()) {
        // The bytes before the fault reach the sink, as they would on a disk that fills up.
        ByteBuffer before = src.slice();
        before.limit((int) (fault.byteIndex() - written));
        while (before.hasRemaining()) {
          written += write.write(before);
        }
        src.position(src.position() + before.position());
        brokenBy = fault;
        throw inject("at byte " + fault.byteIndex() + " of", key, fault);
      }
      int n = write.write(src);
      written += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return !done;
    }

    @Override
    public void commit() throws IOException {
      if (done) {
        throw new IllegalStateException("closed");
      }
      Fault fault = fault(Kind.COMMIT, key);
      if (fault != null) {
        abort();
        throw inject("committing", key, fault);
      }
      if (brokenBy != null) {
        abort();
        throw inject(
            "committing (the write failed at byte " + brokenBy.byteIndex() + ")", key, brokenBy);
      }
      done = true;
      try {
        write.commit();
      } catch (IOException | RuntimeException e) {
        aborted.add(key);
        throw e;
      }
      committed.add(key);
    }

    @Override
    public void abort() {
      if (!done) {
        done = true;
        write.abort();
        aborted.add(key);
      }
    }
  }
}
