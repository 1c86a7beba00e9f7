package io.biowerk.dr.storage.azure;

import com.azure.storage.blob.BlobAsyncClient;
import com.azure.storage.blob.models.AccessTier;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.DownloadRetryOptions;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.cloud.ReadAhead;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import reactor.core.publisher.Mono;

/**
 * A read of one blob as byte ranges, up to {@code parallelism} fetched at once through the SDK's
 * async client (no thread blocked per range) and handed to the reader in order. Every range is
 * pinned to the ETag the blob had when the read opened ({@code If-Match}), so a blob overwritten
 * during the read fails the read instead of splicing two versions. Memory: at most parallelism + 1
 * ranges. Not thread-safe, except that {@link #close()} may come from another thread to cancel.
 */
final class AzureReadChannel implements ReadableByteChannel {

  private final AzureSink sink;
  private final String key;
  private final String blobName;
  private final BlobAsyncClient asyncBlob;
  private final long size;
  private final String eTag;
  private final ReadAhead ahead;

  private ByteBuffer current = ByteBuffer.allocate(0);
  private long position;
  private volatile boolean closed;

  private AzureReadChannel(AzureSink sink, String key, String blobName, long size, String eTag) {
    this.sink = sink;
    this.key = key;
    this.blobName = blobName;
    this.asyncBlob = sink.asyncBlob(blobName);
    this.size = size;
    this.eTag = eTag;
    this.ahead =
        new ReadAhead(
            0, size, sink.options().rangeSize(), sink.options().parallelism(), this::fetch);
  }

  static AzureReadChannel open(AzureSink sink, String key, String blobName) throws IOException {
    BlobProperties properties = sink.properties(key, blobName);
    if (AccessTier.ARCHIVE.equals(properties.getAccessTier())) {
      boolean rehydrating = properties.getArchiveStatus() != null;
      if (!rehydrating && sink.options().rehydrate().isPresent()) {
        rehydrating = sink.rehydrate(key, AccessTier.COLD, sink.options().rehydrate().get());
      }
      throw sink.archived(key, blobName, rehydrating);
    }
    AzureReadChannel channel =
        new AzureReadChannel(sink, key, blobName, properties.getBlobSize(), properties.getETag());
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
      if (!ahead.hasNext()) {
        if (position != size) {
          throw new IOException(
              "azure sink: read of '" + key + "' ended at byte " + position + " of " + size);
        }
        return -1;
      }
      ahead.recycle(current.array()); // every byte of it was read
      current = ByteBuffer.wrap(next()); // the fetched range is handed over, not copied
    }
  }

  private byte[] next() throws IOException {
    try {
      return ahead.next();
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

  /**
   * Fetches one range through the async client, copying the network buffers into the range's array
   * as they arrive; a dropped connection is resumed where it stopped (DownloadRetryOptions).
   */
  private CompletableFuture<byte[]> fetch(long from, int length, byte[] reusable) {
    byte[] bytes = reusable != null ? reusable : new byte[length];
    int[] filled = {0};
    return asyncBlob
        .downloadStreamWithResponse(
            new BlobRange(from, (long) length),
            new DownloadRetryOptions().setMaxRetryRequests(sink.options().maxAttempts()),
            new BlobRequestConditions().setIfMatch(eTag),
            false)
        .flatMapMany(response -> response.getValue())
        .doOnNext(
            buffer -> {
              int n = buffer.remaining();
              if (n > length - filled[0]) {
                throw new IllegalStateException(
                    "azure sink: the service sent more bytes than the range asked for");
              }
              buffer.get(bytes, filled[0], n);
              filled[0] += n;
            })
        .then(
            Mono.fromCallable(
                () -> {
                  if (filled[0] != length) {
                    throw new IOException(
                        "azure sink: range "
                            + from
                            + "+"
                            + length
                            + " of '"
                            + key
                            + "' came back with "
                            + filled[0]
                            + " bytes; the service sent a malformed response");
                  }
                  return bytes;
                }))
        .toFuture();
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
    ahead.cancel();
  }
}
