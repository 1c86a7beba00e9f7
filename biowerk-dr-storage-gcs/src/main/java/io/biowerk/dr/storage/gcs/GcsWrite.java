package io.biowerk.dr.storage.gcs;

import com.google.api.client.http.GenericUrl;
import com.google.api.client.http.HttpRequest;
import com.google.api.client.http.HttpResponse;
import com.google.api.core.ApiFuture;
import com.google.cloud.WriteChannel;
import com.google.cloud.http.HttpTransportOptions;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import io.biowerk.dr.core.AbstractPendingWrite;
import io.biowerk.dr.core.IntegrityException;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One object being written to a {@link GcsSink}. Bytes collect in a buffer of at most one chunk
 * ({@link GcsOptions#chunkSize()}); an object that fits goes up on {@link #commit()} in one request
 * (a direct upload, which the client sends with its CRC32C and MD5). A larger one becomes a
 * resumable upload session when the buffer is full: the buffer is handed to the client's {@link
 * WriteChannel} and dropped, and from then on bytes stream through that channel a chunk at a time;
 * {@code commit()} sends the final request, which alone makes the object visible. Either way the
 * CRC32C of what was written is then compared with the one Cloud Storage reports. Memory: one chunk
 * (two for a moment while the buffer is handed over). Not thread-safe, like every {@link
 * io.biowerk.dr.core.PendingWrite}.
 */
final class GcsWrite extends AbstractPendingWrite {

  private static final Logger LOG = LoggerFactory.getLogger(GcsWrite.class);
  private static final int FIRST_BUFFER = 64 << 10;

  private final GcsSink sink;
  private final String key;
  private final String name;
  private final CRC32C crc = new CRC32C();
  private ByteBuffer buffer;
  private WriteChannel channel;
  private long written;

  GcsWrite(GcsSink sink, String key, String name) {
    this.sink = sink;
    this.key = key;
    this.name = name;
  }

  @Override
  protected int writeOpen(ByteBuffer src) throws IOException {
    int n = src.remaining();
    // The CRC32C reads a view of the caller's buffer; the bytes are then copied into the chunk
    // buffer or channel.
    crc.update(src.duplicate());
    if (channel == null) {
      int chunk = sink.options().chunkSize();
      if (buffer == null) {
        buffer = ByteBuffer.allocate(Math.min(chunk, Math.max(FIRST_BUFFER, n)));
      }
      if (buffer.remaining() < n && buffer.capacity() < chunk) {
        // Grow by doubling up to one chunk, so a small manifest does not cost a whole chunk of
        // heap.
        int capacity = buffer.capacity();
        while (capacity - buffer.position() < n && capacity < chunk) {
          capacity = Math.min(chunk, capacity * 2);
        }
        ByteBuffer larger = ByteBuffer.allocate(capacity);
        larger.put(buffer.flip());
        buffer = larger;
      }
      if (buffer.remaining() >= n) {
        buffer.put(src);
        written += n;
        return n;
      }
      startSession();
    }
    try {
      while (src.hasRemaining()) {
        channel.write(src);
      }
    } catch (IOException | RuntimeException e) {
      throw sink.translate(e, "upload chunk", "storage.objects.create", key, name);
    }
    written += n;
    return n;
  }

  /** Opens the resumable session and hands it what the buffer holds; the buffer is dropped. */
  private void startSession() throws IOException {
    BlobInfo info = sink.blobInfo(key, name);
    try {
      channel = sink.client().writer(info, Storage.BlobWriteOption.disableGzipContent());
    } catch (RuntimeException e) {
      throw sink.translate(e, "start resumable upload", "storage.objects.create", key, name);
    }
    channel.setChunkSize(sink.options().chunkSize());
    ByteBuffer pending = buffer.flip();
    buffer = null; // handed over: the channel sends it or copies it into its own chunk buffer
    try {
      while (pending.hasRemaining()) {
        channel.write(pending);
      }
    } catch (IOException | RuntimeException e) {
      throw sink.translate(e, "upload chunk", "storage.objects.create", key, name);
    }
  }

  @Override
  protected void publish() throws IOException {
    BlobInfo result;
    if (channel == null) {
      byte[] bytes =
          buffer == null
              ? new byte[0]
              : buffer.position() == buffer.capacity()
                  ? buffer.array()
                  : java.util.Arrays.copyOf(buffer.array(), buffer.position());
      buffer = null;
      try {
        result =
            sink.client()
                .create(
                    sink.blobInfo(key, name), bytes, Storage.BlobTargetOption.disableGzipContent());
      } catch (RuntimeException e) {
        throw sink.translate(e, "upload", "storage.objects.create", key, name);
      }
    } else {
      try {
        channel.close(); // the final request: the object becomes visible now
      } catch (IOException | RuntimeException e) {
        throw sink.translate(e, "finish resumable upload", "storage.objects.create", key, name);
      }
      result = result();
    }
    if (result == null || !sink.options().verifyCrc32c()) {
      return;
    }
    String expected = GcsReadChannel.base64(crc.getValue());
    if (result.getCrc32c() == null) {
      LOG.debug(
          "gcs: no CRC32C reported for gs://{}/{}; not checked (the backend computes none, as test fakes)",
          sink.options().bucket(),
          name);
      return;
    }
    if (!expected.equals(result.getCrc32c())) {
      try {
        sink.client().delete(BlobId.of(sink.options().bucket(), name, result.getGeneration()));
      } catch (RuntimeException e) {
        LOG.warn(
            "gcs: cannot delete the damaged upload gs://{}/{} (generation {}): {}",
            sink.options().bucket(),
            name,
            result.getGeneration(),
            e.toString());
      }
      throw new IntegrityException(
          "gcs: Cloud Storage stored '"
              + key
              + "' in bucket '"
              + sink.options().bucket()
              + "' with CRC32C "
              + result.getCrc32c()
              + " but "
              + written
              + " bytes with CRC32C "
              + expected
              + " were sent; the object was deleted again. The data was damaged in transit: run the backup again",
          null,
          expected,
          result.getCrc32c());
    }
  }

  /** The object the final request created, as the service answered it; else as read back. */
  private BlobInfo result() throws IOException {
    Optional<BlobInfo> answered = Internals.resultOf(channel);
    if (answered.isPresent()) {
      return answered.get();
    }
    try {
      return sink.client().get(BlobId.of(sink.options().bucket(), name));
    } catch (RuntimeException e) {
      throw sink.translate(e, "get metadata", "storage.objects.get", key, name);
    }
  }

  @Override
  protected void discard() {
    buffer = null;
    if (channel == null) {
      return; // nothing was sent
    }
    // Closing the channel would finish the upload; instead the session is cancelled and the channel
    // dropped.
    Optional<String> session = Internals.sessionUri(channel);
    if (session.isEmpty()) {
      LOG.debug(
          "gcs: no resumable session to cancel for gs://{}/{}; an unfinished session expires after a week,"
              + " invisible",
          sink.options().bucket(),
          name);
      return;
    }
    try {
      HttpTransportOptions transport =
          (HttpTransportOptions) sink.client().getOptions().getTransportOptions();
      HttpRequest request =
          transport
              .getHttpTransportFactory()
              .create()
              .createRequestFactory(transport.getHttpRequestInitializer(sink.client().getOptions()))
              .buildDeleteRequest(new GenericUrl(session.get()));
      request.setThrowExceptionOnExecuteError(false);
      request.setNumberOfRetries(0);
      HttpResponse response = request.execute();
      try {
        // 499 is the JSON API's answer to a cancelled upload; 404/410 mean the session was already
        // gone.
        LOG.debug(
            "gcs: cancelled the upload of gs://{}/{} (HTTP {})",
            sink.options().bucket(),
            name,
            response.getStatusCode());
      } finally {
        response.disconnect();
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "gcs: cannot cancel the upload session of gs://{}/{} ({}); nothing was made visible, and the session"
              + " expires on its own within a week",
          sink.options().bucket(),
          name,
          e.toString());
    }
  }

  /**
   * Reads two things the client's resumable write channel knows but does not publish: the session
   * URI (to cancel it) and the object the final request returned (to check its CRC32C without a
   * second request that a concurrent writer could race). Either is empty when the client's
   * internals differ; callers then fall back.
   */
  static final class Internals {
    private Internals() {}

    static Optional<String> sessionUri(WriteChannel channel) {
      try {
        Field start = findField(channel.getClass(), "start");
        if (start == null) {
          return Optional.empty();
        }
        start.setAccessible(true);
        Object write = start.get(channel);
        Method uploadId = write.getClass().getDeclaredMethod("getUploadId");
        uploadId.setAccessible(true);
        return Optional.ofNullable((String) uploadId.invoke(write))
            .filter(s -> s.startsWith("http"));
      } catch (ReflectiveOperationException | RuntimeException e) {
        return Optional.empty();
      }
    }

    static Optional<BlobInfo> resultOf(WriteChannel channel) {
      try {
        Method getObject = findMethod(channel.getClass(), "getObject");
        if (getObject == null) {
          return Optional.empty();
        }
        getObject.setAccessible(true);
        ApiFuture<?> future = (ApiFuture<?>) getObject.invoke(channel);
        if (!future.isDone()) {
          return Optional.empty();
        }
        Object info = future.get(0, TimeUnit.SECONDS);
        return info instanceof BlobInfo blob ? Optional.of(blob) : Optional.empty();
      } catch (ReflectiveOperationException
          | RuntimeException
          | java.util.concurrent.ExecutionException
          | java.util.concurrent.TimeoutException e) {
        return Optional.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }

    private static Field findField(Class<?> type, String name) {
      for (Class<?> c = type; c != null; c = c.getSuperclass()) {
        try {
          return c.getDeclaredField(name);
        } catch (NoSuchFieldException e) {
          // look further up
        }
      }
      return null;
    }

    private static Method findMethod(Class<?> type, String name) {
      for (Class<?> c = type; c != null; c = c.getSuperclass()) {
        try {
          return c.getDeclaredMethod(name);
        } catch (NoSuchMethodException e) {
          // look further up
        }
      }
      return null;
    }
  }
}
