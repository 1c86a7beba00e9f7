package io.biowerk.dr.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.testkit.SinkContractTest;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The example decorator passes the contract every sink passes (docs/library.md), and counts only
 * what was committed.
 */
class MeteredSinkTest extends SinkContractTest {

  @Override
  protected Sink newSink() {
    return new MeteredSink(InMemorySink.named("metered"));
  }

  @Test
  void countsCommittedWritesOnly() throws Exception {
    MeteredSink sink = new MeteredSink(InMemorySink.named("count"));
    try (PendingWrite kept = sink.openWrite("a/kept")) {
      kept.write(ByteBuffer.wrap(new byte[100]));
      kept.commit();
    }
    try (PendingWrite dropped = sink.openWrite("a/dropped")) {
      dropped.write(ByteBuffer.wrap(new byte[50]));
      dropped.abort();
    }
    assertThat(sink.putIfAbsent("a/claim", new byte[7])).isTrue();
    assertThat(sink.putIfAbsent("a/claim", new byte[7])).isFalse();
    assertThat(sink.committedBytes()).isEqualTo(107);
  }
}
