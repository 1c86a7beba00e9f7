package io.biowerk.dr.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.biowerk.dr.core.PendingWrite;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.StorageClass;

/**
 * The sink against a real AWS bucket, for what S3Proxy cannot do: SSE-S3 and SSE-KMS, part
 * checksums echoed and combined by S3, object lock. Tagged {@code live}; runs only with AWS
 * credentials (the SDK's default chain) and {@code BIOWERK_DR_S3_LIVE_BUCKET} (an existing bucket;
 * objects go under a random prefix and are deleted). {@code BIOWERK_DR_S3_LIVE_KMS_KEY} adds the
 * SSE-KMS case, {@code BIOWERK_DR_S3_LIVE_LOCK_BUCKET} (a bucket with object lock) the
 * governance-lock case. Run: {@code mvn test -pl biowerk-dr-storage-s3 -Dgroups=live
 * -Dtest.excludedGroups= -Dtest=S3*LiveTest}.
 */
@Tag("live")
class S3SinkLiveTest {

  static String liveBucket() {
    String bucket = System.getenv("BIOWERK_DR_S3_LIVE_BUCKET");
    assumeThat(bucket)
        .as("BIOWERK_DR_S3_LIVE_BUCKET is not set: no real bucket to test against")
        .isNotBlank();
    try (DefaultCredentialsProvider credentials = DefaultCredentialsProvider.builder().build()) {
      credentials.resolveCredentials();
    } catch (SdkException e) {
      assumeThat(false)
          .as(
              "no AWS credentials in the default chain (AWS_ACCESS_KEY_ID, AWS_PROFILE, role): "
                  + e.getClass().getSimpleName())
          .isTrue();
    }
    return bucket;
  }

  private String prefix;
  private S3Sink sink;

  @BeforeEach
  void open() throws IOException {
    prefix = "biowerk-live-test/" + UUID.randomUUID();
    sink =
        S3Sink.open(
            S3Options.builder(liveBucket())
                .prefix(prefix)
                .sse(ServerSideEncryption.AES256)
                .partSize(S3Options.MIN_PART_SIZE)
                .build());
  }

  @AfterEach
  void cleanUp() throws IOException {
    if (sink != null) {
      sink.deleteAll(sink.list("").stream().map(o -> o.key()).toList());
      sink.close();
    }
  }

  @Test
  void multipartWithSseS3StandardIaAndCrc32c() throws IOException {
    TestData.Digest written;
    try (PendingWrite out = sink.openWrite("daily/multi")) {
      written =
          new TestData.Digest(
              TestData.write(out, 3L * S3Options.MIN_PART_SIZE + 7, 1, 1 << 20),
              3L * S3Options.MIN_PART_SIZE + 7);
      out.commit();
    }
    HeadObjectResponse head =
        sink.client()
            .headObject(
                r ->
                    r.bucket(sink.options().bucket())
                        .key(sink.objectKey("daily/multi"))
                        .checksumMode(ChecksumMode.ENABLED));
    assertThat(head.storageClass()).isEqualTo(StorageClass.STANDARD_IA);
    assertThat(head.serverSideEncryption()).isEqualTo(ServerSideEncryption.AES256);
    assertThat(head.checksumCRC32C()).as("composite CRC32C of the parts").endsWith("-4");
    try (ReadableByteChannel in = sink.openRead("daily/multi")) {
      assertThat(TestData.read(in, 1 << 16)).isEqualTo(written);
    }
    assertThat(
            sink.client()
                .listMultipartUploads(r -> r.bucket(sink.options().bucket()).prefix(prefix))
                .uploads())
        .isEmpty();
    sink.copy("daily/multi", "weekly/multi");
    assertThat(sink.head("weekly/multi").contentLength()).isEqualTo(written.size());
  }

  @Test
  void sseKms() throws IOException {
    String key = System.getenv("BIOWERK_DR_S3_LIVE_KMS_KEY");
    assumeThat(key)
        .as("BIOWERK_DR_S3_LIVE_KMS_KEY is not set: no KMS key to test SSE-KMS with")
        .isNotBlank();
    try (S3Sink kms =
        S3Sink.open(
            S3Options.builder(sink.options().bucket())
                .prefix(prefix)
                .sse(ServerSideEncryption.AWS_KMS)
                .kmsKeyId(key)
                .build())) {
      kms.put("kms/object", new byte[] {1, 2, 3});
      HeadObjectResponse head = kms.head("kms/object");
      assertThat(head.serverSideEncryption()).isEqualTo(ServerSideEncryption.AWS_KMS);
      assertThat(head.ssekmsKeyId()).contains(key.replace("alias/", ""));
      assertThat(kms.get("kms/object")).containsExactly(1, 2, 3);
    }
  }

  @Test
  void governanceLock() throws IOException {
    String bucket = System.getenv("BIOWERK_DR_S3_LIVE_LOCK_BUCKET");
    assumeThat(bucket)
        .as("BIOWERK_DR_S3_LIVE_LOCK_BUCKET is not set: no object-lock bucket")
        .isNotBlank();
    try (S3Sink locked =
        S3Sink.open(
            S3Options.builder(bucket)
                .prefix(prefix)
                .objectLockMode(ObjectLockMode.GOVERNANCE)
                .objectLockPeriod(Duration.ofDays(1))
                .build())) {
      locked.put("locked/object", new byte[] {1});
      HeadObjectResponse head = locked.head("locked/object");
      assertThat(head.objectLockMode()).isEqualTo(ObjectLockMode.GOVERNANCE);
      assertThat(head.objectLockRetainUntilDate())
          .isAfter(java.time.Instant.now().plus(Duration.ofHours(23)));
    }
  }
}
