package io.biowerk.dr.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.SinkCapability;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.StorageClass;

/**
 * What the sink puts on the wire for SSE-KMS, SSE-S3, storage class and object lock: S3Proxy
 * implements neither SSE nor object lock (it answers 501), so these tests stop each write request
 * just before it is sent and check the signed HTTP request the SDK built, the same request AWS S3
 * would receive. {@code S3SinkLiveTest} sends them to a real bucket when credentials are there.
 */
@ExtendWith(S3ProxyExtension.class)
class S3RequestHeadersIT {

  private final S3ProxyServer server;
  private final List<SdkHttpRequest> stopped = new CopyOnWriteArrayList<>();

  S3RequestHeadersIT(S3ProxyServer server) {
    this.server = server;
  }

  /**
   * Lets reads and listings through; records and stops every PUT/POST (object writes, multipart
   * calls).
   */
  private final ExecutionInterceptor stopWrites =
      new ExecutionInterceptor() {
        @Override
        public void beforeTransmission(
            Context.BeforeTransmission context, ExecutionAttributes attributes) {
          SdkHttpRequest request = context.httpRequest();
          if (request.method() == SdkHttpMethod.PUT || request.method() == SdkHttpMethod.POST) {
            stopped.add(request);
            throw SdkClientException.create("stopped by test before sending");
          }
        }
      };

  private S3Sink open(S3Options options) throws IOException {
    return S3Sink.open(
        options, b -> b.overrideConfiguration(o -> o.addExecutionInterceptor(stopWrites)));
  }

  private static String header(SdkHttpRequest request, String name) {
    return request.firstMatchingHeader(name).orElse(null);
  }

  @Test
  void sseKmsWithKeyStorageClassAndObjectLockOnSinglePut() throws IOException {
    String bucket = server.newBucket("headers");
    Instant before = Instant.now();
    try (S3Sink sink =
        open(
            server
                .options(bucket)
                .prefix("p")
                .sse(ServerSideEncryption.AWS_KMS)
                .kmsKeyId(
                    "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
                .storageClass(StorageClass.STANDARD_IA)
                .objectLockMode(ObjectLockMode.COMPLIANCE)
                .objectLockPeriod(Duration.ofDays(30))
                .build())) {
      assertThat(sink.capabilities()).contains(SinkCapability.IMMUTABILITY);
      assertThatThrownBy(() -> sink.put("postgres/daily/x.dump", new byte[] {1, 2, 3}))
          .hasMessageContaining("stopped by test before sending");
    }
    SdkHttpRequest put = stopped.get(0);
    assertThat(put.method()).isEqualTo(SdkHttpMethod.PUT);
    assertThat(put.encodedPath()).isEqualTo("/" + bucket + "/p/postgres/daily/x.dump");
    assertThat(header(put, "x-amz-server-side-encryption")).isEqualTo("aws:kms");
    assertThat(header(put, "x-amz-server-side-encryption-aws-kms-key-id"))
        .isEqualTo("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    assertThat(header(put, "x-amz-storage-class")).isEqualTo("STANDARD_IA");
    assertThat(header(put, "x-amz-object-lock-mode")).isEqualTo("COMPLIANCE");
    Instant until = Instant.parse(header(put, "x-amz-object-lock-retain-until-date"));
    assertThat(until)
        .isBetween(
            before.plus(Duration.ofDays(30)).minusSeconds(1),
            Instant.now().plus(Duration.ofDays(30)).plusSeconds(1));
    // S3 demands an integrity checksum on object-lock writes: the flexible CRC32C one satisfies it
    assertThat(
            header(put, "x-amz-checksum-crc32c") != null
                || "x-amz-checksum-crc32c".equals(header(put, "x-amz-trailer")))
        .isTrue();
  }

  @Test
  void sseS3AndGovernanceLockOnMultipartUpload() throws IOException {
    String bucket = server.newBucket("headers");
    try (S3Sink sink =
        open(
            server
                .options(bucket)
                .sse(ServerSideEncryption.AES256)
                .storageClass(StorageClass.GLACIER_IR)
                .objectLockMode(ObjectLockMode.GOVERNANCE)
                .objectLockPeriod(Duration.ofDays(7))
                .build())) {
      PendingWrite write = sink.openWrite("big");
      assertThatThrownBy(() -> TestData.write(write, S3Options.MIN_PART_SIZE * 3L, 1, 1 << 20))
          .hasMessageContaining("stopped by test before sending");
      write.close();
    }
    SdkHttpRequest create = stopped.get(0);
    assertThat(create.method()).isEqualTo(SdkHttpMethod.POST);
    assertThat(create.rawQueryParameters()).containsKey("uploads");
    assertThat(header(create, "x-amz-server-side-encryption")).isEqualTo("AES256");
    assertThat(header(create, "x-amz-server-side-encryption-aws-kms-key-id")).isNull();
    assertThat(header(create, "x-amz-storage-class")).isEqualTo("GLACIER_IR");
    assertThat(header(create, "x-amz-object-lock-mode")).isEqualTo("GOVERNANCE");
    assertThat(header(create, "x-amz-checksum-algorithm")).isEqualTo("CRC32C");
  }

  @Test
  void copyCarriesTheTargetSettings() throws IOException {
    String bucket = server.newBucket("headers");
    server
        .admin()
        .putObject(
            r -> r.bucket(bucket).key("daily/x"),
            software.amazon.awssdk.core.sync.RequestBody.fromString("x"));
    try (S3Sink sink =
        open(
            server
                .options(bucket)
                .storageClass(StorageClass.DEEP_ARCHIVE)
                .sse(ServerSideEncryption.AWS_KMS)
                .build())) {
      assertThatThrownBy(() -> sink.copy("daily/x", "monthly/x"))
          .hasMessageContaining("stopped by test");
    }
    SdkHttpRequest copy = stopped.get(0);
    assertThat(header(copy, "x-amz-copy-source")).isEqualTo(bucket + "/daily/x");
    assertThat(header(copy, "x-amz-copy-source-if-match")).isNotBlank();
    assertThat(header(copy, "x-amz-storage-class")).isEqualTo("DEEP_ARCHIVE");
    assertThat(header(copy, "x-amz-server-side-encryption")).isEqualTo("aws:kms");
    assertThat(header(copy, "x-amz-metadata-directive")).isEqualTo("COPY");
  }
}
