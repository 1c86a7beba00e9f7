package io.biowerk.dr.bench;

import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.Recipient;
import io.biowerk.dr.core.internal.ByteChannels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encryption throughput of container format 1 ({@link EncryptionCodec}, key derived from the master
 * key) against format 2 ({@link EnvelopeCodec}, a wrapped random data key), in the same run:
 * {@value #BYTES} bytes per operation, written in 1 MiB buffers into a discarding channel. The two
 * differ only per container (one HKDF and one key wrap), so they should be equal within noise.
 * {@code java -jar benchmarks.jar EnvelopeBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(
    value = 2,
    jvmArgsAppend = {"-Xmx1g"})
public class EnvelopeBenchmark {

  /** Plaintext bytes per operation. */
  public static final int BYTES = 64 << 20;

  private ByteBuffer data;
  private Codec formatOne;

  @Setup(Level.Trial)
  public void setUp() {
    byte[] sample = BenchSupport.sample();
    data = ByteBuffer.allocate(BYTES).put(sample, 0, BYTES).flip();
    formatOne = EncryptionCodec.encryptingWith(BenchSupport.KEY, BenchSupport.RING);
  }

  private long encrypt(Codec codec) throws IOException {
    ByteBuffer all = data.duplicate();
    try (WritableByteChannel out = codec.encode(ByteChannels.discard())) {
      while (all.hasRemaining()) {
        ByteBuffer chunk = all.slice();
        chunk.limit(Math.min(chunk.remaining(), 1 << 20));
        all.position(all.position() + chunk.limit());
        ByteChannels.writeFully(out, chunk);
      }
    }
    return all.position();
  }

  /** Format 1: one codec for every backup, key derived from the master key per container. */
  @Benchmark
  public long formatOne() throws IOException {
    return encrypt(formatOne);
  }

  /** Format 2: a new codec (a new data key, wrapped to the master key) for every backup. */
  @Benchmark
  public long formatTwo() throws IOException {
    return encrypt(EnvelopeCodec.encryptingTo(List.of(Recipient.masterKey(BenchSupport.KEY))));
  }
}
