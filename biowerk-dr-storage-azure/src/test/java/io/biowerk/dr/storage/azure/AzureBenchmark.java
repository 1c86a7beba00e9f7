package io.biowerk.dr.storage.azure;

import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.models.AccessTier;
import com.azure.storage.blob.models.ParallelTransferOptions;
import com.azure.storage.blob.options.BlobDownloadToFileOptions;
import com.azure.storage.blob.options.BlobUploadFromFileOptions;
import io.biowerk.dr.testkit.PairedTransfers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

/**
 * Upload and download throughput of a backup-sized file through {@link AzureSink} to Azurite
 * (in-memory, loopback), as a ratio to the SDK's own high-level transfer of the same file in the
 * same run ({@code BlobClient.uploadFromFile} and {@code downloadToFile}, with the same block size
 * and concurrency), in alternated pairs ({@link PairedTransfers}), plus peak heap. Not a test: run
 * by {@code bench/cloud-bench.sh} as docs/benchmarks.md says.
 *
 * <pre>
 * java -Xmx64m -cp $CP io.biowerk.dr.storage.azure.AzureBenchmark 1024 2 4 5
 * #                                                   MiB, parallelism, block MiB, pairs
 * </pre>
 */
public final class AzureBenchmark {

  private AzureBenchmark() {}

  public static void main(String[] args) throws Exception {
    long size = Long.parseLong(args.length > 0 ? args[0] : "1024") << 20;
    int parallelism = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    int blockSize = (args.length > 2 ? Integer.parseInt(args[2]) : 8) << 20;
    int pairs = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    Path work = Files.createTempDirectory(Paths.get("target").toAbsolutePath(), "azure-bench-");
    Path file = work.resolve("backup.bin");
    Path downloaded = work.resolve("download.bin");
    PairedTransfers.writeIncompressible(file, size);
    try (AzuriteServer server = AzuriteServer.start()) {
      String container = server.newContainer("bench");
      System.out.printf(
          Locale.ROOT,
          "azure: object %d MiB, parallelism %d, block and range %d MiB, -Xmx %d MiB, %d cores%n",
          size >> 20,
          parallelism,
          blockSize >> 20,
          Runtime.getRuntime().maxMemory() >> 20,
          Runtime.getRuntime().availableProcessors());
      ParallelTransferOptions upload =
          new ParallelTransferOptions()
              .setBlockSizeLong((long) blockSize)
              .setMaxSingleUploadSizeLong((long) blockSize)
              .setMaxConcurrency(parallelism);
      com.azure.storage.common.ParallelTransferOptions download =
          new com.azure.storage.common.ParallelTransferOptions()
              .setBlockSizeLong((long) blockSize)
              .setMaxConcurrency(parallelism);
      try (AzureSink sink =
          AzureSink.open(
              server
                  .options(container)
                  .blockSize(blockSize)
                  .parallelism(parallelism)
                  .tier("daily", AccessTier.HOT)
                  .build())) {
        BlobClient sdk = server.admin().getBlobContainerClient(container).getBlobClient("sdk.bin");
        Path warm = work.resolve("warm.bin");
        PairedTransfers.writeIncompressible(warm, 128L << 20); // JIT, connection pools, Azurite
        PairedTransfers.upload(sink, "warm.bin", warm);
        PairedTransfers.download(sink, "warm.bin", downloaded);
        sdk.uploadFromFileWithResponse(
            new BlobUploadFromFileOptions(warm.toString()).setParallelTransferOptions(upload),
            null,
            null);
        Files.delete(downloaded);
        sdk.downloadToFileWithResponse(
            new BlobDownloadToFileOptions(downloaded.toString())
                .setParallelTransferOptions(download),
            null,
            null);
        sink.delete("warm.bin");
        sdk.delete();

        PairedTransfers ups = new PairedTransfers("azure upload");
        PairedTransfers downs = new PairedTransfers("azure download");
        for (int i = 0; i < pairs; i++) {
          ups.pair(
              () -> {
                sdk.uploadFromFileWithResponse(
                    new BlobUploadFromFileOptions(file.toString())
                        .setParallelTransferOptions(upload),
                    null,
                    null);
                return size;
              },
              () -> PairedTransfers.upload(sink, "sink.bin", file),
              () -> {
                sdk.deleteIfExists();
                sink.delete("sink.bin");
                return 0;
              });
        }
        PairedTransfers.upload(sink, "bench.bin", file); // both download the same blob
        Files.deleteIfExists(downloaded); // downloadToFile refuses to overwrite
        BlobClient same =
            server.admin().getBlobContainerClient(container).getBlobClient("bench.bin");
        for (int i = 0; i < pairs; i++) {
          downs.pair(
              () -> {
                same.downloadToFileWithResponse(
                    new BlobDownloadToFileOptions(downloaded.toString())
                        .setParallelTransferOptions(download),
                    null,
                    null);
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
      try (var files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
