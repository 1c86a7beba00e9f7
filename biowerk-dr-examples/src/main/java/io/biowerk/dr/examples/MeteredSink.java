package io.biowerk.dr.examples;

import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.SinkCapability;
import io.biowerk.dr.core.StoredObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A worked example of a {@link Sink} decorator (docs/library.md, "A sink decorator"): forwards
 * everything to the sink it wraps and counts the bytes of the writes that were committed, e.g. for
 * a metric. A decorator keeps the wrapped sink's rules (keys, atomic {@code putIfAbsent}, use after
 * close), so it passes the same contract test: {@code MeteredSinkTest} extends the test kit's
 * {@code SinkContractTest}.
 *
 * <pre>{@code
 * MeteredSink metered = new MeteredSink(Sinks.forUri(URI.create("file:///var/backups")));
 * Repository repository = Repository.builder().sink(metered).keyFile(keys).build();
 * }</pre>
 */
public final class MeteredSink implements Sink {
  private final Sink delegate;
  private final AtomicLong committedBytes = new AtomicLong();

  /** Wraps {@code delegate}; closing this sink closes it. */
  public MeteredSink(Sink delegate) {
    this.delegate = delegate;
  }

  /** The bytes of every write committed through this sink so far. */
  public long committedBytes() {
    return committedBytes.get();
  }

  @Override
  public PendingWrite openWrite(String key) throws IOException {
    PendingWrite write = delegate.openWrite(key);
    return new PendingWrite() {
      private long written;

      @Override
      public int write(ByteBuffer src) throws IOException {
        int n = write.write(src); // the delegate enforces "closed" after commit or abort
        written += n;
        return n;
      }

      @Override
      public boolean isOpen() {
        return write.isOpen();
      }

      @Override
      public void commit() throws IOException {
        write.commit();
        committedBytes.addAndGet(written);
      }

      @Override
      public void abort() {
        write.abort();
      }
    };
  }

  @Override
  public ReadableByteChannel openRead(String key) throws IOException {
    return delegate.openRead(key);
  }

  @Override
  public List<StoredObject> list(String prefix) throws IOException {
    return delegate.list(prefix);
  }

  @Override
  public void delete(String key) throws IOException {
    delegate.delete(key);
  }

  @Override
  public void copy(String from, String to) throws IOException {
    delegate.copy(from, to);
  }

  @Override
  public Set<SinkCapability> capabilities() {
    return delegate.capabilities();
  }

  @Override
  public boolean putIfAbsent(String key, byte[] bytes) throws IOException {
    // The delegate's own: atomic where it declares ATOMIC_PUT_IF_ABSENT.
    boolean created = delegate.putIfAbsent(key, bytes);
    if (created) {
      committedBytes.addAndGet(bytes.length);
    }
    return created;
  }

  @Override
  public List<StoredObject> abandonedWrites() throws IOException {
    return delegate.abandonedWrites();
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }

  @Override
  public String toString() {
    return "MeteredSink[" + delegate + "]";
  }
}
