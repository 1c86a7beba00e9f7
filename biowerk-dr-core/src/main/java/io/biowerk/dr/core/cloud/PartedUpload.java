package io.biowerk.dr.core.cloud;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.biowerk.dr.core.AbstractPendingWrite;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A streaming write to an object store that uploads parts in parallel and makes them visible with
 * one final request: S3's multipart upload, Azure's staged blocks. What the stores share lives here
 * (the buffers, their bounded number and reuse, part sizes that double so the store's part limit
 * reaches several TiB, parallel part uploads on the caller's executor, failure propagation, and an
 * abort that waits for parts in flight); each store supplies five requests.
 *
 * <p>An object that fits in one part at commit goes up as one request ({@link #putWhole}); nothing
 * else is sent until the first part is full. Memory: at most {@code parallelism + 1} part buffers
 * (fewer once parts have grown, see {@link Sizing#permits}); the first buffer is small so that
 * manifests and side files do not allocate a whole part.
 *
 * <p>Not thread-safe: one thread writes and commits; {@link #uploadPart} runs on the executor.
 *
 * @param <P> what the store answers for one part, handed to {@link #complete} in part order
 */
public abstract class PartedUpload<P> extends AbstractPendingWrite {

  private static final int FIRST_BUFFER = 256 << 10;

  private final Sizing sizing;
  private final ExecutorService executor;
  private final Semaphore inFlight;
  // Buffers of finished part uploads, reused so that at most parallelism + 1 buffers exist.
  private final ConcurrentLinkedQueue<byte[]> free = new ConcurrentLinkedQueue<>();
  private final AtomicLong allocated = new AtomicLong();
  private final AtomicLong peakAllocated = new AtomicLong();
  private final List<Future<P>> parts = new ArrayList<>();
  private volatile Throwable partFailure;
  private volatile boolean cancelled;

  private byte[] buffer;
  private int filled;
  private long shipped;

  /**
   * How parts are sized and how many may be in flight.
   *
   * @param base the first part size in bytes
   * @param partsPerSize parts keep one size for this many part numbers, then double
   * @param maxPartSize the store's largest part
   * @param maxParts the store's most parts per object
   * @param parallelism the most base-sized parts in flight at once
   */
  public record Sizing(int base, int partsPerSize, int maxPartSize, int maxParts, int parallelism) {
    /** Checks the numbers. */
    public Sizing {
      checkArgument(base > 0, "base (%s) must be positive", base);
      checkArgument(partsPerSize > 0, "partsPerSize (%s) must be positive", partsPerSize);
      checkArgument(maxPartSize >= base, "maxPartSize (%s) < base (%s)", maxPartSize, base);
      checkArgument(maxParts > 0, "maxParts (%s) must be positive", maxParts);
      checkArgument(parallelism > 0, "parallelism (%s) must be positive", parallelism);
    }

    /** The size of part {@code number} (1-based): the base, doubled every partsPerSize parts. */
    public int partSize(int number) {
      int doublings = Math.min(30, (number - 1) / partsPerSize);
      return (int) Math.min(maxPartSize, (long) base << doublings);
    }

    /**
     * The permits (of {@code parallelism}) a part of {@code partSize} takes: one per base size it
     * spans, so that once parts have grown fewer are in flight and the bytes in flight stay within
     * parallelism x base, or one part once a part alone is larger.
     */
    public int permits(int partSize) {
      return Math.min(parallelism, Math.max(1, partSize / base));
    }
  }

  /**
   * Starts a write; nothing is sent yet.
   *
   * @param sizing part sizes and parallelism
   * @param executor runs part uploads; not shut down by this write
   */
  protected PartedUpload(Sizing sizing, ExecutorService executor) {
    this.sizing = checkNotNull(sizing, "sizing");
    this.executor = checkNotNull(executor, "executor");
    this.inFlight = new Semaphore(sizing.parallelism());
    this.buffer = allocate(Math.min(FIRST_BUFFER, sizing.base()));
  }

  /**
   * Called once, on the writing thread, before the first part is uploaded (S3 starts its multipart
   * upload here). The default does nothing.
   *
   * @throws IOException if the store refuses; the write is then aborted
   */
  protected void beforeFirstPart() throws IOException {}

  /**
   * Uploads part {@code number} (1-based) on an executor thread. {@code data} is lent for the call
   * only: it is reused afterwards, so the request must have read it when this returns.
   *
   * @throws Exception anything; {@link #partFailed} turns it into the write's exception
   */
  protected abstract P uploadPart(int number, byte[] data, int length) throws Exception;

  /**
   * Puts the whole object in one request; called on commit when no part was uploaded.
   *
   * @throws IOException if the store refuses
   */
  protected abstract void putWhole(byte[] data, int length) throws IOException;

  /**
   * Makes the uploaded parts visible as one object (the final request).
   *
   * @param parts what each part's upload answered, in part order
   * @param size the object's size in bytes
   * @throws IOException if the store refuses
   */
  protected abstract void complete(List<P> parts, long size) throws IOException;

  /**
   * Turns a failure of {@link #uploadPart} (or of a request this class makes) into the write's
   * exception, naming the store, object and what to do.
   */
  protected abstract IOException partFailed(Throwable cause);

  /**
   * Drops what was uploaded after every part in flight has finished (S3 aborts the multipart
   * upload; Azure's uncommitted blocks expire on their own). The default does nothing. Must not
   * throw.
   */
  protected void abandon() {}

  /** The exception for a write interrupted while waiting; names the object. */
  protected abstract InterruptedIOException interrupted();

  /** The exception for an object that would need more parts than the store allows. */
  protected abstract IOException tooManyParts(long bytesSoFar);

  @Override
  protected final int writeOpen(ByteBuffer src) throws IOException {
    rethrowPartFailure();
    int written = src.remaining();
    while (src.hasRemaining()) {
      if (filled == buffer.length) {
        int wanted = sizing.partSize(parts.size() + 1);
        if (buffer.length < wanted) {
          buffer = grow(buffer, Math.min(wanted, buffer.length * 2));
        } else {
          // Ship only when a byte beyond the full buffer arrives, so an object of exactly one part
          // is one request.
          shipPart();
        }
      }
      int n = Math.min(src.remaining(), buffer.length - filled);
      src.get(buffer, filled, n);
      filled += n;
    }
    return written;
  }

  private void shipPart() throws IOException {
    int number = parts.size() + 1;
    if (number > sizing.maxParts()) {
      abort();
      throw tooManyParts(shipped);
    }
    int weight = sizing.permits(sizing.partSize(number));
    try {
      if (number == 1) {
        beforeFirstPart();
      }
      inFlight.acquire(weight);
    } catch (IOException e) {
      abort();
      throw e;
    } catch (InterruptedException e) {
      abort();
      Thread.currentThread().interrupt();
      throw interrupted();
    }
    byte[] data = buffer; // ownership passes to the part upload, which returns it to the pool
    int length = filled;
    try {
      parts.add(
          executor.submit(
              () -> {
                try {
                  if (cancelled) {
                    throw new InterruptedIOException("cancelled");
                  }
                  return uploadPart(number, data, length);
                } catch (Exception | Error e) {
                  if (partFailure == null) {
                    partFailure = e;
                  }
                  throw e;
                } finally {
                  // Before the permit: whoever gets the permit finds this buffer to reuse.
                  free.add(data);
                  inFlight.release(weight);
                }
              }));
    } catch (RejectedExecutionException e) {
      inFlight.release(weight);
      abort();
      throw new IllegalStateException("closed", e);
    }
    shipped += length;
    buffer = takeBuffer(sizing.partSize(number + 1));
    filled = 0;
    rethrowPartFailure();
  }

  @Override
  protected final void publish() throws IOException {
    // On any failure here, discard() waits for parts in flight and abandons the upload.
    if (parts.isEmpty()) {
      try {
        putWhole(buffer, filled);
      } finally {
        release();
      }
      return;
    }
    if (filled > 0) {
      shipPart();
    }
    List<P> answers = new ArrayList<>(parts.size());
    try {
      for (Future<P> part : parts) {
        answers.add(part.get());
      }
      complete(answers, shipped);
    } catch (ExecutionException e) {
      throw partException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw interrupted();
    } finally {
      release();
    }
  }

  /**
   * Stops the write: waits for parts in flight, so none lands after this returns, then abandons.
   */
  @Override
  protected final void discard() {
    cancelled = true;
    for (Future<P> part : parts) {
      try {
        part.get();
      } catch (ExecutionException e) {
        // already reported, or reported by the caller
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (!parts.isEmpty()) {
      abandon();
    }
    release();
  }

  private void rethrowPartFailure() throws IOException {
    Throwable failure = partFailure;
    if (failure != null) {
      abort();
      throw partException(failure);
    }
  }

  private IOException partException(Throwable cause) {
    return cause instanceof IOException io ? io : partFailed(cause);
  }

  private byte[] takeBuffer(int size) {
    byte[] reused;
    while ((reused = free.poll()) != null) {
      if (reused.length == size) {
        return reused;
      }
      allocated.addAndGet(-reused.length); // parts grew: the smaller buffer is dropped
    }
    return allocate(size);
  }

  private byte[] allocate(int size) {
    long now = allocated.addAndGet(size);
    peakAllocated.accumulateAndGet(now, Math::max);
    return new byte[size];
  }

  private byte[] grow(byte[] old, int size) {
    byte[] bigger = Arrays.copyOf(old, size);
    long now = allocated.addAndGet(size);
    peakAllocated.accumulateAndGet(now, Math::max);
    allocated.addAndGet(-old.length);
    return bigger;
  }

  private void release() {
    free.clear();
    buffer = new byte[0];
    filled = 0;
  }

  /** The parts uploaded or in flight so far. */
  public final int partCount() {
    return parts.size();
  }

  /** The bytes handed to part uploads so far. */
  protected final long shippedBytes() {
    return shipped;
  }

  /** The most bytes of part buffers this write held at once; for tests and benchmarks. */
  public final long peakBufferBytes() {
    return peakAllocated.get();
  }
}
