package io.biowerk.dr.core.log;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local spool directory for asynchronous log archiving, as archivers' asynchronous modes do: the
 * database's archive command only copies the segment into the spool (a local copy, synced and
 * renamed into place) and returns, while a long-running process drains the spool into the {@link
 * LogArchive}. A failure of the drainer is left in the spool as {@code <segment>.error}, and every
 * later {@link #offer} fails with its message until the file is deleted, so the database keeps the
 * segment and retries rather than losing it.
 *
 * <p>Files whose name starts with {@code .} are in progress; the drainer ignores them. Thread-safe;
 * several processes may share one spool (offers are atomic renames, a segment is deleted only after
 * it was stored).
 */
public final class LogSpool {

  private static final Logger LOG = LoggerFactory.getLogger(LogSpool.class);
  private static final String ERROR = ".error";

  private final Path dir;

  private LogSpool(Path dir) {
    this.dir = dir;
  }

  /**
   * The spool in {@code dir}, created (mode 0700 where the file system allows) if missing.
   *
   * @throws IOException if it cannot be created
   */
  public static LogSpool at(Path dir) throws IOException {
    requireNonNull(dir, "dir");
    Files.createDirectories(dir);
    return new LogSpool(dir);
  }

  /** The spool directory. */
  public Path dir() {
    return dir;
  }

  /**
   * Queues one segment: copies {@code file} into the spool as {@code name}, synced, under a
   * temporary name renamed into place. Queuing a segment that is already queued with the same size
   * replaces it.
   *
   * @throws IOException if the drainer failed on any segment before (the message is the drainer's):
   *     a failure sticks until its {@code .error} file is deleted; or the copy fails
   */
  public void offer(String name, Path file) throws IOException {
    // A failure sticks: any failed segment stops further queuing, so the database keeps its log
    // and reports the failure, instead of archiving on past a hole.
    for (String failed : failed()) {
      Path error = dir.resolve(failed + ERROR);
      String message = Files.readString(error, StandardCharsets.UTF_8).strip();
      throw new IOException(
          "spool "
              + dir
              + ": archiving "
              + failed
              + " failed before: "
              + message
              + "; fix the cause, then delete "
              + error
              + " so the next retry queues "
              + name
              + " and the drainer stores "
              + failed
              + " again");
    }
    Path temp = dir.resolve("." + name + ".tmp");
    Files.copy(file, temp, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
    Files.move(
        temp,
        dir.resolve(name),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  /** The queued segment names, oldest name first (skipping in-progress and failed ones). */
  public List<String> queued() throws IOException {
    List<String> names = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files
          .map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith(".") && !n.endsWith(ERROR))
          .forEach(names::add);
    }
    names.removeIf(n -> Files.exists(dir.resolve(n + ERROR)));
    names.sort(null);
    return names;
  }

  /**
   * Pushes every queued segment into {@code archive}, oldest first, and removes each once stored. A
   * segment that fails is left queued with its error beside it.
   *
   * @return how many segments were stored (or found already stored)
   * @throws IOException if the spool cannot be listed
   */
  public int drainOnce(LogArchive archive, LogProvider provider) throws IOException {
    int done = 0;
    for (String name : queued()) {
      Path file = dir.resolve(name);
      try {
        archive.push(provider.describe(name, file), file);
        Files.deleteIfExists(file);
        done++;
      } catch (IOException | RuntimeException e) {
        LOG.warn("spool {}: archiving {} failed: {}", dir, name, e.getMessage());
        Files.writeString(
            dir.resolve(name + ERROR),
            e.getClass().getSimpleName() + ": " + e.getMessage(),
            StandardCharsets.UTF_8);
      }
    }
    return done;
  }

  /** The names of segments the drainer failed on. */
  public List<String> failed() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(ERROR))
          .map(n -> n.substring(0, n.length() - ERROR.length()))
          .sorted()
          .toList();
    }
  }

  @Override
  public String toString() {
    return "LogSpool[" + dir + "]";
  }
}
