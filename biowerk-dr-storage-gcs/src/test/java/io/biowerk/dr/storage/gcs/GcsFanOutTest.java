package io.biowerk.dr.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.PartialBackupException;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.testkit.InMemorySource;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup fanned out to a local directory and a GCS repository keeps what succeeded: when the GCS
 * upload fails mid-way (the connection drops on every chunk after the first, through all retries),
 * the local repository keeps the complete backup, GCS shows nothing of it, and the job throws
 * {@link PartialBackupException} naming the GCS failure (issue 20). GCS is {@link
 * JsonApiTestServer}, a test double of the JSON API on loopback.
 */
class GcsFanOutTest {

  @TempDir Path dir;

  private static byte[] random(int size) {
    byte[] bytes = new byte[size];
    new Random(5).nextBytes(bytes);
    return bytes;
  }

  @Test
  void aBackupLandsInBothRepositories() throws Exception {
    try (JsonApiTestServer server = new JsonApiTestServer().bucket("fan");
        GcsSink gcs =
            GcsSink.open(server.options("fan").prefix("bw").chunkSize(256 << 10).build());
        LocalSink local = LocalSink.open(dir.resolve("local"))) {
      BackupManifest manifest =
          BackupJob.of(InMemorySource.of(random(3 << 20)).named("postgres", "dump"))
              .sinks(local, gcs)
              .build()
              .run();
      assertThat(Catalog.of(local).list("postgres")).hasSize(1);
      assertThat(Catalog.of(gcs).list("postgres")).hasSize(1);
      assertThat(gcs.get(manifest.dataKey())).isEqualTo(local.get(manifest.dataKey()));
    }
  }

  @Test
  void aGcsUploadThatFailsMidWayKeepsTheLocalCopyAndLeavesNothingInGcs() throws Exception {
    try (JsonApiTestServer server = new JsonApiTestServer().bucket("fan");
        GcsSink gcs =
            GcsSink.open(server.options("fan").prefix("bw").chunkSize(256 << 10).build());
        LocalSink local = LocalSink.open(dir.resolve("local"))) {
      server.dropNext(
          r ->
              r.isChunk()
                  && r.header("content-range") != null
                  && !r.header("content-range").startsWith("bytes 0-"),
          1000);
      assertThatThrownBy(
              () ->
                  BackupJob.of(InMemorySource.of(random(3 << 20)).named("postgres", "dump"))
                      .sinks(local, gcs)
                      .build()
                      .run())
          .isInstanceOfSatisfying(
              PartialBackupException.class,
              e -> {
                assertThat(e.outcome().succeeded()).containsExactly(local);
                assertThat(e.outcome().failed().get(gcs)).isInstanceOf(StorageException.class);
              })
          .hasMessageContaining("in bucket 'fan'");
      assertThat(Catalog.of(local).list("postgres")).hasSize(1);
      assertThat(Catalog.of(gcs).list("postgres")).isEmpty();
      assertThat(server.objects("fan").keySet())
          .as("no data object, no manifest")
          .noneMatch(name -> name.contains("/daily/"));
    }
  }
}
