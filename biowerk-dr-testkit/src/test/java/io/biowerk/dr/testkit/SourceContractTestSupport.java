package io.biowerk.dr.testkit;

import io.biowerk.dr.core.SourceStream;
import java.io.IOException;

/** Reads a whole run into memory, for small sources in tests. */
final class SourceContractTestSupport {
  private SourceContractTestSupport() {}

  static byte[] readAll(SourceStream stream) throws IOException {
    try (stream) {
      return HostileChannels.HEAP.readAll(stream);
    }
  }
}
