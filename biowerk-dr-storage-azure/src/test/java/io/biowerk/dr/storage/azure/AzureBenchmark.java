package io.biowerk.dr.storage.azure;

import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.models.ParallelTransferOptions;
import com.azure.storage.blob.options.BlobUploadFromFileOptions;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.internal.ByteChannels;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Upload and download throughput of a backup-sized object through {@link AzureSink} to Azurite
 * (in-memory, loopback), as a ratio to the SDK's own high-level transfer of the same bytes in the
 * same run ({@code BlobClient.uploadFromFile} and {@code downloadToFile}, with the same block size
 * and concurrency), plus peak heap. Not a test: run it by hand as docs/benchmarks.md says ({@code
 * java -Xmx64m ... AzureBenchmark 1024 2 4 4}).
 */
public final class AzureBenchmark {

  private AzureBenchmark() {}

  public static void main(String[] args) throws Exception {
    long size = Long.parseLong(args.length > 0 ? args[0] : "1024") << 20;
    int parallelism = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    int blockSize = (args.length > 2 ? Integer.parseInt(args[2]) : 8) << 20;
    int sourceBlock = (args.length > 3 ? Integer.parseInt(args[3]) : 16) << 20;
    int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 2;
    // What a zstd + aes-256-gcm backup hands its sinks is incompressible: one random block,
    // repeated.
    byte[] block = new byte[sourceBlock];
    ByteBuffer fill = ByteBuffer.wrap(block);
    SplittableRandom random = new SplittableRandom(1);
    while (fill.remaining() >= 8) {
      fill.putLong(random.nextLong());
    }
    Path target = Paths.get("target").toAbsolutePath();
    Path file = target.resolve("azure-bench-upload.bin");
    Path downloaded = target.resolve("azure-bench-download.bin");
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
    try (AzuriteServer server = AzuriteServer.start()) {
      String container = server.newContainer("bench");
      System.out.printf(
          Locale.ROOT,
          "object %d MiB, parallelism %d, block %d MiB, source block %d MiB, -Xmx %d MiB, %d cores,"
              + " load %s%n",
          size >> 20,
          parallelism,
          blockSize >> 20,
          sourceBlock >> 20,
          Runtime.getRuntime().maxMemory() >> 20,
          Runtime.getRuntime().availableProcessors(),
          Files.readString(Paths.get("/proc/loadavg")).trim());
      ParallelTransferOptions transfer =
          new ParallelTransferOptions()
              .setBlockSizeLong((long) blockSize)
              .setMaxSingleUploadSizeLong((long) blockSize)
              .setMaxConcurrency(parallelism);
      com.azure.storage.common.ParallelTransferOptions downloadTransfer =
          new com.azure.storage.common.ParallelTransferOptions()
              .setBlockSizeLong((long) blockSize)
              .setMaxConcurrency(parallelism);
      try (AzureSink sink =
          AzureSink.open(
              server
                  .options(container)
                  .blockSize(blockSize)
                  .parallelism(parallelism)
                  .tier("daily", com.azure.storage.blob.models.AccessTier.HOT)
                  .build())) {
        BlobClient sdk = server.admin().getBlobContainerClient(container).getBlobClient("sdk.bin");
        // warm-up: JIT, connection pool
        upload(sink, "warm", block, 128L << 20);
        download(sink, "warm");
        sink.delete("warm");
        List<Result[]> results = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
          Result sdkUp =
              measure(
                  () -> {
                    sdk.uploadFromFileWithResponse(
                        new BlobUploadFromFileOptions(file.toString())
                            .setParallelTransferOptions(transfer),
                        null,
                        null);
                    return size;
                  });
          Result sinkUp = upload(sink, "postgres/daily/backup.bin", block, size);
          Result sdkDown =
              measure(
                  () -> {
                    Files.deleteIfExists(downloaded);
                    sdk.downloadToFileWithResponse(
                        new com.azure.storage.blob.options.BlobDownloadToFileOptions(
                                downloaded.toString())
                            .setParallelTransferOptions(downloadTransfer),
                        null,
                        null);
                    return Files.size(downloaded);
                  });
          Result sinkDown = download(sink, "postgres/daily/backup.bin");
          Result sinkDownToFile = downloadToFile(sink, "postgres/daily/backup.bin", downloaded);
          results.add(new Result[] {sdkUp, sinkUp, sdkDown, sinkDown, sinkDownToFile});
          sdk.delete();
          sink.delete("postgres/daily/backup.bin");
          System.out.printf(
              Locale.ROOT,
              "round %d: upload sdk %.0f sink %.0f MiB/s (%.2f); download sdk-to-file %.0f, sink %.0f"
                  + " (%.2f), sink-to-file %.0f (%.2f)%n",
              round + 1,
              sdkUp.mibPerSecond(),
              sinkUp.mibPerSecond(),
              sinkUp.mibPerSecond() / sdkUp.mibPerSecond(),
              sdkDown.mibPerSecond(),
              sinkDown.mibPerSecond(),
              sinkDown.mibPerSecond() / sdkDown.mibPerSecond(),
              sinkDownToFile.mibPerSecond(),
              sinkDownToFile.mibPerSecond() / sdkDown.mibPerSecond());
        }
        System.out.println(
            "| measurement | MiB/s (per round) | ratio to the SDK | peak heap used |");
        System.out.println("| --- | ---: | ---: | ---: |");
        row("SDK uploadFromFile (anchor)", results, 0, 0);
        row("sink upload (staged blocks)", results, 1, 0);
        row("SDK downloadToFile (anchor)", results, 2, 2);
        row("sink download (ranged reads, discarded)", results, 3, 2);
        row("sink download to a file", results, 4, 2);
      }
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(downloaded);
    }
  }

  record Result(long bytes, long nanos, long peakHeap) {
    double mibPerSecond() {
      return bytes / 1048576.0 / (nanos / 1e9);
    }
  }

  private static void row(String what, List<Result[]> results, int index, int anchor) {
    StringBuilder speeds = new StringBuilder();
    StringBuilder ratios = new StringBuilder();
    long peak = 0;
    for (Result[] round : results) {
      speeds
          .append(speeds.length() == 0 ? "" : ", ")
          .append(String.format(Locale.ROOT, "%.0f", round[index].mibPerSecond()));
      ratios
          .append(ratios.length() == 0 ? "" : ", ")
          .append(
              String.format(
                  Locale.ROOT, "%.2f", round[index].mibPerSecond() / round[anchor].mibPerSecond()));
      peak = Math.max(peak, round[index].peakHeap());
    }
    System.out.printf(Locale.ROOT, "| %s | %s | %s | %d MiB |%n", what, speeds, ratios, peak >> 20);
  }

  private static Result upload(AzureSink sink, String key, byte[] block, long size)
      throws IOException {
    return measure(
        () -> {
          try (PendingWrite out = sink.openWrite(key)) {
            for (long left = size; left > 0; left -= block.length) {
              ByteChannels.writeFully(
                  out, ByteBuffer.wrap(block, 0, (int) Math.min(block.length, left)));
            }
            out.commit();
            if (out instanceof AzureWrite write) {
              System.out.printf(
                  Locale.ROOT,
                  "sink upload of %s: block buffers peaked at %d MiB%n",
                  key,
                  write.peakBufferBytes() >> 20);
            }
          }
          return size;
        });
  }

  private static Result download(AzureSink sink, String key) throws IOException {
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

  private static Result downloadToFile(AzureSink sink, String key, Path file) throws IOException {
    return measure(
        () -> {
          Files.deleteIfExists(file);
          try (ReadableByteChannel in = sink.openRead(key);
              OutputStream out = Files.newOutputStream(file)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            while (in.read(buffer) >= 0) {
              out.write(buffer.array(), 0, buffer.position());
              buffer.clear();
            }
          }
          return Files.size(file);
        });
  }

  interface Work {
    long run() throws IOException;
  }

  private static Result measure(Work work) throws IOException {
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
      long bytes = work.run();
      return new Result(bytes, System.nanoTime() - start, peak.get());
    } finally {
      sampler.shutdownNow();
    }
  }
}
