package io.biowerk.dr.bench;

import java.nio.file.Path;

/**
 * The cold-start figure in one process: the first GiB through the full chain in this fresh JVM
 * (nothing of the pipeline has run before; generating the data runs only the generator), then
 * {@code warm} more GiB in the same JVM; prints the first GiB's MB/s as a ratio to the best warm
 * GiB. Run it several times and take the median.
 *
 * <p>{@code java -Xmx2g -cp benchmarks.jar io.biowerk.dr.bench.ColdRun <workers> [warm GiB, default
 * 3]}
 */
public final class ColdRun {

  private ColdRun() {}

  public static void main(String[] args) throws Exception {
    int workers = Integer.parseInt(args[0]);
    int warm = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    byte[] sample = BenchSupport.sample();
    Path root = BenchSupport.sinkRoot();
    long gib = 1L << 30;
    try {
      long t0 = System.nanoTime();
      BenchSupport.backup(sample, gib, workers, root);
      double cold = gib / 1e6 / ((System.nanoTime() - t0) / 1e9);
      BenchSupport.deleteTree(root);
      double best = 0;
      StringBuilder warmFigures = new StringBuilder();
      for (int i = 0; i < warm; i++) {
        java.nio.file.Files.createDirectories(root);
        long t = System.nanoTime();
        BenchSupport.backup(sample, gib, workers, root);
        double mbs = gib / 1e6 / ((System.nanoTime() - t) / 1e9);
        BenchSupport.deleteTree(root);
        best = Math.max(best, mbs);
        warmFigures.append(String.format(" %.1f", mbs));
      }
      System.out.printf(
          "COLD workers %d warmup-property %s: first GiB %.1f MB/s, warm GiB%s MB/s, cold/best-warm"
              + " %.3f, load %.2f%n",
          workers,
          System.getProperty("io.biowerk.dr.enc.warmup", "true"),
          cold,
          warmFigures,
          cold / best,
          java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    } finally {
      BenchSupport.deleteTree(root);
    }
  }
}
