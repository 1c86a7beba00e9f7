package io.biowerk.dr.bench;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.codec.Sha256;
import io.biowerk.dr.core.codec.ZstdCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
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
 * Warm throughput of the core pipeline over {@value #BYTES_PER_OP} bytes of generated SQL-dump text
 * per operation: zstd-3 alone (the ceiling the chain is measured against), the full chain zstd-3 ->
 * AES-256-GCM -> SHA-256 -> a file through {@code BackupJob}, and the parts (SHA-256, AES-256-GCM)
 * alone. MB/s of input = {@value #BYTES_PER_OP} / 1e6 / seconds per op (JMH reports the seconds
 * per op; {@link PairedRun} prints MB/s directly).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xmx2g", "-Xms2g"})
public class PipelineBenchmark {

  /** Input bytes per benchmark operation. */
  public static final long BYTES_PER_OP = BenchSupport.SAMPLE_SIZE;

  /** zstd worker threads: 0 compresses on the calling thread, 1 on one zstd worker, 2 on two. */
  @Param({"0", "1", "2"})
  public int workers;

  private byte[] sample;
  private ByteBuffer direct;
  private Path root;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    sample = BenchSupport.sample();
    direct = ByteBuffer.allocateDirect(sample.length).put(sample).flip();
    root = BenchSupport.sinkRoot();
  }

  @TearDown(Level.Invocation)
  public void clean() throws IOException {
    // Each backup leaves ~70 MB in the sink; remove it outside the timed part.
    BenchSupport.deleteTree(root);
    java.nio.file.Files.createDirectories(root);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    BenchSupport.deleteTree(root);
  }

  /**
   * zstd-3 alone: the sample, already in direct memory, compressed in 1 MiB writes to a discarding
   * channel.
   */
  @Benchmark
  public long zstd() throws IOException {
    BenchSupport.Discard out = new BenchSupport.Discard();
    WritableByteChannel encoder = ZstdCodec.of(3, workers, 0).encode(out);
    ByteBuffer all = direct.duplicate();
    for (int at = 0; at < all.capacity(); at += 1 << 20) {
      ByteBuffer slice =
          all.duplicate().position(at).limit(Math.min(at + (1 << 20), all.capacity())).slice();
      while (slice.hasRemaining()) {
        encoder.write(slice);
      }
    }
    encoder.close();
    return out.count;
  }

  /**
   * The full chain through BackupJob: source -> zstd-3 -> AES-256-GCM -> SHA-256 taps -> LocalSink
   * file.
   */
  @Benchmark
  public long chain() throws IOException {
    BackupManifest manifest = BenchSupport.backup(sample, BYTES_PER_OP, workers, root);
    return manifest.storedSize();
  }

  /** Reference states for the single-part figures; they ignore {@code workers}. */
  @State(Scope.Benchmark)
  public static class Parts {
    ByteBuffer direct;
    byte[] heap;
    Cipher cipher;
    SecretKeySpec key = new SecretKeySpec(new byte[32], "AES");
    ByteBuffer sealed = ByteBuffer.allocate((64 << 10) + 16);
    long counter;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      heap = BenchSupport.sample();
      direct = ByteBuffer.allocateDirect(heap.length).put(heap).flip();
      cipher = Cipher.getInstance("AES/GCM/NoPadding");
    }
  }

  /** JDK SHA-256 over the sample (the raw tap's work). */
  @Benchmark
  @Fork(
      value = 1,
      jvmArgsAppend = {"-Xmx2g", "-Xms2g"})
  public byte[] sha256(Parts parts) {
    MessageDigest digest = Sha256.newDigest();
    digest.update(parts.direct.duplicate());
    return digest.digest();
  }

  /** JDK AES-256-GCM over the sample in 64 KiB segments (the enc codec's default), heap to heap. */
  @Benchmark
  public long aesGcm(Parts parts) throws Exception {
    long sum = 0;
    byte[] nonce = new byte[12];
    for (int at = 0; at < parts.heap.length; at += 64 << 10) {
      nonce[0] = (byte) parts.counter++;
      nonce[1] = (byte) (parts.counter >>> 8);
      nonce[2] = (byte) (parts.counter >>> 16);
      parts.cipher.init(Cipher.ENCRYPT_MODE, parts.key, new GCMParameterSpec(128, nonce));
      parts.sealed.clear();
      sum += parts.cipher.doFinal(ByteBuffer.wrap(parts.heap, at, 64 << 10), parts.sealed);
    }
    return sum;
  }
}
