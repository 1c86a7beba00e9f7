package io.biowerk.dr.core.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The crash-safe way to put a file in place, shared by the local sink, restore targets and key
 * files: write a hidden temp file beside the target, fsync it, rename it over the target
 * atomically, fsync the directory. A crash leaves the old file or the new one, never a partial one.
 */
public final class AtomicFiles {

  private static final Logger LOG = LoggerFactory.getLogger(AtomicFiles.class);

  /** Marks temp files of writes that have not committed; listings hide names containing it. */
  public static final String TEMP_MARK = ".biowerk-tmp-";

  private AtomicFiles() {}

  /** A fresh hidden temp path beside {@code target}: {@code .<name>.biowerk-tmp-<random>}. */
  public static Path tempBeside(Path target) {
    return target.resolveSibling(
        "."
            + target.getFileName()
            + TEMP_MARK
            + Long.toHexString(ThreadLocalRandom.current().nextLong()));
  }

  /**
   * Renames {@code from} to {@code to} atomically where the file system can, replacing {@code to}
   * when {@code replace} is set; falls back to a plain rename where atomic moves are not supported.
   *
   * @throws IOException if the rename fails
   */
  public static void move(Path from, Path to, boolean replace) throws IOException {
    CopyOption[] atomic =
        replace
            ? new CopyOption[] {StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING}
            : new CopyOption[] {StandardCopyOption.ATOMIC_MOVE};
    try {
      Files.move(from, to, atomic);
    } catch (AtomicMoveNotSupportedException e) {
      if (replace) {
        Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
      } else {
        Files.move(from, to);
      }
    }
  }

  /**
   * Moves a finished temp file over {@code target} and fsyncs the directory, so the rename survives
   * a crash.
   *
   * @throws IOException if the rename fails
   */
  public static void moveIntoPlace(Path temp, Path target) throws IOException {
    move(temp, target, true);
    fsyncDirectory(target.getParent());
  }

  /**
   * Fsyncs a directory; where the file system cannot, logs it and goes on (the rename is still
   * atomic).
   */
  public static void fsyncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      LOG.debug("cannot fsync directory {}: {}", dir, e.toString());
    }
  }
}
