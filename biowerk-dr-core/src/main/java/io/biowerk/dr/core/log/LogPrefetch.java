package io.biowerk.dr.core.log;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetching with read-ahead, for a database that asks for one segment at a time (PostgreSQL's {@code
 * restore_command}): the segment asked for and the next ones in name order are fetched in parallel,
 * the next ones into a local spool directory, so the following requests are answered from local
 * disk instead of one round trip to the repository per segment. Segments in the spool are checked
 * as every fetch is; one older than the one asked for is removed.
 */
public final class LogPrefetch {

  private static final Logger LOG = LoggerFactory.getLogger(LogPrefetch.class);

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
    Path ready = spool.resolve(name);
    List<String> names = ahead == 0 ? List.of() : archive.names();
    List<String> next = new ArrayList<>();
    int at = names.indexOf(name);
    for (int i = at + 1; at >= 0 && i < names.size() && next.size() < ahead; i++) {
      next.add(names.get(i));
    }
    cleanSpool(name, next);
    ExecutorService pool =
        next.isEmpty() ? null : Executors.newFixedThreadPool(Math.min(threads, next.size()));
    try {
      List<Future<Boolean>> futures = new ArrayList<>();
      for (String n : next) {
        if (!Files.exists(spool.resolve(n))) {
          futures.add(pool.submit(() -> archive.fetch(n, spool.resolve(n))));
        }
      }
      boolean found;
      if (Files.exists(ready)) {
        Files.move(ready, destination, StandardCopyOption.REPLACE_EXISTING);
        found = true;
      } else {
        found = archive.fetch(name, destination);
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
    try (Stream<Path> files = Files.list(spool)) {
      for (Path file : files.toList()) {
        String n = file.getFileName().toString();
        if (n.startsWith(".")
            || (!n.equals(asked) && !keep.contains(n) && n.compareTo(asked) < 0)) {
          Files.deleteIfExists(file);
        }
      }
    }
  }
}
