package io.biowerk.dr.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** The {@code gs://} repository URI: bucket, prefix, options, and what it refuses. */
class GcsOptionsTest {

  @Test
  void readsBucketPrefixAndEveryOption() {
    GcsOptions o =
        GcsOptions.fromUri(
            URI.create(
                "gs://biowerk-backups/prod/eu/?endpoint=http://127.0.0.1:4443"
                    + "&credentials=none&project=p1&storage-class=nearline&tier-classes=weekly:COLDLINE,monthly:archive"
                    + "&chunk-size=8MiB&range-size=4MiB&parallelism=2&max-attempts=4&temporary-hold=true"
                    + "&event-based-hold=false&verify-crc32c=true"));
    assertThat(o.bucket()).isEqualTo("biowerk-backups");
    assertThat(o.prefix()).isEqualTo("prod/eu");
    assertThat(o.endpoint()).contains(URI.create("http://127.0.0.1:4443"));
    assertThat(o.anonymous()).isTrue();
    assertThat(o.project()).contains("p1");
    assertThat(o.storageClass()).contains("NEARLINE");
    assertThat(o.storageClassFor("pg/weekly/x.dump")).contains("COLDLINE");
    assertThat(o.storageClassFor("pg/monthly/x.dump")).contains("ARCHIVE");
    assertThat(o.storageClassFor("pg/daily/x.dump")).contains("NEARLINE");
    assertThat(o.storageClassFor("manifest.json")).contains("NEARLINE");
    assertThat(o.chunkSize()).isEqualTo(8 << 20);
    assertThat(o.rangeSize()).isEqualTo(4 << 20);
    assertThat(o.parallelism()).isEqualTo(2);
    assertThat(o.maxAttempts()).isEqualTo(4);
    assertThat(o.temporaryHold()).isTrue();
    assertThat(o.eventBasedHold()).isFalse();
    assertThat(GcsOptions.fromUri(o.toUri()).toUri()).isEqualTo(o.toUri());
  }

  @Test
  void defaultsAreTheBucketsClassAnd16MiBChunksWithCrc32cChecks() {
    GcsOptions o = GcsOptions.fromUri(URI.create("gs://bucket-1"));
    assertThat(o.prefix()).isEmpty();
    assertThat(o.storageClassFor("pg/daily/x")).isEmpty();
    assertThat(o.chunkSize()).isEqualTo(16 << 20);
    assertThat(o.verifyCrc32c()).isTrue();
    assertThat(o.anonymous()).isFalse();
  }

  @Test
  void chunksAreRoundedUpTo256KiB() {
    assertThat(GcsOptions.builder("bucket-1").chunkSize(300_000).build().chunkSize())
        .isEqualTo(512 << 10);
  }

  @Test
  void refusesCredentialsOnTheUri() {
    assertThatThrownBy(() -> GcsOptions.fromUri(URI.create("gs://user:secret@bucket-1/x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("credentials may not ride on the repository URI")
        .hasMessageNotContaining("secret@");
    assertThatThrownBy(() -> GcsOptions.fromUri(URI.create("gs://bucket-1/x?private-key=abc123")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("GOOGLE_APPLICATION_CREDENTIALS")
        .hasMessageNotContaining("abc123");
  }

  @Test
  void refusesUnknownAndMalformedOptionsNamingThem() {
    assertThatThrownBy(() -> GcsOptions.fromUri(URI.create("gs://bucket-1?colour=blue")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown option 'colour'")
        .hasMessageContaining("tier-classes");
    assertThatThrownBy(() -> GcsOptions.fromUri(URI.create("gs://bucket-1?storage-class=GLACIER")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("GLACIER")
        .hasMessageContaining("ARCHIVE");
    assertThatThrownBy(
            () -> GcsOptions.fromUri(URI.create("gs://bucket-1?tier-classes=hourly:ARCHIVE")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tier (hourly)");
    assertThatThrownBy(() -> GcsOptions.fromUri(URI.create("gs://Bad_Bucket")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> GcsOptions.fromUri(URI.create("s3://bucket-1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("gs://");
    assertThatThrownBy(() -> GcsOptions.fromUri(URI.create("gs://bucket-1?chunk-size=1GiB")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("256MiB");
  }
}
