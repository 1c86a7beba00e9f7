package io.biowerk.dr.testkit;

import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.Sink;

/**
 * A {@link FaultInjectingSink} with no fault configured is a transparent sink: it passes the whole
 * contract.
 */
class FaultInjectingSinkContractTest extends SinkContractTest {

  @Override
  protected Sink newSink() {
    return FaultInjectingSink.wrapping(InMemorySink.named("faulty"));
  }
}
