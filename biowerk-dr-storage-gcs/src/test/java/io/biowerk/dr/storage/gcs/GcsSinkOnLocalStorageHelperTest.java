package io.biowerk.dr.storage.gcs;

import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.testkit.SinkContractTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/**
 * The shared sink contract against {@code LocalStorageHelper}, Google's in-process FAKE of the
 * Storage service (google-cloud-nio), made to ignore request options it does not implement rather
 * than throw: no HTTP, no buckets, no lifecycle, no CRC32C, no preconditions (added here by {@link
 * LocalStorageHelperWithPreconditions}), and a resumable upload is listed from its first request.
 * No Cloud Storage emulator can be installed on these machines, so this fake is what runs the whole
 * contract through the real client API; {@link GcsJsonApiTest} covers what the fake cannot show
 * (chunked HTTP uploads, preconditions, CRC32C, retries, cancellation) against {@link
 * JsonApiTestServer}, and {@link GcsSinkOnJsonApiTestServerTest} runs this same contract over HTTP.
 * Each test gets a fresh fake and a prefix inside its bucket, so key mapping is exercised too.
 */
class GcsSinkOnLocalStorageHelperTest extends SinkContractTest {

  /**
   * 2 MiB: above the 1 MiB of the contract's abort tests, because the fake lists a resumable upload
   * from its first request (its {@code open} records the object), which Cloud Storage does not; the
   * resumable path's invisibility and cancellation are shown against {@link JsonApiTestServer}
   * instead. The part-size shapes and the 64 MiB object still go through resumable uploads of
   * several chunks here.
   */
  private static final int CHUNK = 2 << 20;

  private final List<GcsSink> opened = new ArrayList<>();

  @Override
  protected Sink newSink() throws Exception {
    GcsOptions options =
        GcsOptions.builder("contract-bucket")
            .prefix("repo/x")
            .chunkSize(CHUNK)
            .rangeSize(1 << 20)
            .parallelism(4)
            .build();
    GcsSink sink =
        GcsSink.open(
            options,
            LocalStorageHelperWithPreconditions.wrap(
                LocalStorageHelper.customOptions(false).getService()));
    opened.add(sink);
    return sink;
  }

  @Override
  protected long partSizeHint() {
    return CHUNK;
  }

  @AfterEach
  void closeSinks() {
    opened.forEach(GcsSink::close);
  }
}
