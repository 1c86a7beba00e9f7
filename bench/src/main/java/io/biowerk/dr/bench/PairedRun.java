package io.biowerk.dr.bench;

import io.biowerk.dr.core.codec.ZstdCodec;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The chain-versus-zstd ratio measured in pairs: each round runs zstd-3 alone and then the full
 * chain (order alternating) on the same 256 MiB, back to back in one JVM, so both see the same
 * machine load; the verdict uses the median of the per-round ratios, which a shared, noisy machine
 * disturbs far less than separate runs. Also prints process CPU seconds per GB, a figure other
 * processes cannot inflate.
 *
 * <p>{@code java -cp benchmarks.jar io.biowerk.dr.bench.PairedRun [rounds] [workers...]}; run it
 * after a JMH-style warm-up of its own (two untimed rounds).
 */
public final class PairedRun {

  private PairedRun() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    int[] workers =
        args.length > 1
            ? Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray()
            : new int[] {0, 1, 2};
    byte[] sample = BenchSupport.sample();
    ByteBuffer direct = ByteBuffer.allocateDirect(sample.length).put(sample).flip();
    Path root = BenchSupport.sinkRoot();
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    var threads = ManagementFactory.getThreadMXBean();
    try {
      for (int w : workers) {
        // untimed warm-up
        for (int i = 0; i < 2; i++) {
          zstd(direct, w);
          chain(sample, w, root);
          BenchSupport.deleteTree(root);
          Files.createDirectories(root);
        }
        List<double[]> rows = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
          double[] row = new double[6];
          for (int k = 0; k < 2; k++) {
            boolean doZstd = (r + k) % 2 == 0;
            long cpu0 = os.getProcessCpuTime();
            long own0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            if (doZstd) {
              zstd(direct, w);
            } else {
              chain(sample, w, root);
            }
            long t1 = System.nanoTime();
            long cpu1 = os.getProcessCpuTime();
            long own1 = threads.getCurrentThreadCpuTime();
            if (!doZstd) {
              // outside the timed part: remove the ~70 MB the backup left
              BenchSupport.deleteTree(root);
              Files.createDirectories(root);
            }
            int at = doZstd ? 0 : 2;
            row[at] = sample.length / 1e6 / ((t1 - t0) / 1e9);
            row[at + 1] = (cpu1 - cpu0) / 1e9 / (sample.length / 1e9);
            row[4 + (doZstd ? 0 : 1)] = (own1 - own0) / 1e9 / (sample.length / 1e9);
          }
          rows.add(row);
          System.out.printf(
              "workers %d round %d: zstd %.1f MB/s (%.2f cpu-s/GB, calling thread %.2f), chain %.1f MB/s"
                  + " (%.2f cpu-s/GB, calling thread %.2f), ratio %.3f, load %.2f%n",
              w,
              r,
              row[0],
              row[1],
              row[4],
              row[2],
              row[3],
              row[5],
              row[2] / row[0],
              os.getSystemLoadAverage());
        }
        double[] ratios = rows.stream().mapToDouble(x -> x[2] / x[0]).sorted().toArray();
        double bestZstd = rows.stream().mapToDouble(x -> x[0]).max().orElseThrow();
        double bestChain = rows.stream().mapToDouble(x -> x[2]).max().orElseThrow();
        double cpuZstd = rows.stream().mapToDouble(x -> x[1]).sorted().toArray()[rows.size() / 2];
        double cpuChain = rows.stream().mapToDouble(x -> x[3]).sorted().toArray()[rows.size() / 2];
        double ownZstd = rows.stream().mapToDouble(x -> x[4]).sorted().toArray()[rows.size() / 2];
        double ownChain = rows.stream().mapToDouble(x -> x[5]).sorted().toArray()[rows.size() / 2];
        if (w == 0) {
          // With zstd on the calling thread, that thread is the critical path; the rest must fit on
          // the other core.
          System.out.printf(
              "CRITICAL-PATH workers 0: calling-thread cpu-s/GB zstd alone %.2f, chain %.2f (ratio %.3f);"
                  + " chain work off the calling thread %.2f cpu-s/GB = %.2f of a core at the zstd-alone rate%n",
              ownZstd,
              ownChain,
              ownZstd / ownChain,
              cpuChain - ownChain,
              (cpuChain - ownChain) * bestZstd / 1000);
        }
        System.out.printf(
            "SUMMARY workers %d: best zstd %.1f MB/s, best chain %.1f MB/s, best/best %.3f,"
                + " median pair ratio %.3f (min %.3f max %.3f), median cpu-s/GB zstd %.2f chain %.2f%n",
            w,
            bestZstd,
            bestChain,
            bestChain / bestZstd,
            ratios[ratios.length / 2],
            ratios[0],
            ratios[ratios.length - 1],
            cpuZstd,
            cpuChain);
      }
    } finally {
      BenchSupport.deleteTree(root);
    }
  }

  static long zstd(ByteBuffer direct, int workers) throws IOException {
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

  static long chain(byte[] sample, int workers, Path root) throws IOException {
    return BenchSupport.backup(sample, sample.length, workers, root).storedSize();
  }
}
