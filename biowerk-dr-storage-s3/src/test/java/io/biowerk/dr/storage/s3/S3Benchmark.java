package io.biowerk.dr.storage.s3;

import io.biowerk.dr.testkit.PairedTransfers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Upload and download throughput of a backup-sized file through {@link S3Sink} to S3Proxy
 * (filesystem backend, its own JVM, loopback), as a ratio to the SDK's own transfer of the same
 * file in the same run ({@code S3Client.putObject(RequestBody.fromFile)} and {@code
 * getObject(request, Path)}: the module has no transfer manager, which needs the CRT or async
 * client), in alternated pairs ({@link PairedTransfers}), plus peak heap. Not a test: run by {@code
 * bench/cloud-bench.sh} as docs/benchmarks.md says.
 *
 * <pre>
 * java -Xmx64m -cp $CP io.biowerk.dr.storage.s3.S3Benchmark 1024 2 5 5
 * #                                                MiB, parallelism, part MiB, pairs
 * </pre>
 */
public final class S3Benchmark {

  private S3Benchmark() {}

  public static void main(String[] args) throws Exception {
    long size = Long.parseLong(args.length > 0 ? args[0] : "1024") << 20;
    int parallelism = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    int partSize = (args.length > 2 ? Integer.parseInt(args[2]) : 8) << 20;
    int pairs = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    Path work = Files.createTempDirectory(Paths.get("target").toAbsolutePath(), "s3-bench-");
    Path file = work.resolve("backup.bin");
    Path downloaded = work.resolve("download.bin");
    PairedTransfers.writeIncompressible(file, size);
    S3ProxyServer server = S3ProxyServer.start();
    try {
      String bucket = server.newBucket("bench");
      S3Client sdk = server.admin();
      System.out.printf(
          Locale.ROOT,
          "s3: object %d MiB, parallelism %d, part and range %d MiB, -Xmx %d MiB, %d cores%n",
          size >> 20,
          parallelism,
          partSize >> 20,
          Runtime.getRuntime().maxMemory() >> 20,
          Runtime.getRuntime().availableProcessors());
      try (S3Sink sink =
          S3Sink.open(
              server
                  .options(bucket)
                  .partSize(partSize)
                  .rangeSize(partSize)
                  .parallelism(parallelism)
                  .build())) {
        Path warm = work.resolve("warm.bin");
        PairedTransfers.writeIncompressible(
            warm, 128L << 20); // JIT, connection pools, S3Proxy's JIT
        PairedTransfers.upload(sink, "warm.bin", warm);
        PairedTransfers.download(sink, "warm.bin", downloaded);
        sdk.putObject(b -> b.bucket(bucket).key("sdk.bin"), RequestBody.fromFile(warm));
        Files.delete(downloaded);
        sdk.getObject(b -> b.bucket(bucket).key("sdk.bin"), downloaded);
        sink.delete("warm.bin");
        sdk.deleteObject(b -> b.bucket(bucket).key("sdk.bin"));
        Files.delete(downloaded);

        PairedTransfers ups = new PairedTransfers("s3 upload");
        PairedTransfers downs = new PairedTransfers("s3 download");
        for (int i = 0; i < pairs; i++) {
          ups.pair(
              () -> {
                sdk.putObject(b -> b.bucket(bucket).key("sdk.bin"), RequestBody.fromFile(file));
                return size;
              },
              () -> PairedTransfers.upload(sink, "sink.bin", file),
              () -> {
                sdk.deleteObject(b -> b.bucket(bucket).key("sdk.bin"));
                sink.delete("sink.bin");
                return 0;
              });
        }
        PairedTransfers.upload(sink, "bench.bin", file); // both download the same object
        for (int i = 0; i < pairs; i++) {
          downs.pair(
              () -> {
                sdk.getObject(b -> b.bucket(bucket).key("bench.bin"), downloaded);
                return Files.size(downloaded);
              },
              () -> PairedTransfers.download(sink, "bench.bin", downloaded),
              () -> {
                Files.deleteIfExists(downloaded);
                return 0;
              });
        }
        System.out.println(PairedTransfers.header());
        System.out.println(ups.row());
        System.out.println(downs.row());
      }
    } finally {
      server.close();
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
