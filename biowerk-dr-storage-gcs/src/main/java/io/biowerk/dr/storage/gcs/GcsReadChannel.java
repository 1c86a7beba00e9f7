package io.biowerk.dr.storage.gcs;

import com.google.cloud.ReadChannel;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.cloud.ReadAhead;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.util.Base64;
import java.util.concurrent.ExecutionException;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bytes of one generation of a Cloud Storage object, in order: through one client {@link
 * ReadChannel}, or for an object larger than two ranges as ranges read in parallel (at most {@link
 * GcsOptions#parallelism()} in flight, each at most {@link GcsOptions#rangeSize()} bytes) and
 * handed over in order. At the end the CRC32C of what was read is compared with the object's; a
 * difference, or fewer bytes than the object has, is an {@link IntegrityException}. Whoever opened
 * it closes it; closing cancels ranges in flight. Not thread-safe.
 */
final class GcsReadChannel implements ReadableByteChannel {

  private static final Logger LOG = LoggerFactory.getLogger(GcsReadChannel.class);

  private final GcsSink sink;
  private final String key;
  private final BlobId id;
  private final long size;
  private final String expectedCrc;
  private final CRC32C crc = new CRC32C();
  private final ReadChannel sequential;
  private final ReadAhead ranges;
  private ByteBuffer current;
  private long position;
  private boolean finished;
  private boolean closed;

  private GcsReadChannel(GcsSink sink, String key, Blob blob) {
    this.sink = sink;
    this.key = key;
    this.id = BlobId.of(blob.getBucket(), blob.getName(), blob.getGeneration());
    this.size = blob.getSize() == null ? -1 : blob.getSize();
    this.expectedCrc = sink.options().verifyCrc32c() ? blob.getCrc32c() : null;
    GcsOptions options = sink.options();
    boolean parallel = size > 2L * options.rangeSize() && options.parallelism() > 1;
    if (parallel) {
      this.sequential = null;
      this.ranges =
          new ReadAhead(
              0,
              size,
              options.rangeSize(),
              options.parallelism(),
              (from, length, reusable) ->
                  sink.executor().submit(() -> readRange(from, length, reusable)));
    } else {
      this.ranges = null;
      this.sequential = sink.client().reader(id);
      sequential.setChunkSize(0); // no buffer of its own: reads land in the caller's buffer
    }
    if (expectedCrc == null && options.verifyCrc32c()) {
      LOG.debug(
          "gcs: gs://{}/{} reports no CRC32C (the backend computes none, as test fakes); the download is"
              + " not checked against one",
          id.getBucket(),
          id.getName());
    }
  }

  /** Opens a reader of the generation {@code blob} describes. */
  static ReadableByteChannel open(GcsSink sink, String key, Blob blob) throws IOException {
    try {
      return new GcsReadChannel(sink, key, blob);
    } catch (RuntimeException e) {
      throw sink.translate(e, "open for reading", "storage.objects.get", key, blob.getName());
    }
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    if (finished) {
      return -1;
    }
    if (!dst.hasRemaining()) {
      return 0;
    }
    int n = sequential != null ? readSequential(dst) : readRanges(dst);
    if (n < 0) {
      finish();
    }
    return n;
  }

  private int readSequential(ByteBuffer dst) throws IOException {
    int start = dst.position();
    int n;
    try {
      n = sequential.read(dst);
    } catch (IOException | RuntimeException e) {
      throw translateRead(e);
    }
    if (n > 0) {
      // The CRC32C reads the bytes just placed in the caller's buffer, without copying them.
      crc.update(dst.duplicate().position(start).limit(start + n));
      position += n;
    }
    return n;
  }

  // ByteBufferBackingArray: current always wraps a whole array (ByteBuffer.wrap below), so its
  // array is exactly the range handed back.
  @SuppressWarnings("ByteBufferBackingArray")
  private int readRanges(ByteBuffer dst) throws IOException {
    while (current == null || !current.hasRemaining()) {
      if (!ranges.hasNext()) {
        return -1;
      }
      if (current != null) {
        ranges.recycle(current.array()); // every byte of it was read
      }
      try {
        current = ByteBuffer.wrap(ranges.next()); // handed over, not copied
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("gcs: reading '" + key + "' was interrupted");
      } catch (ExecutionException e) {
        throw translateRead(e.getCause());
      }
    }
    int n = Math.min(dst.remaining(), current.remaining());
    ByteBuffer slice = current.slice().limit(n);
    crc.update(slice.duplicate());
    dst.put(slice);
    current.position(current.position() + n);
    position += n;
    return n;
  }

  private byte[] readRange(long from, int length, byte[] reusable) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(reusable != null ? reusable : new byte[length]);
    try (ReadChannel reader = sink.client().reader(id)) {
      reader.setChunkSize(0); // one request for the whole range: it is the buffer already
      reader.seek(from);
      reader.limit(from + length);
      while (buffer.hasRemaining()) {
        if (reader.read(buffer) < 0) {
          break;
        }
      }
    }
    if (buffer.hasRemaining()) {
      throw new IntegrityException(
          "gcs: '"
              + key
              + "' in bucket '"
              + id.getBucket()
              + "' ended at "
              + (from + buffer.position())
              + " bytes, inside the range from "
              + from
              + " of an object of "
              + size
              + " bytes; read it again, and check the object if it persists");
    }
    return buffer.array();
  }

  private void finish() throws IOException {
    finished = true;
    if (size >= 0 && position != size) {
      throw new IntegrityException(
          "gcs: '"
              + key
              + "' in bucket '"
              + id.getBucket()
              + "' has "
              + size
              + " bytes but the download ended after "
              + position
              + "; read it again, and check the network if it"
              + " persists");
    }
    if (expectedCrc != null) {
      String actual = base64(crc.getValue());
      if (!actual.equals(expectedCrc)) {
        throw new IntegrityException(
            "gcs: the bytes read of '"
                + key
                + "' in bucket '"
                + id.getBucket()
                + "' have CRC32C "
                + actual
                + " but the object's is "
                + expectedCrc
                + "; the download was damaged:"
                + " read it again, and check the network or proxy if it persists",
            null,
            expectedCrc,
            actual);
      }
    }
  }

  private IOException translateRead(Throwable e) {
    com.google.cloud.BaseServiceException service =
        GcsErrors.cause(e, com.google.cloud.BaseServiceException.class);
    if (service != null && (service.getCode() == 404 || service.getCode() == 412)) {
      return new io.biowerk.dr.core.StorageException(
          "gcs: '"
              + key
              + "' in bucket '"
              + id.getBucket()
              + "' was replaced or deleted while it was read (generation "
              + id.getGeneration()
              + " is gone); read it"
              + " again",
          "gs://" + id.getBucket() + "/" + id.getName(),
          io.biowerk.dr.core.StorageException.Reason.OTHER,
          e);
    }
    if (e instanceof IntegrityException integrity) {
      return integrity;
    }
    return sink.translate(e, "read", "storage.objects.get", key, id.getName());
  }

  @Override
  public boolean isOpen() {
    return !closed;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (ranges != null) {
      ranges.cancel();
    }
    current = null;
    if (sequential != null) {
      sequential.close();
    }
  }

  /** A CRC32C as Cloud Storage writes it: the four bytes, big-endian, in base64. */
  static String base64(long crc32c) {
    byte[] bytes = {
      (byte) (crc32c >>> 24), (byte) (crc32c >>> 16), (byte) (crc32c >>> 8), (byte) crc32c
    };
    return Base64.getEncoder().encodeToString(bytes);
  }
}
