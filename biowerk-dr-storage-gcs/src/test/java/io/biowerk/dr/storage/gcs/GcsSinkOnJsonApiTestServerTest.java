package io.biowerk.dr.storage.gcs;

import io.biowerk.dr.core.Sink;
import io.biowerk.dr.testkit.SinkContractTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The shared sink contract over HTTP, through the real client, against {@link JsonApiTestServer} (a
 * TEST DOUBLE of the Cloud Storage JSON API on loopback, not Cloud Storage). Unlike {@link
 * GcsSinkOnLocalStorageHelperTest} it runs the contract with the smallest chunk (256 KiB), so every
 * write over one chunk is a resumable upload whose invisibility and cancellation the contract
 * checks, and with 1 MiB ranges, so the large object is read as parallel ranged GETs.
 */
class GcsSinkOnJsonApiTestServerTest extends SinkContractTest {

  private static final int CHUNK = GcsOptions.CHUNK_GRANULARITY;

  private JsonApiTestServer server;
  private final List<GcsSink> opened = new ArrayList<>();
  private int buckets;

  @BeforeEach
  void start() throws Exception {
    server = new JsonApiTestServer();
  }

  @Override
  protected Sink newSink() throws Exception {
    String bucket = "contract-" + ++buckets;
    server.bucket(bucket);
    GcsSink sink =
        GcsSink.open(
            server
                .options(bucket)
                .prefix("repo/x")
                .chunkSize(CHUNK)
                .rangeSize(1 << 20)
                .parallelism(4)
                .build());
    opened.add(sink);
    return sink;
  }

  @Override
  protected long partSizeHint() {
    return CHUNK;
  }

  @AfterEach
  void stop() {
    opened.forEach(GcsSink::close);
    server.close();
  }
}
