package io.biowerk.dr.storage.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.testkit.HostileChannels;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the sink sends on the wire, checked against {@link JsonApiTestServer} (a test double of the
 * Cloud Storage JSON API on loopback, not Cloud Storage): chunked resumable uploads with a bounded
 * chunk, the final request as the only one that makes an object visible, {@code
 * ifGenerationMatch=0}, CRC32C on upload and download, retries of 5xx and 429, cancellation on
 * abort, and a connection dropped mid-upload.
 */
class GcsJsonApiTest {

  private static final int CHUNK = 256 << 10;

  private JsonApiTestServer server;
  private GcsSink sink;

  @BeforeEach
  void start() throws Exception {
    server = new JsonApiTestServer().bucket("wire");
    sink =
        GcsSink.open(
            server.options("wire").prefix("repo").chunkSize(CHUNK).rangeSize(64 << 10).build());
    server.clearRequests(); // the bucket check of open()
  }

  @AfterEach
  void stop() {
    if (sink != null) {
      sink.close();
    }
    server.close();
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private List<JsonApiTestServer.Request> chunks() {
    return server.requests().stream().filter(JsonApiTestServer.Request::isChunk).toList();
  }

  @Test
  void aLargeObjectGoesUpAsBoundedChunksAndIsVisibleOnlyAfterTheFinalRequest() throws Exception {
    byte[] data = random(4 * CHUNK + 1000, 1);
    try (PendingWrite out = sink.openWrite("pg/daily/big.bin")) {
      HostileChannels.HEAP.writeAll(out, data);
      assertThat(server.objects("wire")).as("visible before commit").isEmpty();
      assertThat(sink.list("")).isEmpty();
      out.commit();
    }
    assertThat(server.requests().stream().filter(JsonApiTestServer.Request::isInitiate)).hasSize(1);
    List<JsonApiTestServer.Request> chunks = chunks();
    assertThat(chunks).as("several chunk requests").hasSizeGreaterThanOrEqualTo(4);
    for (JsonApiTestServer.Request chunk : chunks.subList(0, chunks.size() - 1)) {
      assertThat(chunk.bodyLength()).as("a chunk before the last").isLessThanOrEqualTo(CHUNK);
      assertThat(chunk.bodyLength() % CHUNK).as("chunks are multiples of 256 KiB").isZero();
      assertThat(chunk.header("content-range")).endsWith("/*");
    }
    assertThat(chunks.get(chunks.size() - 1).header("content-range")).endsWith("/" + data.length);
    assertThat(server.objects("wire").get("repo/pg/daily/big.bin").data).isEqualTo(data);
    assertThat(sink.get("pg/daily/big.bin")).isEqualTo(data);
  }

  @Test
  void aSmallObjectGoesUpInOneRequestOnCommit() throws Exception {
    byte[] data = random(1000, 2);
    try (PendingWrite out = sink.openWrite("pg/daily/small.bin")) {
      out.write(ByteBuffer.wrap(data));
      assertThat(server.requests()).as("nothing is sent before commit").isEmpty();
      out.commit();
    }
    assertThat(server.requests())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.method()).isEqualTo("POST");
              assertThat(r.query()).containsEntry("uploadType", "multipart");
            });
    assertThat(server.objects("wire").get("repo/pg/daily/small.bin").data).isEqualTo(data);
  }

  @Test
  void putIfAbsentSendsIfGenerationMatchZeroAndA412MeansTaken() throws Exception {
    assertThat(sink.putIfAbsent("claims/id", new byte[] {1})).isTrue();
    assertThat(sink.putIfAbsent("claims/id", new byte[] {2})).isFalse();
    assertThat(server.requests())
        .hasSize(2)
        .allSatisfy(r -> assertThat(r.query()).containsEntry("ifGenerationMatch", "0"));
    assertThat(server.objects("wire").get("repo/claims/id").data).containsExactly(1);
  }

  @Test
  void anAbortCancelsTheSessionAndLeavesNothing() throws Exception {
    PendingWrite out = sink.openWrite("pg/daily/aborted.bin");
    HostileChannels.HEAP.writeAll(out, random(3 * CHUNK, 3));
    assertThat(server.openSessions()).isEqualTo(1);
    out.abort();
    assertThat(server.cancelledSessions()).as("a DELETE of the session URI").isEqualTo(1);
    assertThat(server.openSessions()).isZero();
    assertThat(server.objects("wire")).isEmpty();
    assertThat(server.requests().get(server.requests().size() - 1).method()).isEqualTo("DELETE");
  }

  @Test
  void bytesDamagedInTransitFailTheCommitAndLeaveNothing() throws Exception {
    server.corruptUploads(true);
    byte[] data = random(3 * CHUNK + 5, 4);
    PendingWrite out = sink.openWrite("pg/daily/damaged.bin");
    HostileChannels.HEAP.writeAll(out, data);
    assertThatThrownBy(out::commit)
        .isInstanceOfAny(IntegrityException.class, StorageException.class)
        .hasMessageContaining("CRC32C")
        .hasMessageContaining("wire");
    assertThat(server.objects("wire")).isEmpty();
  }

  @Test
  void damageABackendDidNotCatchIsFoundByTheSinksOwnCheckAndTheObjectDeleted() throws Exception {
    server.corruptUploads(true);
    server.ignoreClientChecksums(true);
    PendingWrite out = sink.openWrite("pg/daily/unchecked.bin");
    HostileChannels.HEAP.writeAll(out, random(2 * CHUNK + 3, 11));
    assertThatThrownBy(out::commit)
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("CRC32C")
        .hasMessageContaining("'pg/daily/unchecked.bin' in bucket 'wire'")
        .hasMessageContaining("deleted again")
        .hasMessageContaining("run the backup again");
    assertThat(server.objects("wire")).as("the damaged object is deleted").isEmpty();
  }

  @Test
  void aSmallObjectDamagedInTransitFailsTheCommitAndLeavesNothing() throws Exception {
    server.corruptUploads(true);
    PendingWrite out = sink.openWrite("m/manifest.json");
    out.write(ByteBuffer.wrap(random(500, 5)));
    assertThatThrownBy(out::commit)
        .isInstanceOfAny(IntegrityException.class, StorageException.class)
        .hasMessageContaining("CRC32C")
        .hasMessageContaining("wire");
    assertThat(server.objects("wire")).isEmpty();
  }

  @Test
  void aDownloadDamagedInTransitIsAnIntegrityException() throws Exception {
    byte[] data = random(300 << 10, 6);
    sink.put("pg/daily/read.bin", data);
    server.corruptDownloads(true);
    assertThatThrownBy(() -> sink.get("pg/daily/read.bin"))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("CRC32C")
        .hasMessageContaining("pg/daily/read.bin")
        .hasMessageContaining("wire")
        .hasMessageContaining("read it again");
  }

  @Test
  void aLargeObjectIsReadAsParallelRangesInOrder() throws Exception {
    byte[] data = random(1 << 20, 7);
    sink.put("pg/daily/ranges.bin", data);
    server.clearRequests();
    byte[] read;
    try (ReadableByteChannel in = sink.openRead("pg/daily/ranges.bin")) {
      read = HostileChannels.HEAP.readAll(in);
    }
    assertThat(read).isEqualTo(data);
    assertThat(server.requests().stream().filter(r -> r.header("range") != null))
        .as("ranged GETs of 64 KiB")
        .hasSizeGreaterThanOrEqualTo(16);
  }

  @Test
  void withParallelismOneALargeObjectIsReadInOneStreamingRequest() throws Exception {
    byte[] data = random(1 << 20, 12);
    sink.put("pg/daily/stream.bin", data);
    try (GcsSink sequential =
        GcsSink.open(
            server.options("wire").prefix("repo").rangeSize(64 << 10).parallelism(1).build())) {
      server.clearRequests();
      assertThat(sequential.get("pg/daily/stream.bin")).isEqualTo(data);
    }
    assertThat(server.requests().stream().filter(r -> "media".equals(r.query().get("alt"))))
        .as("media GETs")
        .hasSize(1);
  }

  @Test
  void serverErrorsOnChunksAreRetriedAndTheUploadCompletes() throws Exception {
    server.failNext(
        r -> r.isChunk() && r.bodyLength() > 0, 503, "backendError", "Backend Error", 1);
    server.failNext(
        r -> r.isChunk() && r.bodyLength() > 0, 429, "rateLimitExceeded", "slow down", 1);
    byte[] data = random(3 * CHUNK + 7, 8);
    try (PendingWrite out = sink.openWrite("pg/daily/retried.bin")) {
      HostileChannels.HEAP.writeAll(out, data);
      out.commit();
    }
    assertThat(server.objects("wire").get("repo/pg/daily/retried.bin").data).isEqualTo(data);
  }

  @Test
  void serverErrorsAndThrottlingOnRangedReadsAreRetriedAndTheReadIsWhole() throws Exception {
    byte[] data = random(1 << 20, 21);
    sink.put("pg/daily/reread.bin", data);
    server.clearRequests();
    server.failNext(
        r -> "media".equals(r.query().get("alt")) && r.header("range") != null,
        503,
        "backendError",
        "Backend Error",
        1);
    server.failNext(
        r -> "media".equals(r.query().get("alt")) && r.header("range") != null,
        429,
        "rateLimitExceeded",
        "slow down",
        1);
    byte[] read;
    try (ReadableByteChannel in = sink.openRead("pg/daily/reread.bin")) {
      read = HostileChannels.HEAP.readAll(in);
    }
    assertThat(read).isEqualTo(data);
    long mediaGets =
        server.requests().stream().filter(r -> "media".equals(r.query().get("alt"))).count();
    assertThat(mediaGets).as("16 ranges of 64 KiB and two retried").isEqualTo(18);
  }

  @Test
  void rangedReadsThrottledWithoutEndAreAClearErrorNamingBucketAndKey() throws Exception {
    sink.put("pg/daily/unreadable.bin", random(1 << 20, 22));
    server.failNext(
        r -> "media".equals(r.query().get("alt")),
        429,
        "rateLimitExceeded",
        "The rate of requests is too high",
        1000);
    assertThatThrownBy(
            () -> {
              try (ReadableByteChannel in = sink.openRead("pg/daily/unreadable.bin")) {
                HostileChannels.HEAP.readAll(in);
              }
            })
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("429")
        .hasMessageContaining("'pg/daily/unreadable.bin' in bucket 'wire'")
        .hasMessageContaining("run it again later");
  }

  @Test
  void throttlingThatDoesNotStopIsAClearErrorAfterTheRetries() throws Exception {
    server.failNext(
        r -> r.method().equals("POST"),
        429,
        "rateLimitExceeded",
        "The rate of requests is too high",
        100);
    assertThatThrownBy(() -> sink.put("pg/daily/throttled.bin", new byte[10]))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("429")
        .hasMessageContaining("'pg/daily/throttled.bin' in bucket 'wire'")
        .hasMessageContaining("run it again later");
    assertThat(server.requests()).as("max-attempts=3").hasSize(3);
    assertThat(server.objects("wire")).isEmpty();
  }

  @Test
  void oneDroppedConnectionMidUploadIsResumed() throws Exception {
    server.dropNext(
        r ->
            r.isChunk()
                && r.bodyLength() > 0
                && r.header("content-range").startsWith("bytes " + CHUNK + "-"),
        1);
    byte[] data = random(3 * CHUNK + 11, 9);
    try (PendingWrite out = sink.openWrite("pg/daily/resumed.bin")) {
      HostileChannels.HEAP.writeAll(out, data);
      out.commit();
    }
    assertThat(server.objects("wire").get("repo/pg/daily/resumed.bin").data).isEqualTo(data);
  }

  @Test
  void aNetworkThatStaysDownMidUploadFailsClearlyAndLeavesNothing() throws Exception {
    PendingWrite out = sink.openWrite("pg/daily/dropped.bin");
    server.dropNext(r -> r.isChunk(), 1000);
    assertThatThrownBy(
            () -> {
              HostileChannels.HEAP.writeAll(out, random(4 * CHUNK, 10));
              out.commit();
            })
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("'pg/daily/dropped.bin' in bucket 'wire'")
        .hasMessageContaining("run it again");
    out.abort();
    assertThat(server.objects("wire")).isEmpty();
    assertThat(sink.list("")).isEmpty();
  }
}
