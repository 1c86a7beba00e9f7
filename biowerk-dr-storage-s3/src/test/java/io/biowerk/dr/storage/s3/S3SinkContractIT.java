package io.biowerk.dr.storage.s3;

import io.biowerk.dr.core.Sink;
import io.biowerk.dr.testkit.SinkContractTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shared sink contract against S3Proxy: a fresh bucket per test, a prefix inside it (so key
 * mapping is exercised too), S3's smallest part size so the part boundary shapes are multipart
 * uploads, and small ranges so reads of the large object go through parallel ranged GETs.
 */
@ExtendWith(S3ProxyExtension.class)
class S3SinkContractIT extends SinkContractTest {

  private final S3ProxyServer server;
  private final List<S3Sink> opened = new ArrayList<>();

  S3SinkContractIT(S3ProxyServer server) {
    this.server = server;
  }

  @Override
  protected Sink newSink() throws Exception {
    S3Sink sink =
        S3Sink.open(
            server
                .options(server.newBucket("contract"))
                .prefix("repo/x")
                .partSize(S3Options.MIN_PART_SIZE)
                .rangeSize(1 << 20)
                .parallelism(4)
                .build());
    opened.add(sink);
    return sink;
  }

  @Override
  protected long partSizeHint() {
    return S3Options.MIN_PART_SIZE;
  }

  @AfterEach
  void closeSinks() {
    opened.forEach(S3Sink::close);
  }
}
