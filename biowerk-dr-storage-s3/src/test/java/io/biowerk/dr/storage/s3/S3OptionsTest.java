package io.biowerk.dr.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.StorageClass;

class S3OptionsTest {

  @Test
  void everyOptionFromTheUri() {
    S3Options o =
        S3Options.fromUri(
            URI.create(
                "s3://biowerk-backups-production/prod/eu/?region=eu-west-1"
                    + "&endpoint=http://127.0.0.1:8081&path-style=true&storage-class=standard_ia&sse=aws:kms"
                    + "&kms-key-id=alias%2Fbackups&part-size=16MiB&parallelism=6&range-size=4M&object-lock-mode=governance"
                    + "&object-lock-days=30&create-bucket=true&max-attempts=5&checksum=sha256"));
    assertThat(o.bucket()).isEqualTo("biowerk-backups-production");
    assertThat(o.prefix()).isEqualTo("prod/eu");
    assertThat(o.region()).contains("eu-west-1");
    assertThat(o.endpoint()).contains(URI.create("http://127.0.0.1:8081"));
    assertThat(o.pathStyle()).isTrue();
    assertThat(o.storageClass()).isEqualTo(StorageClass.STANDARD_IA);
    assertThat(o.sse()).contains(ServerSideEncryption.AWS_KMS);
    assertThat(o.kmsKeyId()).contains("alias/backups");
    assertThat(o.partSize()).isEqualTo(16 << 20);
    assertThat(o.parallelism()).isEqualTo(6);
    assertThat(o.rangeSize()).isEqualTo(4 << 20);
    assertThat(o.objectLockMode()).contains(ObjectLockMode.GOVERNANCE);
    assertThat(o.objectLockPeriod()).contains(Duration.ofDays(30));
    assertThat(o.createBucket()).isTrue();
    assertThat(o.maxAttempts()).isEqualTo(5);
    assertThat(o.checksum()).isEqualTo(S3Checksum.SHA256);
  }

  @Test
  void defaultsFollowThePlan() {
    S3Options o = S3Options.fromUri(URI.create("s3://biowerk-backups-production"));
    assertThat(o.prefix()).isEmpty();
    assertThat(o.storageClass()).isEqualTo(StorageClass.STANDARD_IA);
    assertThat(o.sse()).isEmpty();
    assertThat(o.partSize()).isEqualTo(8 << 20);
    assertThat(o.rangeSize()).isEqualTo(8 << 20);
    assertThat(o.parallelism()).isEqualTo(4);
    assertThat(o.createBucket()).isFalse();
    assertThat(o.pathStyle()).isFalse();
    assertThat(o.region()).isEmpty();
    assertThat(o.endpoint()).isEmpty();
    assertThat(o.checksum()).isEqualTo(S3Checksum.CRC32C);
    assertThat(o.maxAttempts()).isEqualTo(3);
  }

  @Test
  void kmsKeyImpliesSseKms() {
    assertThat(S3Options.fromUri(URI.create("s3://bucket-a?kms-key-id=k1")).sse())
        .contains(ServerSideEncryption.AWS_KMS);
    assertThat(S3Options.fromUri(URI.create("s3://bucket-a?sse=AES256")).sse())
        .contains(ServerSideEncryption.AES256);
  }

  @Test
  void pathStyleDefaultsOnForLoopbackEndpoints() {
    assertThat(
            S3Options.fromUri(URI.create("s3://bucket-a?endpoint=http://127.0.0.1:9000"))
                .pathStyle())
        .isTrue();
    assertThat(
            S3Options.fromUri(URI.create("s3://bucket-a?endpoint=http://localhost:9000"))
                .pathStyle())
        .isTrue();
    assertThat(
            S3Options.fromUri(URI.create("s3://bucket-a?endpoint=https://minio.example.com"))
                .pathStyle())
        .isFalse();
    assertThat(
            S3Options.fromUri(
                    URI.create("s3://bucket-a?endpoint=https://minio.example.com&path-style=true"))
                .pathStyle())
        .isTrue();
  }

  @Test
  void sizes() {
    assertThat(S3Options.parseSize("x", "8MiB")).isEqualTo(8L << 20);
    assertThat(S3Options.parseSize("x", "8m")).isEqualTo(8L << 20);
    assertThat(S3Options.parseSize("x", "512KiB")).isEqualTo(512L << 10);
    assertThat(S3Options.parseSize("x", "1GiB")).isEqualTo(1L << 30);
    assertThat(S3Options.parseSize("x", "5242880")).isEqualTo(5242880L);
    assertThatThrownBy(() -> S3Options.parseSize("part-size", "8 parsecs"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("s3: option part-size (8 parsecs) must be a size such as 8MiB, 512KiB or 1GiB");
  }

  @Test
  void badOptionsAreNamed() {
    assertThatThrownBy(() -> S3Options.fromUri(URI.create("s3://bucket-a?part-size=1MiB")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("s3: part-size (1048576 bytes) must be between 5MiB (S3's minimum) and 1GiB");
    assertThatThrownBy(() -> S3Options.fromUri(URI.create("s3://bucket-a?storage-class=COLD")))
        .hasMessageStartingWith(
            "s3: storage-class (COLD) is not one of [STANDARD, REDUCED_REDUNDANCY, STANDARD_IA,");
    assertThatThrownBy(() -> S3Options.fromUri(URI.create("s3://bucket-a?sse=rot13")))
        .hasMessage("s3: sse (rot13) must be AES256 (SSE-S3), aws:kms (SSE-KMS) or aws:kms:dsse");
    assertThatThrownBy(() -> S3Options.fromUri(URI.create("s3://bucket-a?regoin=eu-west-1")))
        .hasMessageStartingWith(
            "s3: unknown option 'regoin'; known options: checksum, create-bucket,");
    assertThatThrownBy(
            () -> S3Options.fromUri(URI.create("s3://bucket-a?object-lock-mode=GOVERNANCE")))
        .hasMessage(
            "s3: object lock needs both object-lock-mode (GOVERNANCE or COMPLIANCE) and object-lock-days");
    assertThatThrownBy(() -> S3Options.fromUri(URI.create("s3://bucket-a?sse=AES256&kms-key-id=k")))
        .hasMessage("s3: kms-key-id needs sse=aws:kms, not sse=AES256");
    assertThatThrownBy(() -> S3Options.fromUri(URI.create("s3://bucket-a?parallelism=0")))
        .hasMessage("s3: parallelism (0) must be between 1 and 64");
    assertThatThrownBy(() -> S3Options.fromUri(URI.create("s3://bucket-a?path-style=maybe")))
        .hasMessage("s3: option 'path-style' must be true or false, not 'maybe'");
    assertThatThrownBy(() -> S3Options.fromUri(URI.create("s3://bucket-a?region=a&region=b")))
        .hasMessage("s3: option 'region' is given twice; give it once");
    assertThatThrownBy(() -> S3Options.fromUri(URI.create("s3://bucket-a?endpoint=ftp://x")))
        .hasMessage(
            "s3: endpoint (ftp://x) must be an http:// or https:// URL such as http://127.0.0.1:9000");
    assertThatThrownBy(() -> S3Options.fromUri(URI.create("s3://Bad_Bucket/x")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> S3Options.fromUri(URI.create("file:///tmp/x")))
        .hasMessage("s3: repository URI must start with s3://, not file");
    assertThatThrownBy(() -> S3Options.fromUri(URI.create("s3://bucket-a/a/../b")))
        .hasMessage("s3: prefix (/a/../b) may not contain empty, '.' or '..' segments");
  }

  @Test
  void credentialsOnTheUriAreRefusedWithoutEchoingThem() {
    assertThatThrownBy(
            () -> S3Options.fromUri(URI.create("s3://bucket-a?secret-access-key=TOPSECRET42")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "s3: option 'secret-access-key' is refused: credentials may not ride on the repository URI")
        .hasMessageNotContaining("TOPSECRET42");
    assertThatThrownBy(() -> S3Options.fromUri(URI.create("s3://AKID:TOPSECRET42@bucket-a/p")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("s3: credentials may not ride on the repository URI")
        .hasMessageNotContaining("TOPSECRET42");
  }

  @Test
  void toStringIsTheUriWithoutCredentials() {
    S3Options o =
        S3Options.builder("bucket-a")
            .prefix("p")
            .region("eu-west-1")
            .credentials(
                software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                    software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(
                        "AKIDEXAMPLE", "TOPSECRET42")))
            .build();
    assertThat(o.toString())
        .isEqualTo("s3://bucket-a/p?region=eu-west-1&storage-class=STANDARD_IA");
    assertThat(S3Options.fromUri(o.toUri()).toString()).isEqualTo(o.toString());
  }
}
