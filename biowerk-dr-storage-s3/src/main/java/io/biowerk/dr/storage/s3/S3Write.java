package io.biowerk.dr.storage.s3;

import io.biowerk.dr.core.AbstractPendingWrite;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * One streaming write to an {@link S3Sink}: a single PutObject if everything fits in one part at
 * commit, a multipart upload otherwise. Not thread-safe (one thread writes and commits); part
 * uploads run on the sink's executor, at most {@code parallelism} at once, fewer once parts have
 * grown (see {@link #permits}).
 */
final class S3Write extends AbstractPendingWrite {

  /** The first buffer is small so that manifests and side files do not allocate a whole part. */
  private static final int FIRST_BUFFER = 256 << 10;

  /**
   * Parts keep one size for this many part numbers, then double: 10,000 parts then cover several
   * TiB.
   */
  static final int PARTS_PER_SIZE = 1000;

  private final S3Sink sink;
  private final S3Options options;
  private final String key;
  private final String objectKey;
  private final Semaphore inFlight;
  // Buffers of finished part uploads, reused so that at most parallelism + 1 buffers ever exist per
  // write.
  private final ConcurrentLinkedQueue<byte[]> free = new ConcurrentLinkedQueue<>();
  private final AtomicLong allocated = new AtomicLong();
  private final AtomicLong peakAllocated = new AtomicLong();
  private final List<Future<CompletedPart>> parts = new ArrayList<>();
  private volatile Throwable partFailure;
  private volatile boolean cancelled;

  private byte[] buffer;
  private int filled;
  private String uploadId;

  S3Write(S3Sink sink, String key, String objectKey) {
    this.sink = sink;
    this.options = sink.options();
    this.key = key;
    this.objectKey = objectKey;
    this.inFlight = new Semaphore(options.parallelism());
    this.buffer = allocate(Math.min(FIRST_BUFFER, options.partSize()));
  }

  /**
   * The size of part {@code number} (1-based): the configured size, doubled every 1,000 parts, at
   * most 1 GiB.
   */
  static int partSize(int base, int number) {
    int doublings = Math.min(30, (number - 1) / PARTS_PER_SIZE);
    return (int) Math.min(S3Options.MAX_PART_SIZE, (long) base << doublings);
  }

  /**
   * The permits (of {@code parallelism}) a part of {@code partSize} takes: one per base part size
   * it spans, so that once parts have grown, fewer of them are in flight and the bytes in flight
   * stay within parallelism x base part size, or one part once a part alone is larger.
   */
  static int permits(int base, int partSize, int parallelism) {
    return Math.min(parallelism, Math.max(1, partSize / base));
  }

  @Override
  protected int writeOpen(ByteBuffer src) throws IOException {
    rethrowPartFailure();
    int written = src.remaining();
    while (src.hasRemaining()) {
      if (filled == buffer.length) {
        int wanted = partSize(options.partSize(), parts.size() + 1);
        if (buffer.length < wanted) {
          buffer = grow(buffer, Math.min(wanted, buffer.length * 2));
        } else {
          // Ship only when a byte beyond the full buffer arrives, so an object of exactly one part
          // is one PUT.
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
    int weight =
        permits(options.partSize(), partSize(options.partSize(), number), options.parallelism());
    if (number > S3Options.MAX_PARTS) {
      abort();
      throw new IOException(
          "s3: '"
              + key
              + "' exceeds S3's 10,000 parts ("
              + totalShipped()
              + " bytes so far);"
              + " raise part-size; nothing was written");
    }
    try {
      if (uploadId == null) {
        uploadId =
            sink.s3().createMultipartUpload(sink.createMultipartRequest(objectKey)).uploadId();
      }
      inFlight.acquire(weight);
    } catch (SdkException e) {
      abort();
      throw sink.translate(e, "CreateMultipartUpload", key, objectKey);
    } catch (InterruptedException e) {
      abort();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(
          "s3: upload of '" + key + "' was interrupted; nothing was written");
    }
    byte[] data =
        buffer; // ownership passes to the part upload, which returns it to the pool when done
    int length = filled;
    String upload = uploadId;
    try {
      parts.add(
          sink.executor()
              .submit(
                  () -> {
                    try {
                      if (cancelled) {
                        throw new InterruptedIOException("cancelled");
                      }
                      return uploadPart(upload, number, data, length);
                    } catch (Exception | Error e) {
                      if (partFailure == null) {
                        partFailure = e;
                      }
                      throw e;
                    } finally {
                      free.add(
                          data); // before the permit: whoever gets the permit finds this buffer to
                      // reuse
                      inFlight.release(weight);
                    }
                  }));
    } catch (RejectedExecutionException e) {
      inFlight.release(weight);
      abort();
      throw new IllegalStateException("closed", e);
    }
    buffer = takeBuffer(partSize(options.partSize(), number + 1));
    filled = 0;
    rethrowPartFailure();
  }

  private CompletedPart uploadPart(String upload, int number, byte[] data, int length) {
    UploadPartRequest.Builder request =
        UploadPartRequest.builder()
            .bucket(options.bucket())
            .key(objectKey)
            .uploadId(upload)
            .partNumber(number)
            .contentLength((long) length);
    if (options.checksum().algorithm() != null) {
      request.checksumAlgorithm(options.checksum().algorithm());
    } else {
      request.contentMD5(md5(data, length));
    }
    UploadPartResponse response = sink.s3().uploadPart(request.build(), body(data, length));
    return CompletedPart.builder()
        .partNumber(number)
        .eTag(response.eTag())
        .checksumCRC32C(response.checksumCRC32C())
        .checksumCRC32(response.checksumCRC32())
        .checksumSHA256(response.checksumSHA256())
        .checksumSHA1(response.checksumSHA1())
        .build();
  }

  /** A body over the buffer without copying it; each retry reads it afresh. */
  private static RequestBody body(byte[] data, int length) {
    return RequestBody.fromContentProvider(
        () -> new ByteArrayInputStream(data, 0, length), length, "application/octet-stream");
  }

  @Override
  protected void publish() throws IOException {
    // On any failure here, discard() waits for parts in flight and aborts the multipart upload.
    if (uploadId == null) {
      try {
        sink.s3()
            .putObject(sink.putRequest(objectKey, buffer, filled).build(), body(buffer, filled));
      } catch (SdkException e) {
        throw sink.translate(e, "PutObject", key, objectKey);
      } finally {
        release();
      }
      return;
    }
    if (filled > 0) {
      shipPart();
    }
    List<CompletedPart> completed = new ArrayList<>(parts.size());
    try {
      for (Future<CompletedPart> part : parts) {
        completed.add(part.get());
      }
      sink.s3()
          .completeMultipartUpload(
              CompleteMultipartUploadRequest.builder()
                  .bucket(options.bucket())
                  .key(objectKey)
                  .uploadId(uploadId)
                  .multipartUpload(m -> m.parts(completed))
                  .build());
    } catch (ExecutionException e) {
      throw partException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(
          "s3: upload of '" + key + "' was interrupted; nothing was written");
    } catch (SdkException e) {
      throw sink.translate(e, "CompleteMultipartUpload", key, objectKey);
    } finally {
      release();
    }
  }

  /**
   * Stops the write: waits for part uploads in flight, then aborts the multipart upload so no part
   * survives.
   */
  @Override
  protected void discard() {
    cancelled = true;
    // Parts still in flight could land after an abort and linger (S3's documented race), so wait
    // for them.
    for (Future<CompletedPart> part : parts) {
      try {
        part.get();
      } catch (ExecutionException e) {
        // already reported, or reported by the caller
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (uploadId != null) {
      sink.abortUpload(objectKey, uploadId);
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
    if (cause instanceof SdkException sdk) {
      return sink.translate(sdk, "UploadPart", key, objectKey);
    }
    if (cause instanceof IOException io) {
      return io;
    }
    return new IOException(
        "s3: a part of '" + key + "' failed (" + cause + "); nothing was written", cause);
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

  private long totalShipped() {
    long total = 0;
    for (int i = 1; i <= parts.size(); i++) {
      total += partSize(options.partSize(), i);
    }
    return total;
  }

  /** The most bytes of part buffers this write held at once; for tests and benchmarks. */
  long peakBufferBytes() {
    return peakAllocated.get();
  }

  /** The multipart upload id, if the write became one. */
  String uploadId() {
    return uploadId;
  }

  static String md5(byte[] data, int length) {
    try {
      MessageDigest md5 = MessageDigest.getInstance("MD5");
      md5.update(data, 0, length);
      return Base64.getEncoder().encodeToString(md5.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no MD5", e);
    }
  }

  @Override
  public String toString() {
    return "s3 write of "
        + objectKey
        + (uploadId == null ? "" : " (multipart, " + parts.size() + " parts)");
  }
}
