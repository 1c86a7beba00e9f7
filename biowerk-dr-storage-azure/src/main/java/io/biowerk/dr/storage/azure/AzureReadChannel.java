package io.biowerk.dr.storage.azure;

import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.models.AccessTier;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.DownloadRetryOptions;
import io.biowerk.dr.core.StorageException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/**
 * A read of one blob as byte ranges, up to {@code parallelism} fetched at once on the sink's
 * executor and handed to the reader in order. Every range is pinned to the ETag the blob had when
 * the read opened ({@code If-Match}), so a blob overwritten during the read fails the read instead
 * of splicing two versions. Memory: at most parallelism + 1 ranges. Not thread-safe, except that
 * {@link #close()} may come from another thread to cancel.
 */
final class AzureReadChannel implements ReadableByteChannel {

  private final AzureSink sink;
  private final String key;
  private final String blobName;
  private final BlobClient blob;
  private final long size;
  private final long rangeSize;
  private final String eTag;
  private final ArrayDeque<Future<byte[]>> ahead = new ArrayDeque<>();
  // Arrays of ranges already handed over, reused by later fetches: at most parallelism + 1 exist,
  // and
  // a small heap is not churned by one large array per range.
  private final ConcurrentLinkedQueue<byte[]> free = new ConcurrentLinkedQueue<>();

  private ByteBuffer current = ByteBuffer.allocate(0);
  private long nextOffset;
  private long position;
  private volatile boolean closed;

  private AzureReadChannel(AzureSink sink, String key, String blobName, long size, String eTag) {
    this.sink = sink;
    this.key = key;
    this.blobName = blobName;
    this.blob = sink.blob(blobName);
    this.size = size;
    this.eTag = eTag;
    this.rangeSize = sink.options().rangeSize();
  }

  static AzureReadChannel open(AzureSink sink, String key, String blobName) throws IOException {
    BlobProperties properties = sink.properties(key, blobName);
    if (AccessTier.ARCHIVE.equals(properties.getAccessTier())) {
      throw sink.archived(key, blobName, properties.getArchiveStatus() != null);
    }
    AzureReadChannel channel =
        new AzureReadChannel(sink, key, blobName, properties.getBlobSize(), properties.getETag());
    channel.readAhead();
    return channel;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    if (!dst.hasRemaining()) {
      return 0;
    }
    while (true) {
      if (current.hasRemaining()) {
        int n = Math.min(dst.remaining(), current.remaining());
        ByteBuffer slice = current.slice();
        slice.limit(n);
        dst.put(slice);
        current.position(current.position() + n);
        position += n;
        return n;
      }
      if (ahead.isEmpty()) {
        if (position != size) {
          throw new IOException(
              "azure sink: read of '" + key + "' ended at byte " + position + " of " + size);
        }
        return -1;
      }
      if (current.capacity() > 0) {
        free.add(current.array()); // every byte of it was read: the array goes back to the pool
      }
      current = ByteBuffer.wrap(next()); // the fetched range is handed over, not copied
      readAhead();
    }
  }

  private byte[] next() throws IOException {
    Future<byte[]> range = ahead.removeFirst();
    try {
      return range.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("azure sink: read of '" + key + "' was interrupted");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof BlobStorageException service && service.getStatusCode() == 412) {
        throw new StorageException(
            "azure sink: '"
                + key
                + "' in container '"
                + sink.options().container()
                + "' was replaced while it was being read (its ETag changed); read it again",
            sink.location(blobName),
            StorageException.Reason.OTHER,
            service);
      }
      if (cause instanceof RuntimeException runtime) {
        throw sink.translate(runtime, "Get Blob", key, blobName);
      }
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException("azure sink: read of '" + key + "' failed: " + cause, cause);
    }
  }

  /** Keeps {@code parallelism} ranges in flight (fewer near the end). */
  private void readAhead() {
    int parallelism = sink.options().parallelism();
    while (ahead.size() < parallelism && nextOffset < size && !closed) {
      long from = nextOffset;
      int length = (int) Math.min(size - from, rangeSize);
      nextOffset = from + length;
      try {
        ahead.addLast(sink.executor().submit(() -> fetch(from, length)));
      } catch (RejectedExecutionException e) {
        throw new IllegalStateException("closed", e);
      }
    }
  }

  private byte[] fetch(long from, int length) throws IOException {
    byte[] bytes = free.poll();
    if (bytes == null || bytes.length != length) {
      bytes = new byte[length]; // the first ranges, and the shorter last one
    }
    FixedOutputStream out = new FixedOutputStream(bytes);
    blob.downloadStreamWithResponse(
        out,
        new BlobRange(from, (long) length),
        new DownloadRetryOptions().setMaxRetryRequests(sink.options().maxAttempts()),
        new BlobRequestConditions().setIfMatch(eTag),
        false,
        null,
        Context.NONE);
    if (out.count != length) {
      throw new IOException(
          "azure sink: range "
              + from
              + "+"
              + length
              + " of '"
              + key
              + "' came back with "
              + out.count
              + " bytes; the service sent a malformed response");
    }
    return bytes;
  }

  @Override
  public boolean isOpen() {
    return !closed;
  }

  /** Stops the read: cancels ranges in flight. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Future<byte[]> range : ahead) {
      range.cancel(true);
    }
    ahead.clear();
  }

  /**
   * Collects one range into its array. A download retried after a dropped connection resumes where
   * it stopped, so writes simply continue; more bytes than the range are a malformed response.
   */
  private static final class FixedOutputStream extends OutputStream {
    private final byte[] bytes;
    private int count;

    FixedOutputStream(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len > bytes.length - count) {
        throw new IOException("azure sink: the service sent more bytes than the range asked for");
      }
      System.arraycopy(b, off, bytes, count, len);
      count += len;
    }
  }
}
