package io.biowerk.dr.bench;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceStream;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.Recipient;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.keys.Rewrap;
import io.biowerk.dr.core.local.LocalSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * How long {@code keys rewrap} takes over N backups on the local sink, and what it reads and
 * writes. Makes N format-2 backups (zstd-1 then the envelope codec, wrapped to one master key) of
 * {@code size} bytes each under {@code -Dbench.dir} (default /dev/shm), through the library in one
 * JVM on {@code threads} threads, then runs one {@link Rewrap} to a new key: the library call that
 * {@code biowerk-dr keys rewrap} makes for each repository.
 *
 * <p>Prints the time of the rewrap, what {@link Rewrap.Outcome} counts (bytes read: first segments;
 * bytes written: manifests), and, independently of that, a comparison of the repository listing
 * before and after (path, size, modification time and file key of every file): how many files were
 * added, replaced, changed or removed and the sum of their sizes (the bytes the rewrap wrote), and
 * how many data objects ({@code *.enc}) changed at all (expected 0).
 *
 * <p>{@code java -cp benchmarks.jar io.biowerk.dr.bench.RewrapRun [backups, default 10000] [bytes
 * per backup, default 262144] [threads making backups, default the processor count]}
 */
public final class RewrapRun {
  private RewrapRun() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    int backups = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int size = args.length > 1 ? Integer.parseInt(args[1]) : 256 << 10;
    int threads =
        args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
    // Only as much sample as one backup reads: the 256 MiB shared sample takes longer to generate
    // than a repository of small backups takes to make.
    byte[] sample = SqlDumpData.generate(42, Math.max(size, 1 << 20));
    Path root = BenchSupport.sinkRoot();
    try {
      MasterKey old = new MasterKey("k-old", new byte[32]);
      MasterKey fresh = MasterKey.generate("k-new");
      Instant t = Instant.parse("2026-01-01T00:00:00Z");
      long made = System.nanoTime();
      makeBackups(root, sample, size, backups, threads, old, t);
      System.out.printf(
          "made %d backups of %d bytes on %d threads in %.1f s%n",
          backups, size, threads, (System.nanoTime() - made) / 1e9);
      Map<String, FileState> before = listing(root);
      KeyRing ring = KeyRing.of(fixed(old), fixed(fresh));
      System.out.printf("load average before the rewrap: %s%n", loadAverage());
      long t0 = System.nanoTime();
      Rewrap.Outcome outcome = Rewrap.of(LocalSink.open(root), ring, fresh).run();
      double seconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf("load average after the rewrap: %s%n", loadAverage());
      Map<String, FileState> after = listing(root);
      System.out.printf(
          "rewrap: %d of %d backups in %.2f s (%.0f backups/s); Outcome: read %d bytes (first"
              + " segments), wrote %d bytes (manifests, %d bytes per backup)%n",
          outcome.rewrapped(),
          outcome.backups(),
          seconds,
          outcome.rewrapped() / seconds,
          outcome.bytesRead(),
          outcome.bytesWritten(),
          outcome.bytesWritten() / Math.max(1, outcome.rewrapped()));
      compare(before, after);
    } finally {
      BenchSupport.deleteTree(root);
    }
  }

  /**
   * N backups through {@link BackupJob}, each with its own clock a minute apart, on {@code threads}
   * threads. Each thread backs up its own source ({@code sqldump-<thread>}), one backup after
   * another: two jobs of the same source into one repository at once are not supported (each clears
   * the other's in-progress files), as with two backup commands for one source.
   */
  static void makeBackups(
      Path root, byte[] sample, int size, int backups, int threads, MasterKey key, Instant t)
      throws IOException, InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>(threads);
      for (int k = 0; k < threads; k++) {
        int thread = k;
        done.add(
            pool.submit(
                () -> {
                  Source source = named(new MemorySource(sample, size), "sqldump-" + thread);
                  for (int i = thread; i < backups; i += threads) {
                    BackupJob.of(source)
                        .codecs(
                            ZstdCodec.of(1, 0, 0),
                            EnvelopeCodec.encryptingTo(List.of(Recipient.masterKey(key))))
                        .sinks(LocalSink.open(root))
                        .clock(Clock.fixed(t.plus(Duration.ofMinutes(i)), ZoneOffset.UTC))
                        .build()
                        .run();
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } catch (ExecutionException e) {
      throw new IOException("making a benchmark backup failed: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  /** The source under another name, so each thread's backups go to their own directory. */
  static Source named(Source source, String name) {
    return new Source() {
      @Override
      public String kind() {
        return source.kind();
      }

      @Override
      public String name() {
        return name;
      }

      @Override
      public String format() {
        return source.format();
      }

      @Override
      public SourceStream open() throws IOException {
        return source.open();
      }
    };
  }

  /** The first three fields of /proc/loadavg (1, 5, 15 minutes), or "unknown" off Linux. */
  static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split(" ", -1);
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /** One file's size, modification time (ns) and file key (inode): replaced files differ. */
  record FileState(long size, long mtimeNanos, Object fileKey) {}

  /** Every regular file under root, by path relative to root. */
  static Map<String, FileState> listing(Path root) throws IOException {
    Map<String, FileState> result = new HashMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        if (a.isRegularFile()) {
          result.put(
              root.relativize(file).toString(),
              new FileState(
                  a.size(),
                  a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS),
                  a.fileKey()));
        }
      }
    }
    return result;
  }

  /** Prints what differs between two listings, split into data objects and everything else. */
  static void compare(Map<String, FileState> before, Map<String, FileState> after) {
    long[] data = new long[6]; // files before, bytes before, changed, added, removed, bytes written
    long[] small = new long[6];
    for (Map.Entry<String, FileState> e : before.entrySet()) {
      long[] c = e.getKey().endsWith(".enc") ? data : small;
      c[0]++;
      c[1] += e.getValue().size();
      FileState now = after.get(e.getKey());
      if (now == null) {
        c[4]++;
      } else if (!now.equals(e.getValue())) {
        c[2]++;
        c[5] += now.size();
      }
    }
    for (Map.Entry<String, FileState> e : after.entrySet()) {
      if (!before.containsKey(e.getKey())) {
        long[] c = e.getKey().endsWith(".enc") ? data : small;
        c[3]++;
        c[5] += e.getValue().size();
      }
    }
    System.out.printf(
        "listing before/after: data objects (*.enc): %d files, %d bytes before; %d changed, %d"
            + " added, %d removed, %d bytes written%n",
        data[0], data[1], data[2], data[3], data[4], data[5]);
    System.out.printf(
        "listing before/after: other objects (manifests, side files): %d files, %d bytes before;"
            + " %d changed, %d added, %d removed, %d bytes now in changed or added files%n",
        small[0], small[1], small[2], small[3], small[4], small[5]);
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
