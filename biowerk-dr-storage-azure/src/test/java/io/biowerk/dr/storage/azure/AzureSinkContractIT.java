package io.biowerk.dr.storage.azure;

import io.biowerk.dr.core.Sink;
import io.biowerk.dr.testkit.SinkContractTest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shared sink contract against Azurite: a fresh container per test, a prefix inside it (so name
 * mapping is exercised too), a small block size so the block boundary shapes are staged-block
 * uploads, small ranges so reads of the large object go through parallel ranged reads, and small
 * listing pages so listing follows continuation markers.
 */
@ExtendWith(AzuriteExtension.class)
class AzureSinkContractIT extends SinkContractTest {

  private static final int BLOCK = 1 << 20;

  private final AzuriteServer server;
  private final List<AzureSink> opened = new ArrayList<>();

  AzureSinkContractIT(AzuriteServer server) {
    this.server = server;
  }

  @Override
  protected Sink newSink() throws Exception {
    AzureSink sink =
        AzureSink.open(
            server
                .options(server.newContainer("contract"))
                .prefix("repo/x")
                .blockSize(BLOCK)
                .rangeSize(256 << 10)
                .parallelism(4)
                .listPageSize(500)
                .build());
    opened.add(sink);
    return sink;
  }

  @Override
  protected long partSizeHint() {
    return BLOCK;
  }

  @AfterEach
  void closeSinks() {
    opened.forEach(AzureSink::close);
  }
}
