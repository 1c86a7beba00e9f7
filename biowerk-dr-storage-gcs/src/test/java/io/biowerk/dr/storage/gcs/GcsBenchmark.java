package io.biowerk.dr.storage.gcs;

import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.Storage;
import io.biowerk.dr.testkit.PairedTransfers;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

/**
 * Upload and download throughput of a backup-sized file through {@link GcsSink} against the
 * client's own high-level calls on the same bytes ({@code Storage.createFrom} of the file, {@code
 * Storage.downloadTo} a file), in the same run, in alternated pairs ({@link
 * io.biowerk.dr.testkit.PairedTransfers}), with the peak heap of this JVM. The service is {@link
 * JsonApiTestServer} (a test double of the JSON API, not Cloud Storage) in a second JVM on
 * loopback, so the heap measured is the client's alone. Not a test: run by {@code
 * bench/cloud-bench.sh} as docs/benchmarks.md says.
 *
 * <pre>
 * java -Xmx4g -cp $CP io.biowerk.dr.storage.gcs.GcsBenchmark server 18080 &amp;
 * java -Xmx64m -cp $CP io.biowerk.dr.storage.gcs.GcsBenchmark http://127.0.0.1:18080 1024 8 4 2 5
 * #                                   endpoint, MiB, chunk MiB, range MiB, parallelism, pairs
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
    int pairs = args.length > 5 ? Integer.parseInt(args[5]) : 5;
    Path work = Files.createTempDirectory(Paths.get("target").toAbsolutePath(), "gcs-bench-");
    Path file = work.resolve("backup.bin");
    PairedTransfers.writeIncompressible(file, size);
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
      PairedTransfers.writeIncompressible(warm, 64L << 20);
      PairedTransfers.upload(sink, "warm.bin", warm);
      PairedTransfers.download(sink, "warm.bin", work.resolve("warm.out"));
      storage.createFrom(BlobInfo.newBuilder("bench", "warm2.bin").build(), warm, chunk);
      storage.downloadTo(BlobId.of("bench", "warm2.bin"), work.resolve("warm2.out"));
      sink.delete("warm.bin");
      storage.delete(BlobId.of("bench", "warm2.bin"));

      PairedTransfers ups = new PairedTransfers("gcs upload");
      PairedTransfers downs = new PairedTransfers("gcs download");
      for (int i = 0; i < pairs; i++) {
        ups.pair(
            () -> {
              storage.createFrom(anchorInfo, file, chunk);
              return size;
            },
            () -> PairedTransfers.upload(sink, "backup.bin", file),
            () -> {
              // frees the test double's memory
              storage.delete(anchorInfo.getBlobId());
              sink.delete("backup.bin");
              return 0;
            });
      }
      PairedTransfers.upload(sink, "backup.bin", file); // both download the same object
      Path out = work.resolve("download.bin");
      for (int i = 0; i < pairs; i++) {
        downs.pair(
            () -> {
              storage.downloadTo(BlobId.of("bench", "backup.bin"), out);
              return Files.size(out);
            },
            () -> PairedTransfers.download(sink, "backup.bin", out),
            () -> {
              Files.deleteIfExists(out);
              return 0;
            });
      }
      System.out.println(PairedTransfers.header());
      System.out.println(ups.row());
      System.out.println(downs.row());
    } finally {
      try (var files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
