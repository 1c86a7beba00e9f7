package io.biowerk.dr.core.cloud;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.ArrayDeque;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/**
 * The ordered, bounded read-ahead of an object read as byte ranges in parallel: S3, Azure Blob and
 * Cloud Storage read channels all keep at most {@code parallelism} ranges in flight and hand them
 * to the reader in object order. The store supplies how one range is fetched; this class decides
 * which ranges, keeps them in order, recycles the arrays of ranges already read (so at most
 * parallelism + 1 range arrays exist and a small heap is not churned) and cancels what is in flight
 * on {@link #cancel()}.
 *
 * <p>Not thread-safe: one reader thread calls {@link #next()}; {@link #cancel()} may come from
 * another thread to stop the read.
 */
public final class ReadAhead {

  /** Fetches one byte range of the object. */
  @FunctionalInterface
  public interface RangeFetcher {
    /**
     * Starts fetching {@code length} bytes from {@code offset}.
     *
     * @param reusable an array of exactly {@code length} bytes the fetch may fill instead of
     *     allocating one, or null when none is free
     * @return the range's bytes, exactly {@code length} of them, when done
     */
    Future<byte[]> fetch(long offset, int length, byte[] reusable);
  }

  private final ArrayDeque<Future<byte[]>> ahead = new ArrayDeque<>();
  private final ConcurrentLinkedQueue<byte[]> free = new ConcurrentLinkedQueue<>();
  private final RangeFetcher fetcher;
  private final long end;
  private final int rangeSize;
  private final int parallelism;
  private long nextOffset;
  private volatile boolean cancelled;

  /**
   * Plans the ranges of {@code [from, end)} and starts the first {@code parallelism} of them.
   *
   * @throws IllegalStateException if the executor behind {@code fetcher} is shut down
   */
  public ReadAhead(long from, long end, int rangeSize, int parallelism, RangeFetcher fetcher) {
    checkArgument(from >= 0 && from <= end, "range [%s, %s) is empty or negative", from, end);
    checkArgument(rangeSize > 0, "rangeSize (%s) must be positive", rangeSize);
    checkArgument(parallelism > 0, "parallelism (%s) must be positive", parallelism);
    this.fetcher = checkNotNull(fetcher, "fetcher");
    this.nextOffset = from;
    this.end = end;
    this.rangeSize = rangeSize;
    this.parallelism = parallelism;
    fill();
  }

  /** Whether a range is still to be read. */
  public boolean hasNext() {
    return !ahead.isEmpty();
  }

  /**
   * The next range in object order, waiting for it; starts the next fetch so that parallelism
   * ranges stay in flight. The array is the caller's until it hands it back with {@link
   * #recycle(byte[])}.
   *
   * @throws ExecutionException if the fetch failed (its cause is the store's exception)
   * @throws InterruptedException if interrupted while waiting
   * @throws NoSuchElementException if no range is left
   */
  public byte[] next() throws ExecutionException, InterruptedException {
    Future<byte[]> range = ahead.removeFirst();
    byte[] bytes = range.get();
    fill();
    return bytes;
  }

  /** Hands back the array of a range every byte of which was read, for a later fetch to reuse. */
  public void recycle(byte[] done) {
    if (done.length > 0) {
      free.add(done);
    }
  }

  /** Cancels the ranges in flight and fetches no more. Idempotent. */
  public void cancel() {
    cancelled = true;
    for (Future<byte[]> range : ahead) {
      range.cancel(true);
    }
    ahead.clear();
  }

  private void fill() {
    while (ahead.size() < parallelism && nextOffset < end && !cancelled) {
      long from = nextOffset;
      int length = (int) Math.min(end - from, rangeSize);
      nextOffset = from + length;
      byte[] pooled = free.poll();
      try {
        ahead.addLast(
            fetcher.fetch(from, length, pooled != null && pooled.length == length ? pooled : null));
      } catch (RejectedExecutionException e) {
        throw new IllegalStateException("closed", e);
      }
    }
  }
}
