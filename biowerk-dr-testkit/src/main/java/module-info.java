/**
 * BIOwerk DR test kit: the contract tests every adapter extends ({@code SinkContractTest}, {@code
 * CodecContractTest}, {@code SourceContractTest}), hostile channel factories, the fixed data
 * shapes, an in-memory sink, a fault-injecting sink and generated sources of known SHA-256.
 */
module io.biowerk.dr.testkit {
  requires transitive io.biowerk.dr.core;
  requires transitive org.junit.jupiter.api;
  requires transitive org.junit.jupiter.params;

  exports io.biowerk.dr.testkit;

  // JUnit reflects over the abstract contract tests' methods.
  opens io.biowerk.dr.testkit to
      org.junit.platform.commons;
}
