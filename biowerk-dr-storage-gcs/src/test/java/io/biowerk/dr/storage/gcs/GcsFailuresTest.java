package io.biowerk.dr.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.testkit.HostileChannels;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each way Cloud Storage refuses, answered by {@link JsonApiTestServer} (a test double of the JSON
 * API on loopback) the way Cloud Storage answers it: the exception type, and a message that names
 * bucket and key and says what to do. Also storage classes per tier and holds, which the request
 * carries and the double records.
 */
class GcsFailuresTest {

  private JsonApiTestServer server;

  @BeforeEach
  void start() throws Exception {
    server = new JsonApiTestServer().bucket("backups");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void rejectedCredentialsAreAnAuthenticationFailureNamingApplicationDefaultCredentials() {
    server.failNext(
        r -> true,
        401,
        "required",
        "Anonymous caller does not have storage.objects.list access",
        10);
    assertThatThrownBy(() -> GcsSink.open(server.options("backups").build()))
        .isInstanceOf(StorageException.class)
        .satisfies(
            e ->
                assertThat(((StorageException) e).reason())
                    .isEqualTo(StorageException.Reason.AUTHENTICATION))
        .hasMessageStartingWith("gcs: ")
        .hasMessageContaining("bucket 'backups'")
        .hasMessageContaining("HTTP 401")
        .hasMessageContaining("GOOGLE_APPLICATION_CREDENTIALS")
        .hasMessageContaining("gcloud auth application-default login");
  }

  @Test
  void aMissingBucketSaysSoAndHowToCreateIt() {
    assertThatThrownBy(() -> GcsSink.open(server.options("no-such-bucket").build()))
        .isInstanceOf(StorageException.class)
        .satisfies(
            e ->
                assertThat(((StorageException) e).reason())
                    .isEqualTo(StorageException.Reason.NO_SUCH_CONTAINER))
        .hasMessageContaining("bucket 'no-such-bucket' does not exist")
        .hasMessageContaining("gcloud storage buckets create gs://no-such-bucket");
  }

  @Test
  void aRefusedPermissionNamesBucketKeyAndTheIamPermission() throws Exception {
    try (GcsSink sink = GcsSink.open(server.options("backups").prefix("bw").build())) {
      server.failNext(
          r -> r.method().equals("POST"),
          403,
          "forbidden",
          "backup@p.iam.gserviceaccount.com does not have storage.objects.create access",
          10);
      assertThatThrownBy(() -> sink.put("pg/daily/x.dump", new byte[10]))
          .isInstanceOf(StorageException.class)
          .satisfies(
              e ->
                  assertThat(((StorageException) e).reason())
                      .isEqualTo(StorageException.Reason.ACCESS_DENIED))
          .hasMessageContaining("access denied")
          .hasMessageContaining("'pg/daily/x.dump' in bucket 'backups'")
          .hasMessageContaining("storage.objects.create")
          .hasMessageContaining("docs/gcs.md");
      assertThat(
              ((StorageException) catchStorage(() -> sink.put("pg/daily/x.dump", new byte[10])))
                  .location())
          .isEqualTo("gs://backups/bw/pg/daily/x.dump");
    }
  }

  @Test
  void aLargeUploadRefusedAtTheStartFailsAtTheFirstChunkWithTheSameMessage() throws Exception {
    try (GcsSink sink = GcsSink.open(server.options("backups").chunkSize(256 << 10).build())) {
      server.failNext(
          r -> r.isInitiate(), 403, "forbidden", "caller does not have storage.objects.create", 10);
      PendingWrite out = sink.openWrite("pg/daily/big.bin");
      assertThatThrownBy(() -> HostileChannels.HEAP.writeAll(out, new byte[1 << 20]))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("access denied")
          .hasMessageContaining("'pg/daily/big.bin' in bucket 'backups'");
      out.abort();
      assertThat(server.objects("backups")).isEmpty();
    }
  }

  @Test
  void anUnreachableEndpointIsUnreachableNamingTheEndpoint() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    GcsOptions options =
        GcsOptions.builder("backups")
            .endpoint(URI.create("http://127.0.0.1:" + port))
            .anonymous(true)
            .maxAttempts(2)
            .initialRetryDelay(java.time.Duration.ofMillis(1))
            .build();
    assertThatThrownBy(() -> GcsSink.open(options))
        .isInstanceOf(StorageException.class)
        .satisfies(
            e ->
                assertThat(((StorageException) e).reason())
                    .isEqualTo(StorageException.Reason.UNREACHABLE))
        .hasMessageContaining("cannot reach Cloud Storage at http://127.0.0.1:" + port)
        .hasMessageContaining("check the endpoint option");
  }

  @Test
  void aHeldObjectIsImmutableAndTheMessageSaysItIsHeld() throws Exception {
    try (GcsSink sink = GcsSink.open(server.options("backups").temporaryHold(true).build())) {
      sink.put("pg/daily/held.dump", new byte[] {1, 2, 3});
      assertThat(server.objects("backups").get("pg/daily/held.dump").temporaryHold).isTrue();
      assertThatThrownBy(() -> sink.delete("pg/daily/held.dump"))
          .isInstanceOf(StorageException.class)
          .satisfies(
              e ->
                  assertThat(((StorageException) e).reason())
                      .isEqualTo(StorageException.Reason.IMMUTABLE))
          .hasMessageContaining("'pg/daily/held.dump' in bucket 'backups' is held")
          .hasMessageContaining("--no-temporary-hold")
          .hasMessageContaining("left in place");
      assertThat(sink.get("pg/daily/held.dump")).containsExactly(1, 2, 3);
      sink.releaseHolds("pg/daily/held.dump");
      sink.delete("pg/daily/held.dump");
      assertThat(sink.list("")).isEmpty();
    }
  }

  @Test
  void objectsGetTheStorageClassOfTheirTier() throws Exception {
    GcsOptions options =
        server
            .options("backups")
            .storageClass("NEARLINE")
            .tierClass("weekly", "COLDLINE")
            .tierClass("monthly", "ARCHIVE")
            .build();
    try (GcsSink sink = GcsSink.open(options)) {
      sink.put("pg/daily/a.dump", new byte[10]);
      sink.put("pg/weekly/b.dump", new byte[10]);
      try (PendingWrite out = sink.openWrite("pg/monthly/c.dump")) {
        out.write(ByteBuffer.wrap(new byte[10]));
        out.commit();
      }
      sink.copy("pg/daily/a.dump", "pg/monthly/a.dump");
    }
    assertThat(server.objects("backups").get("pg/daily/a.dump").storageClass).isEqualTo("NEARLINE");
    assertThat(server.objects("backups").get("pg/weekly/b.dump").storageClass)
        .isEqualTo("COLDLINE");
    assertThat(server.objects("backups").get("pg/monthly/c.dump").storageClass)
        .isEqualTo("ARCHIVE");
    assertThat(server.objects("backups").get("pg/monthly/a.dump").storageClass)
        .as("a rewrite into the monthly tier moves the copy to its class")
        .isEqualTo("ARCHIVE");
  }

  /**
   * Cloud Storage serves Archive-class objects at once (unlike S3 Glacier or Azure's Archive tier
   * there is no restore step; reads cost a retrieval fee), so an archived backup reads like any
   * other.
   */
  @Test
  void anArchiveClassObjectReadsWithoutARestoreStep() throws Exception {
    byte[] data = new byte[300 << 10];
    new Random(3).nextBytes(data);
    server.put("backups", "pg/monthly/old.dump", data, "ARCHIVE", false);
    try (GcsSink sink = GcsSink.open(server.options("backups").build())) {
      assertThat(sink.head("pg/monthly/old.dump").getStorageClass().name()).isEqualTo("ARCHIVE");
      assertThat(sink.get("pg/monthly/old.dump")).isEqualTo(data);
    }
  }

  @Test
  void aMissingObjectIsObjectNotFoundNamingBucketAndKey() throws Exception {
    try (GcsSink sink = GcsSink.open(server.options("backups").build())) {
      assertThatThrownBy(() -> sink.openRead("pg/daily/none.dump"))
          .isInstanceOf(ObjectNotFoundException.class)
          .hasMessageContaining("'pg/daily/none.dump' in bucket 'backups'");
      assertThatThrownBy(() -> sink.copy("pg/daily/none.dump", "pg/weekly/none.dump"))
          .isInstanceOf(ObjectNotFoundException.class);
    }
  }

  private static Throwable catchStorage(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    return org.assertj.core.api.Assertions.catchThrowable(call);
  }
}
