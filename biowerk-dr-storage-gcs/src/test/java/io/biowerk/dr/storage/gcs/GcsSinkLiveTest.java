package io.biowerk.dr.storage.gcs;

import static org.assertj.core.api.Assumptions.assumeThat;

import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.StoredObject;
import io.biowerk.dr.testkit.SinkContractTest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;

/**
 * The shared sink contract against a real Cloud Storage bucket, for what the fakes cannot show
 * (Cloud Storage's own resumable sessions, preconditions, CRC32C, listing). Tagged {@code live}, so
 * off by default; it runs with {@code BIOWERK_DR_GCS_LIVE_BUCKET} (an existing bucket; objects go
 * under a random prefix and are deleted) and {@code GOOGLE_APPLICATION_CREDENTIALS} (a service
 * account key with roles/storage.objectUser on the bucket). The key file is required rather than
 * any Application Default Credentials, so that a run without it does not probe a metadata server.
 * Run: {@code GOOGLE_APPLICATION_CREDENTIALS=... BIOWERK_DR_GCS_LIVE_BUCKET=... mvn verify -pl
 * biowerk-dr-storage-gcs -am -Dgroups=live -Dtest.excludedGroups= -Dtest=GcsSinkLiveTest
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("live")
class GcsSinkLiveTest extends SinkContractTest {

  private final List<GcsSink> opened = new ArrayList<>();

  private String bucket;

  /**
   * In a {@code @BeforeEach}, so a missing setting skips the test instead of failing inside one.
   */
  @BeforeEach
  void requireALiveBucket() {
    bucket = System.getenv("BIOWERK_DR_GCS_LIVE_BUCKET");
    assumeThat(bucket)
        .as("BIOWERK_DR_GCS_LIVE_BUCKET is not set: no real bucket to test against")
        .isNotBlank();
    assumeThat(System.getenv("GOOGLE_APPLICATION_CREDENTIALS"))
        .as("GOOGLE_APPLICATION_CREDENTIALS is not set: no service account key for the live bucket")
        .isNotBlank();
  }

  @Override
  protected Sink newSink() throws Exception {
    GcsSink sink =
        GcsSink.open(
            GcsOptions.builder(bucket)
                .prefix("biowerk-live-test/" + UUID.randomUUID())
                .chunkSize(GcsOptions.CHUNK_GRANULARITY)
                .rangeSize(1 << 20)
                .build());
    opened.add(sink);
    return sink;
  }

  @Override
  protected long partSizeHint() {
    return GcsOptions.CHUNK_GRANULARITY;
  }

  @AfterEach
  void deleteAndClose() throws Exception {
    for (GcsSink sink : opened) {
      for (StoredObject object : sink.list("")) {
        sink.delete(object.key());
      }
      sink.close();
    }
  }
}
