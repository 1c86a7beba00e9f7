package io.biowerk.dr.storage.gcs;

import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.internal.ByteChannels;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Upload and download throughput of a backup-sized file through {@link GcsSink} against the
 * client's own high-level calls on the same bytes ({@code Storage.createFrom} of the file, {@code
 * Storage.downloadTo} a file), in the same run, with the peak heap of this JVM. The service is
 * {@link JsonApiTestServer} (a test double of the JSON API, not Cloud Storage) in a second JVM on
 * loopback, so the heap measured is the client's alone. Not a test: run it by hand as
 * docs/benchmarks.md says.
 *
 * <pre>
 * java -Xmx4g -cp $CP io.biowerk.dr.storage.gcs.GcsBenchmark server 18080 &amp;
 * java -Xmx64m -cp $CP io.biowerk.dr.storage.gcs.GcsBenchmark http://127.0.0.1:18080 1024 8 4 2
 * #                                                             endpoint, MiB, chunk MiB, range MiB, parallelism
 * </pre>
 */
public final class GcsBenchmark {

  private GcsBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("server")) {
      JsonApiTestServer server = new JsonApiTestServer(Integer.parseInt(args[1])).bucket("bench");
      System.out.println(
          "JsonApiTestServer (a test double of the JSON API) at " + server.endpoint());
      Thread.sleep(Long.MAX_VALUE);
      return;
    }
    URI endpoint = URI.create(args[0]);
    long size = Long.parseLong(args[1]) << 20;
    int chunk = Integer.parseInt(args[2]) << 20;
    int range = Integer.parseInt(args[3]) << 20;
    int parallelism = Integer.parseInt(args[4]);
    Path work = Files.createTempDirectory(Paths.get("target").toAbsolutePath(), "gcs-bench-");
    Path file = work.resolve("backup.bin");
    writeFile(file, size);
    GcsOptions options =
        GcsOptions.builder("bench")
            .endpoint(endpoint)
            .anonymous(true)
            .chunkSize(chunk)
            .rangeSize(range)
            .parallelism(parallelism)
            .build();
    System.out.printf(
        Locale.ROOT,
        "object %d MiB, chunk %d MiB, range %d MiB x %d, -Xmx %d MiB, %d cores%n",
        size >> 20,
        chunk >> 20,
        range >> 20,
        parallelism,
        Runtime.getRuntime().maxMemory() >> 20,
        Runtime.getRuntime().availableProcessors());
    try (GcsSink sink = GcsSink.open(options)) {
      Storage storage = sink.storage();
      BlobInfo anchorInfo = BlobInfo.newBuilder("bench", "anchor.bin").build();
      // warm-up: JIT and connections, 64 MiB each way
      Path warm = work.resolve("warm.bin");
      writeFile(warm, 64L << 20);
      sinkUpload(sink, "warm.bin", warm);
      sinkDownload(sink, "warm.bin", work.resolve("warm.out"));
      storage.createFrom(BlobInfo.newBuilder("bench", "warm2.bin").build(), warm, chunk);
      storage.downloadTo(BlobId.of("bench", "warm2.bin"), work.resolve("warm2.out"));
      sink.delete("warm.bin");
      storage.delete(BlobId.of("bench", "warm2.bin"));

      Result anchorUp =
          measure(
              () -> {
                storage.createFrom(anchorInfo, file, chunk);
                return size;
              });
      storage.delete(anchorInfo.getBlobId()); // frees the test double's memory
      Result sinkUp = measure(() -> sinkUpload(sink, "backup.bin", file));
      Result sinkDown = measure(() -> sinkDownload(sink, "backup.bin", work.resolve("sink.out")));
      sink.copy("backup.bin", "anchor.bin");
      sink.delete("backup.bin");
      Result anchorDown =
          measure(
              () -> {
                storage.downloadTo(BlobId.of("bench", "anchor.bin"), work.resolve("anchor.out"));
                return Files.size(work.resolve("anchor.out"));
              });
      storage.delete(anchorInfo.getBlobId());

      System.out.println(
          "| measurement | MiB/s | ratio to the client's own call | peak heap used |");
      System.out.println("| --- | ---: | ---: | ---: |");
      row("Storage.createFrom(file) (anchor)", anchorUp, anchorUp);
      row("GcsSink upload from the file", sinkUp, anchorUp);
      row("Storage.downloadTo(file) (anchor)", anchorDown, anchorDown);
      row("GcsSink download to a file", sinkDown, anchorDown);
    } finally {
      try (var files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /**
   * Incompressible bytes, as a zstd + aes-256-gcm backup hands its sinks: a 16 MiB random block,
   * repeated.
   */
  private static void writeFile(Path file, long size) throws IOException {
    byte[] block = new byte[16 << 20];
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
        ByteChannels.writeFully(out, ByteBuffer.wrap(block, 0, (int) Math.min(block.length, left)));
      }
    }
  }

  private static long sinkUpload(GcsSink sink, String key, Path file) throws IOException {
    long total = 0;
    ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
    try (FileChannel in = FileChannel.open(file);
        PendingWrite out = sink.openWrite(key)) {
      while (in.read(buffer.clear()) >= 0) {
        buffer.flip();
        total += buffer.remaining();
        ByteChannels.writeFully(out, buffer);
      }
      out.commit();
    }
    return total;
  }

  private static long sinkDownload(GcsSink sink, String key, Path file) throws IOException {
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
        ByteChannels.writeFully(out, buffer);
      }
    }
    return total;
  }

  record Result(long bytes, long nanos, long peakHeap) {
    double mibPerSecond() {
      return bytes / 1048576.0 / (nanos / 1e9);
    }
  }

  interface Run {
    long run() throws IOException;
  }

  private static Result measure(Run run) throws IOException {
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
      long bytes = run.run();
      return new Result(bytes, System.nanoTime() - start, peak.get());
    } finally {
      sampler.shutdownNow();
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
}
