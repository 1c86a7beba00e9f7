package io.biowerk.dr.testkit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.Sink;
import org.junit.jupiter.api.Test;

/** {@link InMemorySink} against the sink contract it stands in for. */
class InMemorySinkContractTest extends SinkContractTest {

  @Override
  protected Sink newSink() {
    return InMemorySink.named("contract");
  }

  @Test
  void keysWithEmptyDotOrDotDotSegmentsAreRefused() {
    for (String key : new String[] {"../x", "a/../x", "a/./x", "a//x", "/x", "x/", ""}) {
      assertThatThrownBy(() -> InMemorySink.named("k").openWrite(key))
          .as(key)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
