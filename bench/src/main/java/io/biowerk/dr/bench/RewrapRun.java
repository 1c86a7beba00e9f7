package io.biowerk.dr.bench;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.Recipient;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.keys.Rewrap;
import io.biowerk.dr.core.local.LocalSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;

/**
 * How long {@code keys rewrap} takes over N backups on the local sink, and what it reads and
 * writes: N format-2 backups of 256 KiB each (stored under {@code -Dbench.dir}, default /dev/shm),
 * then one rewrap to a new key. Prints the time, the bytes read (first segments) and written
 * (manifests only), and the data objects' total size and newest modification time before and after
 * (unchanged: no data object is written). {@code java -cp benchmarks.jar
 * io.biowerk.dr.bench.RewrapRun [backups, default 10000]}
 */
public final class RewrapRun {
  private RewrapRun() {}

  public static void main(String[] args) throws IOException {
    int backups = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    byte[] sample = BenchSupport.sample();
    Path root = BenchSupport.sinkRoot();
    try {
      MasterKey old = new MasterKey("k-old", new byte[32]);
      MasterKey fresh = MasterKey.generate("k-new");
      Instant t = Instant.parse("2026-01-01T00:00:00Z");
      long made = System.nanoTime();
      for (int i = 0; i < backups; i++) {
        BackupJob.of(new MemorySource(sample, 256 << 10))
            .codecs(
                ZstdCodec.of(1, 0, 0),
                EnvelopeCodec.encryptingTo(List.of(Recipient.masterKey(old))))
            .sinks(LocalSink.open(root))
            .clock(Clock.fixed(t.plus(Duration.ofMinutes(i)), ZoneOffset.UTC))
            .build()
            .run();
      }
      System.out.printf("made %d backups in %.1f s%n", backups, (System.nanoTime() - made) / 1e9);
      long[] before = dataObjects(root);
      KeyRing ring = KeyRing.of(fixed(old), fixed(fresh));
      long t0 = System.nanoTime();
      Rewrap.Outcome outcome = Rewrap.of(LocalSink.open(root), ring, fresh).run();
      double seconds = (System.nanoTime() - t0) / 1e9;
      long[] after = dataObjects(root);
      System.out.printf(
          "rewrap: %d of %d backups in %.2f s (%.0f backups/s); read %d bytes (first segments),"
              + " wrote %d bytes (manifests, %d bytes per backup); data objects: %d bytes, newest"
              + " mtime %d before and %d bytes, %d after%n",
          outcome.rewrapped(),
          outcome.backups(),
          seconds,
          outcome.rewrapped() / seconds,
          outcome.bytesRead(),
          outcome.bytesWritten(),
          outcome.bytesWritten() / Math.max(1, outcome.rewrapped()),
          before[0],
          before[1],
          after[0],
          after[1]);
    } finally {
      BenchSupport.deleteTree(root);
    }
  }

  /** [total bytes, newest modification time in ms] of the data objects ({@code *.enc}). */
  static long[] dataObjects(Path root) throws IOException {
    long[] result = new long[2];
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        if (file.toString().endsWith(".enc")) {
          result[0] += Files.size(file);
          result[1] = Math.max(result[1], Files.getLastModifiedTime(file).toMillis());
        }
      }
    }
    return result;
  }

  /** A key provider holding one benchmark key. */
  static io.biowerk.dr.core.KeyProvider fixed(MasterKey key) {
    return new io.biowerk.dr.core.KeyProvider() {
      @Override
      public java.util.Optional<MasterKey> key(String id) {
        return java.util.Optional.ofNullable(key.id().equals(id) ? key : null);
      }

      @Override
      public java.util.Optional<String> activeKeyId() {
        return java.util.Optional.of(key.id());
      }

      @Override
      public java.util.Set<String> keyIds() {
        return java.util.Set.of(key.id());
      }
    };
  }
}
