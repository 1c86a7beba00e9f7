package io.biowerk.dr.core.files;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.internal.FileTrees;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an interrupted files restore can leave beside its target: its hidden staging directory (or
 * staging file, for a non-tar backup) {@code .<target>.biowerk-restore-<pid>-<random>}, and, when
 * killed between moving an old target aside and deleting it, {@code
 * .<target>.biowerk-old-<pid>-<random>}. Only names of that shape are ever considered; nothing else
 * in a directory is reported or removed.
 *
 * <p>A leftover is <em>stale</em> (its restore is dead) when the process id in its name is not a
 * live process on this host, or, for a name without a process id (written before ids were added),
 * when it was last modified more than 24 hours ago. An old target moved aside is removable only
 * once the target exists again (the new tree was moved into place); otherwise it is the only copy
 * of what the target held and is reported, never removed.
 */
public final class RestoreLeftovers {

  /** Names without a process id count as dead after this long without a change. */
  public static final Duration LEGACY_GRACE = Duration.ofHours(24);

  static final String STAGING = ".biowerk-restore-";
  static final String OLD = ".biowerk-old-";

  private static final Pattern NAME =
      Pattern.compile("^\\.(.+)\\.biowerk-(restore|old)-(?:(\\d+)-)?([0-9a-f]+)$");

  private RestoreLeftovers() {}

  /** One leftover: its path, kind, size in bytes, last change and whether its restore is dead. */
  public record Leftover(
      Path path, String kind, String target, long bytes, Instant modified, boolean stale) {

    /** Whether removing it loses nothing: a dead staging area, or an old tree replaced already. */
    public boolean removable() {
      return stale && ("staging".equals(kind) || Files.exists(path.resolveSibling(target)));
    }
  }

  /** The name prefix of a staging area of this process for {@code target}. */
  static String stagingPrefix(Path target) {
    return "." + target.getFileName() + STAGING + ProcessHandle.current().pid() + "-";
  }

  /** The name prefix of an old target moved aside by this process. */
  static String oldPrefix(Path target) {
    return "." + target.getFileName() + OLD + ProcessHandle.current().pid() + "-";
  }

  /** Whether {@code path}'s name has the shape of a restore leftover of ours. */
  public static boolean isLeftoverName(Path path) {
    requireNonNull(path, "path");
    return path.getFileName() != null && NAME.matcher(path.getFileName().toString()).matches();
  }

  /**
   * The leftover at {@code path}, if its name has the shape of one and it exists.
   *
   * @throws IOException if its attributes or size cannot be read
   */
  public static Optional<Leftover> of(Path path, Instant now) throws IOException {
    requireNonNull(path, "path");
    requireNonNull(now, "now");
    if (path.getFileName() == null) {
      return Optional.empty();
    }
    Matcher m = NAME.matcher(path.getFileName().toString());
    if (!m.matches() || !Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    if (Files.isSymbolicLink(path)) {
      // We never make links by these names: not ours.
      return Optional.empty();
    }
    Instant modified = Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS).toInstant();
    boolean stale;
    if (m.group(3) != null) {
      long pid = Long.parseLong(m.group(3));
      stale = ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
    } else {
      stale = modified.plus(LEGACY_GRACE).isBefore(now);
    }
    String kind = "restore".equals(m.group(2)) ? "staging" : "old";
    return Optional.of(new Leftover(path, kind, m.group(1), size(path), modified, stale));
  }

  /**
   * The leftovers directly in {@code directory} (not below), in name order; a missing directory has
   * none.
   *
   * @throws IOException if the directory cannot be listed
   */
  public static List<Leftover> find(Path directory, Instant now) throws IOException {
    requireNonNull(directory, "directory");
    List<Leftover> found = new ArrayList<>();
    if (!Files.isDirectory(directory)) {
      return found;
    }
    List<Path> names = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
      for (Path entry : entries) {
        if (isLeftoverName(entry)) {
          names.add(entry);
        }
      }
    }
    names.sort(null);
    for (Path entry : names) {
      try {
        of(entry, now).ifPresent(found::add);
      } catch (NoSuchFileException e) {
        // removed meanwhile (its restore finished): nothing left over
      }
    }
    return found;
  }

  /**
   * Removes {@code leftover} when {@link Leftover#removable()}.
   *
   * @return whether it was removed
   * @throws IOException if it cannot be removed completely
   */
  public static boolean remove(Leftover leftover) throws IOException {
    requireNonNull(leftover, "leftover");
    if (!leftover.removable()) {
      return false;
    }
    FileTrees.delete(leftover.path());
    return true;
  }

  /**
   * Removes the removable leftovers in {@code directory}, as the next restore into it does.
   *
   * @return the leftovers removed
   * @throws IOException if the directory cannot be listed or a leftover cannot be removed
   */
  public static List<Leftover> removeStale(Path directory, Instant now) throws IOException {
    List<Leftover> removed = new ArrayList<>();
    for (Leftover leftover : find(directory, now)) {
      if (remove(leftover)) {
        removed.add(leftover);
      }
    }
    return removed;
  }

  private static long size(Path path) throws IOException {
    if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      return Files.size(path);
    }
    long[] total = {0};
    Files.walkFileTree(
        path,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
            total[0] += attributes.size();
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            return FileVisitResult.CONTINUE;
          }
        });
    return total[0];
  }
}
