package io.biowerk.dr.storage.s3;

import io.biowerk.dr.core.cloud.PartedUpload;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * One streaming write to an {@link S3Sink}: a single PutObject if everything fits in one part at
 * commit, a multipart upload otherwise. The buffering, part sizes and parallelism are core's {@link
 * PartedUpload}, shared with Azure; this class supplies S3's requests. Not thread-safe.
 */
final class S3Write extends PartedUpload<CompletedPart> {

  /**
   * Parts keep one size for this many part numbers, then double: 10,000 parts then cover several
   * TiB.
   */
  static final int PARTS_PER_SIZE = 1000;

  private final S3Sink sink;
  private final S3Options options;
  private final String key;
  private final String objectKey;

  private String uploadId;

  S3Write(S3Sink sink, String key, String objectKey) {
    super(sizing(sink.options()), sink.executor());
    this.sink = sink;
    this.options = sink.options();
    this.key = key;
    this.objectKey = objectKey;
  }

  private static Sizing sizing(S3Options options) {
    return new Sizing(
        options.partSize(),
        PARTS_PER_SIZE,
        S3Options.MAX_PART_SIZE,
        S3Options.MAX_PARTS,
        options.parallelism());
  }

  /**
   * The size of part {@code number} (1-based): the configured size, doubled every 1,000 parts, at
   * most 1 GiB.
   */
  static int partSize(int base, int number) {
    return new Sizing(base, PARTS_PER_SIZE, S3Options.MAX_PART_SIZE, S3Options.MAX_PARTS, 1)
        .partSize(number);
  }

  /** The permits (of {@code parallelism}) a part of {@code partSize} takes. */
  static int permits(int base, int partSize, int parallelism) {
    return new Sizing(
            base, PARTS_PER_SIZE, S3Options.MAX_PART_SIZE, S3Options.MAX_PARTS, parallelism)
        .permits(partSize);
  }

  @Override
  protected void beforeFirstPart() throws IOException {
    try {
      uploadId = sink.s3().createMultipartUpload(sink.createMultipartRequest(objectKey)).uploadId();
    } catch (SdkException e) {
      throw sink.translate(e, "CreateMultipartUpload", key, objectKey);
    }
  }

  @Override
  protected CompletedPart uploadPart(int number, byte[] data, int length) {
    UploadPartRequest.Builder request =
        UploadPartRequest.builder()
            .bucket(options.bucket())
            .key(objectKey)
            .uploadId(uploadId)
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
  protected void putWhole(byte[] data, int length) throws IOException {
    try {
      sink.s3().putObject(sink.putRequest(objectKey, data, length).build(), body(data, length));
    } catch (SdkException e) {
      throw sink.translate(e, "PutObject", key, objectKey);
    }
  }

  @Override
  protected void complete(List<CompletedPart> completed, long size) throws IOException {
    try {
      sink.s3()
          .completeMultipartUpload(
              CompleteMultipartUploadRequest.builder()
                  .bucket(options.bucket())
                  .key(objectKey)
                  .uploadId(uploadId)
                  .multipartUpload(m -> m.parts(completed))
                  .build());
    } catch (SdkException e) {
      throw sink.translate(e, "CompleteMultipartUpload", key, objectKey);
    }
  }

  /** Aborts the multipart upload so no part survives (parts in flight have finished by now). */
  @Override
  protected void abandon() {
    if (uploadId != null) {
      sink.abortUpload(objectKey, uploadId);
    }
  }

  @Override
  protected IOException partFailed(Throwable cause) {
    if (cause instanceof SdkException sdk) {
      return sink.translate(sdk, "UploadPart", key, objectKey);
    }
    return new IOException(
        "s3: a part of '" + key + "' failed (" + cause + "); nothing was written", cause);
  }

  @Override
  protected InterruptedIOException interrupted() {
    return new InterruptedIOException(
        "s3: upload of '" + key + "' was interrupted; nothing was written");
  }

  @Override
  protected IOException tooManyParts(long bytesSoFar) {
    return new IOException(
        "s3: '"
            + key
            + "' exceeds S3's 10,000 parts ("
            + bytesSoFar
            + " bytes so far); raise part-size; nothing was written");
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
        + (uploadId == null ? "" : " (multipart, " + partCount() + " parts)");
  }
}
