package io.biowerk.dr.storage.s3;

import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.cloud.ReadAhead;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.ExecutionException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A read of one S3 object. The first range streams straight from its response; the rest of a large
 * object is fetched as byte ranges, up to {@code parallelism} at once on the sink's executor, and
 * handed to the reader in order. Every range is pinned to the ETag of the first response ({@code
 * If-Match}), so an object overwritten during the read fails the read instead of splicing two
 * versions. Memory: at most parallelism + 1 ranges. Not thread-safe, except that {@link #close()}
 * may come from another thread to cancel.
 */
final class S3ReadChannel implements ReadableByteChannel {

  private final S3Sink sink;
  private final String key;
  private final String objectKey;
  private final long size;
  private final String eTag;
  private ReadAhead ahead;

  private ResponseInputStream<GetObjectResponse> first;
  private long firstRemaining;
  private ByteBuffer current = ByteBuffer.allocate(0);
  private long position;
  private volatile boolean closed;

  private S3ReadChannel(
      S3Sink sink,
      String key,
      String objectKey,
      ResponseInputStream<GetObjectResponse> first,
      long firstLength,
      long size) {
    this.sink = sink;
    this.key = key;
    this.objectKey = objectKey;
    this.first = first;
    this.firstRemaining = firstLength;
    this.size = size;
    this.eTag = first.response().eTag();
  }

  static S3ReadChannel open(S3Sink sink, String key, String objectKey) throws IOException {
    String bucket = sink.options().bucket();
    int range = sink.options().rangeSize();
    ResponseInputStream<GetObjectResponse> first;
    try {
      try {
        first =
            sink.s3()
                .getObject(r -> r.bucket(bucket).key(objectKey).range("bytes=0-" + (range - 1)));
      } catch (S3Exception e) {
        if (e.statusCode() != 416) {
          throw e;
        }
        // An empty object has no byte 0: S3 answers 416 to any range, so read it whole.
        first = sink.s3().getObject(r -> r.bucket(bucket).key(objectKey));
      }
    } catch (SdkException e) {
      throw sink.translate(e, "GetObject", key, objectKey);
    }
    GetObjectResponse response = first.response();
    long length = response.contentLength() == null ? 0 : response.contentLength();
    long size = totalSize(response.contentRange(), length);
    S3ReadChannel channel = new S3ReadChannel(sink, key, objectKey, first, length, size);
    channel.ahead =
        new ReadAhead(
            length,
            size,
            sink.options().rangeSize(),
            sink.options().parallelism(),
            (from, n, reusable) ->
                sink.executor().submit(() -> channel.fetch(from, from + n - 1, reusable)));
    return channel;
  }

  /**
   * The object size from {@code Content-Range: bytes 0-8388607/52428800}; without one the body is
   * the object.
   */
  static long totalSize(String contentRange, long length) {
    if (contentRange == null) {
      return length;
    }
    int slash = contentRange.lastIndexOf('/');
    String total = contentRange.substring(slash + 1).trim();
    return total.equals("*") ? length : Long.parseLong(total);
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
      if (first != null) {
        int n = readFirst(dst);
        if (n > 0) {
          position += n;
          return n;
        }
        continue;
      }
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
              "s3: read of '" + key + "' ended at byte " + position + " of " + size);
        }
        return -1;
      }
      ahead.recycle(current.array()); // every byte of it was read
      current = ByteBuffer.wrap(next()); // the fetched range is handed over, not copied
    }
  }

  /** Reads from the streaming first range; returns 0 once it is exhausted (and closed). */
  private int readFirst(ByteBuffer dst) throws IOException {
    int n;
    try {
      int want = (int) Math.min(dst.remaining(), firstRemaining);
      if (want == 0) {
        n = first.read() < 0 ? -1 : -2;
      } else if (dst.hasArray()) {
        n = first.read(dst.array(), dst.arrayOffset() + dst.position(), want);
        if (n > 0) {
          dst.position(dst.position() + n);
        }
      } else {
        byte[] chunk = new byte[Math.min(want, 64 << 10)];
        n = first.read(chunk);
        if (n > 0) {
          dst.put(chunk, 0, n);
        }
      }
    } catch (IOException e) {
      throw new StorageException(
          "s3: reading '"
              + key
              + "' from bucket '"
              + sink.options().bucket()
              + "' failed ("
              + e
              + "); the connection dropped, try again",
          "s3://" + sink.options().bucket() + "/" + objectKey,
          StorageException.Reason.OTHER,
          e);
    }
    if (n > 0) {
      firstRemaining -= n;
      return n;
    }
    if (n == -2 || firstRemaining > 0) {
      throw new IOException(
          "s3: the first range of '"
              + key
              + "' had "
              + (n == -2 ? "more" : "fewer")
              + " bytes than its Content-Length; the store sent a malformed response");
    }
    first.close();
    first = null;
    return 0;
  }

  private byte[] next() throws IOException {
    try {
      return ahead.next();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("s3: read of '" + key + "' was interrupted");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof S3Exception s3 && s3.statusCode() == 412) {
        throw new StorageException(
            "s3: '"
                + key
                + "' in bucket '"
                + sink.options().bucket()
                + "' was replaced"
                + " while it was being read (its ETag changed); read it again",
            "s3://" + sink.options().bucket() + "/" + objectKey,
            StorageException.Reason.OTHER,
            s3);
      }
      if (cause instanceof SdkException sdk) {
        throw sink.translate(sdk, "GetObject", key, objectKey);
      }
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException("s3: read of '" + key + "' failed: " + cause, cause);
    }
  }

  private byte[] fetch(long from, long to, byte[] reusable) throws IOException {
    int length = (int) (to - from + 1);
    byte[] bytes = reusable != null ? reusable : new byte[length];
    String bucket = sink.options().bucket();
    try (InputStream in =
        sink.s3()
            .getObject(
                r ->
                    r.bucket(bucket)
                        .key(objectKey)
                        .range("bytes=" + from + "-" + to)
                        .ifMatch(eTag))) {
      int got = in.readNBytes(bytes, 0, length);
      if (got != length || in.read() >= 0) {
        throw new IOException(
            "s3: range "
                + from
                + "-"
                + to
                + " of '"
                + key
                + "' came back with "
                + (got != length ? got + " bytes" : "extra bytes")
                + "; the store sent a malformed response");
      }
    }
    return bytes;
  }

  @Override
  public boolean isOpen() {
    return !closed;
  }

  /**
   * Stops the read: drops the first response's connection and cancels ranges in flight. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    ResponseInputStream<GetObjectResponse> stream = first;
    if (stream != null) {
      // abort(): closing would drain the rest of a large response just to reuse the connection
      stream.abort();
    }
    ahead.cancel();
  }
}
