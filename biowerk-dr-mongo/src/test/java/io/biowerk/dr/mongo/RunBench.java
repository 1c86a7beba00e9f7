package io.biowerk.dr.mongo;

import java.nio.file.Files;

/**
 * Runs {@link MongoBenchmarkIT}'s test method in this JVM without Maven (a loaded machine takes
 * minutes per {@code mvn verify}), for docs/benchmarks.md: {@code java -Dbench.docs=60000
 * -Dbench.pad=2000 -Dbench.rounds=3 -cp <the module's test class path>
 * io.biowerk.dr.mongo.RunBench}. Not a test: no assertion of its own beyond the benchmark's.
 */
public final class RunBench {
  private RunBench() {}

  /** Runs the benchmark once; the figures go to standard output. */
  public static void main(String[] args) throws Exception {
    MongoBenchmarkIT bench = new MongoBenchmarkIT();
    bench.dir = Files.createTempDirectory("mongo-bench-");
    bench.backupAndRestoreAgainstPlainDriverAnchors();
  }
}
