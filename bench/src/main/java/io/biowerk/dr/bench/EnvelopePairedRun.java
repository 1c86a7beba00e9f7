package io.biowerk.dr.bench;

import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.Recipient;
import io.biowerk.dr.core.internal.ByteChannels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import java.util.List;

/**
 * Format 1 against format 2 encryption in interleaved pairs in one warm JVM, so that load changes
 * on a shared machine hit both alike: each round encrypts the same 64 MiB once with each (order
 * alternating), and the ratio of each pair is taken. Prints the median MB/s of each and the median
 * and range of the per-pair ratio v2/v1. {@code java -cp benchmarks.jar
 * io.biowerk.dr.bench.EnvelopePairedRun [pairs, default 30]}
 */
public final class EnvelopePairedRun {
  private EnvelopePairedRun() {}

  static long nanos(Codec codec, ByteBuffer data) throws IOException {
    ByteBuffer all = data.duplicate();
    long t0 = System.nanoTime();
    try (WritableByteChannel out = codec.encode(ByteChannels.discard())) {
      while (all.hasRemaining()) {
        ByteBuffer chunk = all.slice();
        chunk.limit(Math.min(chunk.remaining(), 1 << 20));
        all.position(all.position() + chunk.limit());
        ByteChannels.writeFully(out, chunk);
      }
    }
    return System.nanoTime() - t0;
  }

  public static void main(String[] args) throws IOException {
    int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    int bytes = 64 << 20;
    ByteBuffer data = ByteBuffer.allocate(bytes).put(BenchSupport.sample(), 0, bytes).flip();
    Codec one = EncryptionCodec.encryptingWith(BenchSupport.KEY, BenchSupport.RING);
    for (int i = 0; i < 10; i++) { // warm-up of both paths
      nanos(one, data);
      nanos(EnvelopeCodec.encryptingTo(List.of(Recipient.masterKey(BenchSupport.KEY))), data);
    }
    double[] v1 = new double[pairs];
    double[] v2 = new double[pairs];
    double[] ratio = new double[pairs];
    for (int i = 0; i < pairs; i++) {
      Codec two = EnvelopeCodec.encryptingTo(List.of(Recipient.masterKey(BenchSupport.KEY)));
      long a;
      long b;
      if (i % 2 == 0) {
        a = nanos(one, data);
        b = nanos(two, data);
      } else {
        b = nanos(two, data);
        a = nanos(one, data);
      }
      v1[i] = bytes / 1e6 / (a / 1e9);
      v2[i] = bytes / 1e6 / (b / 1e9);
      ratio[i] = v2[i] / v1[i];
    }
    Arrays.sort(v1);
    Arrays.sort(v2);
    Arrays.sort(ratio);
    System.out.printf(
        "pairs %d of 64 MiB: format 1 median %.0f MB/s, format 2 median %.0f MB/s;"
            + " per-pair ratio v2/v1 median %.3f (min %.3f, max %.3f, middle half %.3f-%.3f)%n",
        pairs,
        v1[pairs / 2],
        v2[pairs / 2],
        ratio[pairs / 2],
        ratio[0],
        ratio[pairs - 1],
        ratio[pairs / 4],
        ratio[3 * pairs / 4]);
  }
}
