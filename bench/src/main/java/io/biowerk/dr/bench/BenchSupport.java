package io.biowerk.dr.bench;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.internal.FileTrees;
import io.biowerk.dr.core.local.LocalSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Shared pieces of the benchmarks: the data sample, a fixed key, the sink directory, a discarding
 * channel.
 */
final class BenchSupport {

  /** Bytes of generated dump text every benchmark cycles over (generated once per JVM). */
  static final int SAMPLE_SIZE = 256 << 20;

  /** The fixed benchmark key; a benchmark key, never a real one. */
  static final MasterKey KEY = new MasterKey("bench", new byte[32]);

  static final KeyRing RING =
      KeyRing.of(
          new KeyProvider() {
            @Override
            public Optional<MasterKey> key(String id) {
              return id.equals(KEY.id()) ? Optional.of(KEY) : Optional.empty();
            }

            @Override
            public Optional<String> activeKeyId() {
              return Optional.of(KEY.id());
            }

            @Override
            public Set<String> keyIds() {
              return Set.of(KEY.id());
            }
          });

  private static byte[] sample;

  private BenchSupport() {}

  static synchronized byte[] sample() {
    if (sample == null) {
      sample = SqlDumpData.generate(42, SAMPLE_SIZE);
    }
    return sample;
  }

  /**
   * Where the backup files go: {@code -Dbench.dir}, else {@code /dev/shm} (memory), so the figures
   * measure the pipeline and not the disk's fsync.
   */
  static Path sinkRoot() throws IOException {
    String configured = System.getProperty("bench.dir");
    Path base =
        configured != null
            ? Path.of(configured)
            : Files.isDirectory(Path.of("/dev/shm"))
                ? Path.of("/dev/shm")
                : Path.of(System.getProperty("java.io.tmpdir"));
    return Files.createTempDirectory(base, "biowerk-bench-");
  }

  static void deleteTree(Path root) throws IOException {
    FileTrees.delete(root);
  }

  /**
   * One backup of {@code total} bytes of the sample: zstd-3 with {@code workers} -> AES-256-GCM ->
   * a file.
   */
  static BackupManifest backup(byte[] sample, long total, int workers, Path root)
      throws IOException {
    return BackupJob.of(new MemorySource(sample, total))
        .codecs(ZstdCodec.of(3, workers, 0), EncryptionCodec.encryptingWith(KEY, RING))
        .sinks(LocalSink.open(root))
        .build()
        .run();
  }

  /** A channel that takes everything and keeps only the count. */
  static final class Discard implements WritableByteChannel {
    long count;

    @Override
    public int write(ByteBuffer src) {
      int n = src.remaining();
      src.position(src.limit());
      count += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
