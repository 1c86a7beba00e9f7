package io.biowerk.dr.testkit;

import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.Sink;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A benchmark harness for a transfer measured against an anchor on the same bytes in the same run:
 * pairs of (anchor, ours) alternate which goes first (pair 1 anchor first, pair 2 ours first, ...),
 * so a change of machine load during a run falls on both sides; each pair gives a ratio, and the
 * median of the ratios is the figure to report, with the range. Also records the peak heap in use
 * ({@code totalMemory - freeMemory}, sampled every 10 ms, garbage included) and the load average
 * before each pair. Used by the storage modules' benchmarks; not a test, and never asserts a speed.
 *
 * <p>Not thread-safe.
 */
public final class PairedTransfers {

  /** One measured transfer: it moves bytes and says how many. */
  @FunctionalInterface
  public interface Transfer {
    /**
     * Runs the transfer once.
     *
     * @return the bytes moved
     * @throws IOException if the transfer fails (the benchmark stops)
     */
    long run() throws IOException;
  }

  /** What one side of a pair measured. */
  public record Result(long bytes, long nanos, long peakHeap) {
    /** Throughput in MiB (2^20 bytes) per second. */
    public double mibPerSecond() {
      return bytes / 1048576.0 / (nanos / 1e9);
    }
  }

  private final String name;
  private final List<Result[]> pairs = new ArrayList<>();
  private final List<String> loads = new ArrayList<>();

  /**
   * A comparison named {@code name} (e.g. {@code "azure download"}).
   *
   * @param name what is compared, printed in every line
   */
  public PairedTransfers(String name) {
    this.name = name;
  }

  /**
   * Runs one pair: the anchor and ours, in the order this pair's number gives (odd: anchor first).
   * {@code between} runs after each side (to delete what an upload left, for example) and is not
   * timed.
   *
   * @throws IOException if either side or {@code between} fails
   */
  public void pair(Transfer anchor, Transfer ours, Transfer between) throws IOException {
    loads.add(loadAverage());
    boolean anchorFirst = pairs.size() % 2 == 0;
    Result a;
    Result o;
    if (anchorFirst) {
      a = measure(anchor);
      between.run();
      o = measure(ours);
      between.run();
    } else {
      o = measure(ours);
      between.run();
      a = measure(anchor);
      between.run();
    }
    pairs.add(new Result[] {a, o});
    out()
        .printf(
            Locale.ROOT,
            "%s pair %d (%s first, load %s): anchor %.0f MiB/s, ours %.0f MiB/s, ratio %.2f,"
                + " peak heap %d / %d MiB%n",
            name,
            pairs.size(),
            anchorFirst ? "anchor" : "ours",
            loads.get(loads.size() - 1),
            a.mibPerSecond(),
            o.mibPerSecond(),
            o.mibPerSecond() / a.mibPerSecond(),
            a.peakHeap() >> 20,
            o.peakHeap() >> 20);
  }

  /** The ratio (ours / anchor) of each pair, in run order. */
  public double[] ratios() {
    return pairs.stream().mapToDouble(p -> p[1].mibPerSecond() / p[0].mibPerSecond()).toArray();
  }

  /** The median of the pairs' ratios. */
  public double medianRatio() {
    return median(ratios());
  }

  /** The most heap in use while ours ran, over all pairs. */
  public long peakHeapOurs() {
    return pairs.stream().mapToLong(p -> p[1].peakHeap()).max().orElse(0);
  }

  /** The most heap in use while the anchor ran, over all pairs. */
  public long peakHeapAnchor() {
    return pairs.stream().mapToLong(p -> p[0].peakHeap()).max().orElse(0);
  }

  /**
   * One Markdown table row: name, anchor MiB/s per pair, ours per pair, median ratio (range), peak
   * heap of both.
   */
  public String row() {
    if (pairs.isEmpty()) {
      throw new IllegalStateException("no pair was run");
    }
    double[] ratios = ratios();
    double[] sorted = ratios.clone();
    Arrays.sort(sorted);
    return String.format(
        Locale.ROOT,
        "| %s | %s | %s | **%.2f** (%.2f-%.2f) | %d / %d MiB | %s |",
        name,
        speeds(0),
        speeds(1),
        median(ratios),
        sorted[0],
        sorted[sorted.length - 1],
        peakHeapAnchor() >> 20,
        peakHeapOurs() >> 20,
        String.join(", ", loads));
  }

  /** The header of the table {@link #row()} fills. */
  public static String header() {
    return "| transfer | anchor MiB/s per pair | ours MiB/s per pair | ours / anchor, median (range)"
        + " | peak heap anchor / ours | load average per pair |\n| --- | --- | --- | ---: | ---: | --- |";
  }

  private String speeds(int side) {
    StringBuilder b = new StringBuilder();
    for (Result[] p : pairs) {
      b.append(b.length() == 0 ? "" : ", ")
          .append(String.format(Locale.ROOT, "%.0f", p[side].mibPerSecond()));
    }
    return b.toString();
  }

  /** The median of {@code values} (the mean of the middle two for an even count). */
  public static double median(double[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("no values");
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  /**
   * Runs {@code transfer} once, timing it and sampling the heap in use every 10 ms; a GC first, so
   * one side's garbage is not charged to the other.
   *
   * @throws IOException if the transfer fails
   */
  public static Result measure(Transfer transfer) throws IOException {
    System.gc();
    AtomicLong peak = new AtomicLong();
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    var unused = // the sampler only records; its future says nothing
        sampler.scheduleAtFixedRate(
            () -> {
              Runtime r = Runtime.getRuntime();
              peak.accumulateAndGet(r.totalMemory() - r.freeMemory(), Math::max);
            },
            0,
            10,
            TimeUnit.MILLISECONDS);
    try {
      long start = System.nanoTime();
      long bytes = transfer.run();
      return new Result(bytes, System.nanoTime() - start, peak.get());
    } finally {
      sampler.shutdownNow();
    }
  }

  /**
   * Writes {@code size} incompressible bytes to {@code file}, as a zstd + aes-256-gcm backup hands
   * its sinks: a 4 MiB random block with its first 8 bytes changed per block, so that no two blocks
   * are alike.
   *
   * @throws IOException if the file cannot be written
   */
  public static void writeIncompressible(Path file, long size) throws IOException {
    byte[] block = new byte[4 << 20];
    ByteBuffer fill = ByteBuffer.wrap(block);
    SplittableRandom random = new SplittableRandom(1);
    while (fill.remaining() >= 8) {
      fill.putLong(random.nextLong());
    }
    try (FileChannel out =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      for (long left = size; left > 0; left -= block.length) {
        fill.putLong(0, left);
        ByteBuffer chunk = ByteBuffer.wrap(block, 0, (int) Math.min(block.length, left));
        while (chunk.hasRemaining()) {
          out.write(chunk);
        }
      }
    }
  }

  /**
   * Stores {@code file} under {@code key} as a backup does: 1 MiB heap reads from the file written
   * to the sink's pending write, then commit.
   *
   * @return the bytes stored
   * @throws IOException if the file cannot be read or the sink fails
   */
  public static long upload(Sink sink, String key, Path file) throws IOException {
    long total = 0;
    ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
    try (FileChannel in = FileChannel.open(file);
        PendingWrite out = sink.openWrite(key)) {
      while (in.read(buffer.clear()) >= 0) {
        buffer.flip();
        total += buffer.remaining();
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
      }
      out.commit();
    }
    return total;
  }

  /**
   * Reads {@code key} into {@code file} as a restore does: 1 MiB heap reads from the sink's read
   * channel written to the file.
   *
   * @return the bytes read
   * @throws IOException if the sink fails or the file cannot be written
   */
  public static long download(Sink sink, String key, Path file) throws IOException {
    long total = 0;
    ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
    try (ReadableByteChannel in = sink.openRead(key);
        FileChannel out =
            FileChannel.open(
                file,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
      while (in.read(buffer.clear()) >= 0) {
        buffer.flip();
        total += buffer.remaining();
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
      }
    }
    return total;
  }

  /** The one-minute load average, or "?" where /proc/loadavg cannot be read. */
  public static String loadAverage() {
    try {
      return Files.readString(Paths.get("/proc/loadavg")).trim().split(" ", -1)[0];
    } catch (IOException e) {
      return "?";
    }
  }

  private static PrintStream out() {
    return System.out;
  }
}
