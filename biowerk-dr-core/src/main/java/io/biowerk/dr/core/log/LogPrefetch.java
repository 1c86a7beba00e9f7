package io.biowerk.dr.core.log;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetching with read-ahead, for a database that asks for one segment at a time (a write-ahead log's
 * {@code restore_command}): the segment asked for and the next ones in name order are fetched in
 * parallel, the next ones into a local spool directory, so the following requests are answered from
 * local disk instead of one round trip to the repository per segment. Segments in the spool are
 * checked as every fetch is; one older than the one asked for is removed.
 */
public final class LogPrefetch {

  private static final Logger LOG = LoggerFactory.getLogger(LogPrefetch.class);

  /** The suffix of a segment a receiver is still writing. */
  public static final String PARTIAL = ".partial";

  private final LogArchive archive;
  private final Path spool;
  private final int ahead;
  private final int threads;

  private LogPrefetch(LogArchive archive, Path spool, int ahead, int threads) {
    this.archive = archive;
    this.spool = spool;
    this.ahead = ahead;
    this.threads = threads;
  }

  /**
   * A fetcher over {@code archive} that keeps up to {@code ahead} segments in {@code spool},
   * fetching with up to {@code threads} in parallel.
   */
  public static LogPrefetch of(LogArchive archive, Path spool, int ahead, int threads) {
    com.google.common.base.Preconditions.checkArgument(
        ahead >= 0, "ahead (%s) may not be negative", ahead);
    com.google.common.base.Preconditions.checkArgument(
        threads >= 1, "threads (%s) must be at least 1", threads);
    return new LogPrefetch(
        requireNonNull(archive, "archive"), requireNonNull(spool, "spool"), ahead, threads);
  }

  /**
   * Puts segment {@code name} at {@code destination}, from the spool if it was fetched ahead, else
   * from the archive, and fetches the next segments into the spool before returning.
   *
   * @return false if the archive does not hold the segment
   * @throws IOException if a fetch fails (damage, wrong key, storage); a failed read-ahead only
   *     logs
   */
  public boolean fetch(String name, Path destination) throws IOException {
    Files.createDirectories(spool);
    List<String> names = ahead == 0 ? List.of() : archive.names();
    List<String> next = new ArrayList<>();
    int at = names.indexOf(name);
    for (int i = at + 1; at >= 0 && i < names.size() && next.size() < ahead; i++) {
      // a partial segment (or a piece of one) is fetched when asked for: it may still grow
      if (!names.get(i).contains(PARTIAL)) {
        next.add(names.get(i));
      }
    }
    cleanSpool(name, next);
    ExecutorService pool =
        next.isEmpty() ? null : Executors.newFixedThreadPool(Math.min(threads, next.size()));
    try {
      List<Future<Boolean>> futures = new ArrayList<>();
      for (String n : next) {
        if (!isReady(n)) {
          futures.add(pool.submit(() -> fetchReady(n)));
        }
      }
      boolean found;
      if (isReady(name) && serveReady(name, destination)) {
        found = true;
      } else {
        // A receiver stores the segment it is still writing as <name>.partial (in pieces, which
        // the archive lays down): the newest log there is.
        found =
            archive.fetch(name, destination)
                || (!names.contains(name) && archive.fetch(name + PARTIAL, destination));
      }
      for (Future<Boolean> future : futures) {
        try {
          future.get();
        } catch (java.util.concurrent.ExecutionException e) {
          LOG.warn("{} read-ahead: {}", archive.log(), e.getCause().getMessage());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException(
              archive.log() + " fetch: interrupted during read-ahead");
        }
      }
      return found;
    } finally {
      if (pool != null) {
        pool.shutdownNow();
      }
    }
  }

  private void cleanSpool(String asked, List<String> keep) throws IOException {
    long stale = System.currentTimeMillis() - STALE_TEMP.toMillis();
    try (Stream<Path> files = Files.list(spool)) {
      for (Path file : files.toList()) {
        String n = file.getFileName().toString();
        boolean temp = n.endsWith(".tmp") || n.endsWith(PART);
        if (n.startsWith(".")) {
          // another process's work in progress is left alone; a crashed one's is removed later
          if (temp && lastModified(file) < stale) {
            Files.deleteIfExists(file);
          }
        } else if (!n.equals(asked)
            && !keep.contains(n)
            && n.compareTo(asked) < 0
            && !n.equals(asked + SHA256)) {
          Files.deleteIfExists(file);
        }
      }
    }
  }

  private static long lastModified(Path file) {
    try {
      return Files.getLastModifiedTime(file).toMillis();
    } catch (IOException gone) {
      return Long.MAX_VALUE;
    }
  }

  /** The suffix of a ready segment's checksum file in the spool (SHA-256, hex, one line). */
  public static final String SHA256 = ".sha256";

  private static final String PART = ".part";

  /** How old a temporary file in the spool must be before a cleaning removes it. */
  static final Duration STALE_TEMP = Duration.ofMinutes(10);

  /** The file in the spool naming the segment the database asked for last (launcher-written). */
  public static final String WANTED = ".wanted";

  /** The file naming a segment a launcher waits for (fetched even if it was fetched before). */
  public static final String WAITING = ".waiting";

  /** The file naming a waited-for segment the archive does not hold (the launcher gives up). */
  public static final String ABSENT = ".absent";

  /** The file naming a waited-for segment whose fetch failed (the launcher falls back). */
  public static final String FAILED = ".failed";

  /**
   * Whether {@code name} is ready in the spool: the segment and its checksum file are there. The
   * checksum file is written before the segment is renamed into place, so a segment without one is
   * never served.
   */
  boolean isReady(String name) {
    return Files.isRegularFile(spool.resolve(name))
        && Files.isRegularFile(spool.resolve(name + SHA256));
  }

  /**
   * Fetches {@code name} into the spool as a ready segment: the archive decodes it and checks both
   * its checksums, it is synced, its SHA-256 is written (synced, renamed) beside it, and only then
   * is it renamed to its name; a partial file never carries a segment's name.
   *
   * @return false if the archive does not hold it
   */
  boolean fetchReady(String name) throws IOException {
    Path part = spool.resolve("." + name + PART);
    if (!archive.fetch(name, part)) {
      return false;
    }
    try {
      Path sum = spool.resolve(name + SHA256);
      Path sumTemp = spool.resolve("." + name + SHA256 + ".tmp");
      try (FileChannel out =
          FileChannel.open(
              sumTemp,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer line =
            ByteBuffer.wrap((sha256(part) + "\n").getBytes(StandardCharsets.US_ASCII));
        while (line.hasRemaining()) {
          out.write(line);
        }
        out.force(true);
      }
      Files.move(sumTemp, sum, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Files.move(
          part,
          spool.resolve(name),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      return true;
    } finally {
      Files.deleteIfExists(part);
    }
  }

  /**
   * Moves ready segment {@code name} to {@code destination} and checks it there against its
   * checksum file before anyone reads it; a mismatch deletes both and returns false.
   */
  private boolean serveReady(String name, Path destination) throws IOException {
    Path sum = spool.resolve(name + SHA256);
    String expected;
    try {
      expected = Files.readString(sum, StandardCharsets.US_ASCII).strip();
    } catch (java.nio.file.NoSuchFileException gone) {
      return false;
    }
    try {
      Files.move(spool.resolve(name), destination, StandardCopyOption.REPLACE_EXISTING);
    } catch (java.nio.file.NoSuchFileException gone) {
      return false;
    }
    Files.deleteIfExists(sum);
    if (!sha256(destination).equals(expected)) {
      LOG.warn(
          "{} fetch: {} in the spool {} did not match its checksum; fetching it again from the"
              + " archive",
          archive.log(),
          name,
          spool);
      Files.deleteIfExists(destination);
      return false;
    }
    return true;
  }

  static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
      while (in.read(buffer) >= 0) {
        buffer.flip();
        digest.update(buffer);
        buffer.clear();
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /**
   * The long-running prefetcher a launcher starts for a recovering database: keeps the {@code
   * ahead} segments after the one named in {@code <spool>/.wanted} ready in the spool (each as
   * {@code fetchReady} leaves it), fetching {@code threads} at a time, so that the database's
   * {@code restore_command} (the launcher script) only moves a ready, checksummed file into place
   * and no JVM starts per segment. A segment named in {@code .waiting} is fetched even if it was
   * served before; if the archive lacks it, its name goes to {@code .absent}, if its fetch fails,
   * to {@code .failed} (the launcher then takes the JVM path, which reports why). Segments before
   * the wanted one are removed. Returns when {@code .wanted} has not changed for {@code idle}, or
   * it or the spool is gone.
   */
  public void keepAhead(Duration idle) throws IOException {
    Files.createDirectories(spool);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    Map<String, Future<Boolean>> inFlight = new HashMap<>();
    Set<String> produced = new HashSet<>();
    // a failed fetch is tried again only after a pause (the JVM path reports the failure)
    Map<String, Long> failedAt = new HashMap<>();
    List<String> names = archive.names();
    long listedAt = System.nanoTime();
    String wanted = null;
    long changedAt = System.nanoTime();
    try {
      while (Files.isDirectory(spool)) {
        String now = readName(WANTED);
        if (now == null && wanted != null && !Files.exists(spool.resolve(WANTED))) {
          LOG.info("{} prefetch: the spool {} is being removed; stopping", archive.log(), spool);
          return;
        }
        if (now != null && !now.equals(wanted)) {
          wanted = now;
          changedAt = System.nanoTime();
          final String w = wanted;
          produced.removeIf(n -> n.compareTo(w) < 0);
          cleanSpool(wanted, List.of());
        }
        if (System.nanoTime() - changedAt > idle.toNanos()) {
          LOG.info("{} prefetch: idle for {} s; stopping", archive.log(), idle.toSeconds());
          return;
        }
        // finished fetches
        for (var it = inFlight.entrySet().iterator(); it.hasNext(); ) {
          var done = it.next();
          if (!done.getValue().isDone()) {
            continue;
          }
          it.remove();
          String n = done.getKey();
          try {
            if (done.getValue().get()) {
              produced.add(n);
            } else if (n.equals(readName(WAITING))) {
              writeName(ABSENT, n);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("prefetch: interrupted");
          } catch (java.util.concurrent.ExecutionException e) {
            LOG.warn("{} prefetch of {}: {}", archive.log(), n, e.getCause().getMessage());
            failedAt.put(n, System.nanoTime());
            if (n.equals(readName(WAITING))) {
              writeName(FAILED, n);
            }
          }
        }
        String waiting = readName(WAITING);
        boolean stale = System.nanoTime() - listedAt > LIST_INTERVAL.toNanos();
        if (waiting != null
            && !isReady(waiting)
            && !inFlight.containsKey(waiting)
            && !waiting.equals(readName(FAILED))
            && !waiting.equals(readName(ABSENT))) {
          if (!names.contains(waiting) && stale) {
            names = archive.names();
            listedAt = System.nanoTime();
          }
          if (names.contains(waiting)) {
            final String n = waiting;
            inFlight.put(n, pool.submit(() -> fetchReady(n)));
          } else if (System.nanoTime() - listedAt < LIST_INTERVAL.toNanos()) {
            writeName(ABSENT, waiting);
          }
        }
        if (wanted != null) {
          List<String> next = after(names, wanted);
          if (next.size() < ahead && stale) {
            names = archive.names();
            listedAt = System.nanoTime();
            next = after(names, wanted);
          }
          for (String n : next) {
            if (inFlight.size() >= threads) {
              break;
            }
            Long failed = failedAt.get(n);
            if (failed != null && System.nanoTime() - failed < RETRY_PAUSE.toNanos()) {
              continue;
            }
            if (!produced.contains(n) && !inFlight.containsKey(n) && !isReady(n)) {
              inFlight.put(n, pool.submit(() -> fetchReady(n)));
            }
          }
        }
        sleep(POLL);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private List<String> after(List<String> names, String wanted) {
    List<String> next = new ArrayList<>();
    for (String n : names) {
      if (n.compareTo(wanted) > 0 && !n.contains(PARTIAL)) {
        next.add(n);
        if (next.size() == ahead) {
          break;
        }
      }
    }
    return next;
  }

  private static final Duration POLL = Duration.ofMillis(20);
  private static final Duration LIST_INTERVAL = Duration.ofSeconds(1);
  private static final Duration RETRY_PAUSE = Duration.ofSeconds(10);

  private static void sleep(Duration d) throws java.io.InterruptedIOException {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("prefetch: interrupted");
    }
  }

  /** The segment name in spool file {@code file}, or null when it is missing or not a name. */
  private String readName(String file) {
    try {
      String n = Files.readString(spool.resolve(file), StandardCharsets.US_ASCII).strip();
      return n.matches("[A-Za-z0-9][A-Za-z0-9._-]*") ? n : null;
    } catch (IOException missing) {
      return null;
    }
  }

  private void writeName(String file, String name) throws IOException {
    Path temp = spool.resolve(file + ".tmp");
    Files.writeString(temp, name + "\n", StandardCharsets.US_ASCII);
    Files.move(
        temp,
        spool.resolve(file),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }
}
