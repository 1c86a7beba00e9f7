package io.biowerk.dr.bench;

import io.biowerk.dr.core.BackupManifest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The first GiB through the full chain (zstd-3 -> AES-256-GCM -> SHA-256 -> file) in a fresh JVM
 * with no warm-up: what a nightly backup, started by cron in a new process, actually gets while the
 * JIT has not yet compiled AES-GCM and SHA-256. {@code coldFirstGiB} runs once per fork; {@code
 * warmGiB} is the same work after warm-up in its own fork, the reference for the cold/warm ratio.
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ColdChainBenchmark {

  /** Input bytes per operation: 1 GiB. */
  public static final long BYTES_PER_OP = 1L << 30;

  @Param({"0", "2"})
  public int workers;

  private byte[] sample;
  private Path root;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    // Generating the sample runs only the generator's code: nothing of the pipeline is warmed up
    // here.
    sample = BenchSupport.sample();
    root = BenchSupport.sinkRoot();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    BenchSupport.deleteTree(root);
  }

  /** The first GiB in a fresh JVM: one shot per fork, no warm-up. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @Warmup(iterations = 0)
  @Measurement(iterations = 1)
  @Fork(
      value = 3,
      jvmArgsAppend = {"-Xmx2g", "-Xms2g"})
  public long coldFirstGiB() throws IOException {
    BackupManifest manifest = BenchSupport.backup(sample, BYTES_PER_OP, workers, root);
    return manifest.storedSize();
  }

  /** The same GiB after two warm-up GiB in the same JVM. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @Warmup(iterations = 2)
  @Measurement(iterations = 3)
  @Fork(
      value = 1,
      jvmArgsAppend = {"-Xmx2g", "-Xms2g"})
  public long warmGiB() throws IOException {
    BackupManifest manifest = BenchSupport.backup(sample, BYTES_PER_OP, workers, root);
    BenchSupport.deleteTree(root.resolve(manifest.sourceName()));
    return manifest.storedSize();
  }
}
