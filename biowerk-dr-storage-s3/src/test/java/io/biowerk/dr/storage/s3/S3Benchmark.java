package io.biowerk.dr.storage.s3;

import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.internal.ByteChannels;
import io.biowerk.dr.core.local.LocalSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Upload and download throughput of a backup-sized object to S3Proxy (filesystem backend,
 * loopback), against the local-filesystem sink writing and reading the same bytes in the same run,
 * plus peak heap. Not a test: run it by hand as docs/benchmarks.md says ({@code java -Xmx256m ...
 * S3Benchmark 2048}).
 */
public final class S3Benchmark {

  private S3Benchmark() {}

  public static void main(String[] args) throws Exception {
    long size = Long.parseLong(args.length > 0 ? args[0] : "2048") << 20;
    int parallelism = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    int partSize = (args.length > 2 ? Integer.parseInt(args[2]) : 8) << 20;
    // The bytes a zstd+enc backup hands to its sinks are incompressible; one 64 MiB random block,
    // repeated,
    // keeps the generator out of the timings.
    byte[] block = new byte[16 << 20];
    ByteBuffer fill = ByteBuffer.wrap(block);
    SplittableRandom random = new SplittableRandom(1);
    while (fill.remaining() >= 8) {
      fill.putLong(random.nextLong());
    }
    Path work = Files.createTempDirectory(Paths.get("target").toAbsolutePath(), "s3-bench-");
    S3ProxyServer server = S3ProxyServer.start();
    try {
      LocalSink local = LocalSink.open(work.resolve("local"));
      String bucket = server.newBucket("bench");
      System.out.printf(
          Locale.ROOT,
          "object %d MiB, parallelism %d, part %d MiB, -Xmx %d MiB, %d cores%n",
          size >> 20,
          parallelism,
          partSize >> 20,
          Runtime.getRuntime().maxMemory() >> 20,
          Runtime.getRuntime().availableProcessors());
      try (S3Sink s3 =
              S3Sink.open(
                  server.options(bucket).partSize(partSize).parallelism(parallelism).build());
          S3Sink s3Sequential =
              S3Sink.open(server.options(bucket).partSize(partSize).parallelism(1).build())) {
        // warm-up: JIT, connection pool, S3Proxy's JIT
        upload(local, "warm", block, 256L << 20);
        upload(s3, "warm", block, 256L << 20);
        download(s3, "warm");

        Result localUp = upload(local, "backup.bin", block, size);
        Result localDown = download(local, "backup.bin");
        Result s3Up = upload(s3, "backup.bin", block, size);
        Result s3Down = download(s3, "backup.bin");
        Result s3DownSequential = download(s3Sequential, "backup.bin");

        System.gc();
        System.out.printf(
            Locale.ROOT,
            "heap in use at rest after GC (includes the 16 MiB source block): %d MiB%n",
            (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
        System.out.println("| measurement | MiB/s | ratio to local sink | peak heap used |");
        System.out.println("| --- | ---: | ---: | ---: |");
        row("local sink write (anchor)", localUp, localUp);
        row("s3 upload (multipart, " + parallelism + " parts in flight)", s3Up, localUp);
        row("local sink read (anchor)", localDown, localDown);
        row("s3 download (ranged GETs, " + parallelism + " in flight)", s3Down, localDown);
        row("s3 download (1 range at a time)", s3DownSequential, localDown);
      }
    } finally {
      server.close();
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  record Result(long bytes, long nanos, long peakHeap) {
    double mibPerSecond() {
      return bytes / 1048576.0 / (nanos / 1e9);
    }
  }

  private static void row(String what, Result result, Result anchor) {
    System.out.printf(
        Locale.ROOT,
        "| %s | %.0f | %.2f | %d MiB |%n",
        what,
        result.mibPerSecond(),
        result.mibPerSecond() / anchor.mibPerSecond(),
        result.peakHeap() >> 20);
  }

  private static Result upload(Sink sink, String key, byte[] block, long size) throws IOException {
    return measure(
        () -> {
          try (PendingWrite out = sink.openWrite(key)) {
            long left = size;
            while (left > 0) {
              int n = (int) Math.min(block.length, left);
              ByteChannels.writeFully(out, ByteBuffer.wrap(block, 0, n));
              left -= n;
            }
            long streamed = System.nanoTime();
            out.commit();
            if (out instanceof S3Write write) {
              System.out.printf(
                  Locale.ROOT,
                  "s3 upload of %s: part buffers peaked at %d MiB; commit (last parts in"
                      + " flight + CompleteMultipartUpload) took %.1f s%n",
                  key,
                  write.peakBufferBytes() >> 20,
                  (System.nanoTime() - streamed) / 1e9);
            }
          }
          return size;
        });
  }

  private static Result download(Sink sink, String key) throws IOException {
    return measure(
        () -> {
          ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
          long total = 0;
          try (ReadableByteChannel in = sink.openRead(key)) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
              total += n;
              buffer.clear();
            }
          }
          return total;
        });
  }

  interface Run {
    long run() throws IOException;
  }

  /**
   * Times {@code run}, sampling heap in use (live and not yet collected) every 10 ms after a GC.
   */
  private static Result measure(Run run) throws IOException {
    Runtime runtime = Runtime.getRuntime();
    System.gc();
    AtomicLong peak = new AtomicLong();
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    var unused = // the sampler only records; its future says nothing
        sampler.scheduleAtFixedRate(
            () -> peak.accumulateAndGet(runtime.totalMemory() - runtime.freeMemory(), Math::max),
            0,
            10,
            TimeUnit.MILLISECONDS);
    long start = System.nanoTime();
    long bytes;
    try {
      bytes = run.run();
    } finally {
      sampler.shutdownNow();
    }
    return new Result(bytes, System.nanoTime() - start, peak.get());
  }
}
