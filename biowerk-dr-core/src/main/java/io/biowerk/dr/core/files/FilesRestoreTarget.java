package io.biowerk.dr.core.files;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.AbstractPendingWrite;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.TargetNotEmptyException;
import io.biowerk.dr.core.UriOptions;
import io.biowerk.dr.core.internal.AtomicFiles;
import io.biowerk.dr.core.internal.ByteChannels;
import io.biowerk.dr.core.internal.Failures;
import io.biowerk.dr.core.internal.FileTrees;
import io.biowerk.dr.core.io.BufferPipe;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores into a directory ({@code file:///srv/restore/config}): a {@code tar} backup (the files
 * source) is extracted, any other format (a {@code pg_dump} file, an RDB snapshot) is written as
 * one file at that path.
 *
 * <p>Extraction goes to a hidden staging directory beside the target, on the same file system; only
 * on {@link PendingWrite#commit()}, after the restore job has checked every checksum, is the
 * staging directory renamed into place, so an interrupted or refused restore leaves the target as
 * it was. Every archive entry is checked before it is written (see {@link TarExtractor}): an entry
 * that would land outside the target is refused with an {@link
 * io.biowerk.dr.core.UnsafePathException}, the staging directory is removed, and nothing outside
 * the target is ever written. Files of 1 MiB or more are synced to disk on a background thread as
 * they are extracted, and the commit waits for those syncs before the rename.
 *
 * <p>A target that exists and is not empty is replaced only when made with {@code force}; otherwise
 * {@link #open} throws a {@link TargetNotEmptyException}. With {@code force}, the old contents are
 * moved aside and deleted once the new tree is in place. Thread-safe; each {@link #open} is one
 * restore.
 */
public final class FilesRestoreTarget implements RestoreTarget {

  private static final Logger LOG = LoggerFactory.getLogger(FilesRestoreTarget.class);

  private final Path target;
  private final boolean force;
  private final boolean externalLinks;

  private FilesRestoreTarget(Path target, boolean force, boolean externalLinks) {
    this.target = target;
    this.force = force;
    this.externalLinks = externalLinks;
  }

  /** A target at {@code directory}; {@code force} allows replacing a non-empty one. */
  public static FilesRestoreTarget of(Path directory, boolean force) {
    return new FilesRestoreTarget(
        requireNonNull(directory, "directory").toAbsolutePath().normalize(), force, false);
  }

  /**
   * The same target, recreating symbolic links that are absolute or point outside the target as
   * they were stored, instead of refusing them. Entries are still never written through any link,
   * and hard links out are still refused, so the restore itself writes nothing outside the target;
   * what a link points at afterwards is the restored tree's business.
   */
  public FilesRestoreTarget withExternalLinks() {
    return new FilesRestoreTarget(target, force, true);
  }

  /**
   * A target for {@code file:///absolute/path[?links=external]}.
   *
   * @throws IllegalArgumentException if the URI is not such a URI or has an unknown option
   */
  public static FilesRestoreTarget of(URI uri, boolean force) {
    return of(uri, force, OPTIONS);
  }

  private static final UriOptions.Spec OPTIONS =
      UriOptions.spec("files restore target").known("links");

  private static FilesRestoreTarget of(URI uri, boolean force, UriOptions.Spec spec) {
    requireNonNull(uri, "uri");
    if (!"file".equalsIgnoreCase(uri.getScheme())
        || uri.getPath() == null
        || !uri.getPath().startsWith("/")) {
      throw new IllegalArgumentException(
          "files: restore target URI (" + uri + ") must be file:///absolute/path[?links=external]");
    }
    String links = spec.parse(uri).get("links").orElse("refuse");
    if (!links.equals("external") && !links.equals("refuse")) {
      throw new IllegalArgumentException(
          "files restore target: links="
              + links
              + " in "
              + uri
              + " is not an option; write links=external (recreate links that point outside the"
              + " target) or links=refuse (the default)");
    }
    FilesRestoreTarget target = of(Path.of(uri.getPath()), force);
    return links.equals("external") ? target.withExternalLinks() : target;
  }

  /** The target path. */
  public Path path() {
    return target;
  }

  /**
   * True: a restore is extracted into a private staging directory (mode 0700) beside the target, or
   * a temporary file, and renamed into place only on commit; an abort deletes it.
   */
  @Override
  public boolean stagesUntilCommit() {
    return true;
  }

  /**
   * Starts a restore.
   *
   * @throws TargetNotEmptyException if the target holds data and {@code force} was not given
   * @throws IOException if the staging directory cannot be made
   */
  @Override
  public PendingWrite open(BackupManifest manifest) throws IOException {
    requireNonNull(manifest, "manifest");
    checkTarget();
    Path parent = target.getParent();
    Files.createDirectories(parent);
    removeDeadLeftovers(parent);
    boolean tar = "tar".equals(manifest.format());
    if (!tar) {
      return new SingleFile(
          parent.resolve(
              RestoreLeftovers.stagingPrefix(target)
                  + Long.toHexString(ThreadLocalRandom.current().nextLong())));
    }
    Path staging =
        Files.createTempDirectory(
            parent,
            RestoreLeftovers.stagingPrefix(target),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    return new Extraction(staging);
  }

  /**
   * Removes what dead restores left in {@code parent} (see {@link RestoreLeftovers}) and says so in
   * the log; a leftover that cannot be removed is logged and left for {@code biowerk-dr cleanup}.
   */
  private static void removeDeadLeftovers(Path parent) {
    try {
      for (RestoreLeftovers.Leftover gone : RestoreLeftovers.removeStale(parent, Instant.now())) {
        LOG.info(
            "files: removed {} of a restore that did not finish ({} bytes)",
            gone.path(),
            gone.bytes());
      }
    } catch (IOException e) {
      LOG.warn(
          "files: cannot remove what interrupted restores left in {}: {}; run `biowerk-dr cleanup"
              + " {}`",
          parent,
          e.toString(),
          parent);
    }
  }

  private void checkTarget() throws IOException {
    if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (force) {
      return;
    }
    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      long entries;
      try (Stream<Path> list = Files.list(target)) {
        entries = list.count();
      }
      if (entries == 0) {
        return;
      }
      throw new TargetNotEmptyException(
          "files: restore target "
              + target
              + " is not empty ("
              + entries
              + " entries); restore into a new or empty directory, or use --force to replace its contents",
          target.toUri().toString());
    }
    throw new TargetNotEmptyException(
        "files: restore target "
            + target
            + " already exists (as a file or link);"
            + " choose another path, or use --force to replace it",
        target.toUri().toString());
  }

  /**
   * Moves {@code staged} to the target, moving an existing target aside first (force) and deleting
   * it after.
   */
  private void moveIntoPlace(Path staged) throws IOException {
    boolean exists = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
    if (exists && !force) {
      // Filled since open(): still not ours to replace.
      checkTarget();
      if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        Files.delete(target); // empty: the rename below needs the name
      }
    }
    Path old = null;
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      old =
          target.resolveSibling(
              RestoreLeftovers.oldPrefix(target)
                  + Long.toHexString(ThreadLocalRandom.current().nextLong()));
      AtomicFiles.move(target, old, false);
    }
    try {
      AtomicFiles.move(staged, target, false);
    } catch (IOException e) {
      if (old != null) {
        try {
          AtomicFiles.move(old, target, false);
        } catch (IOException back) {
          e.addSuppressed(back);
        }
      }
      throw e;
    }
    AtomicFiles.fsyncDirectory(target.getParent());
    if (old != null) {
      deleteTree(old);
    }
  }

  /**
   * Deletes a tree without following links (read-only directories too); logs what it cannot delete.
   */
  static void deleteTree(Path root) {
    try {
      FileTrees.delete(root);
    } catch (IOException e) {
      LOG.warn("files: cannot remove {} completely: {}; delete it by hand", root, e.toString());
    }
  }

  @Override
  public String toString() {
    return "files("
        + target.toUri()
        + (force ? ", force" : "")
        + (externalLinks ? ", external links" : "")
        + ")";
  }

  /** A tar extraction: the restore job writes into a pipe; a thread of ours extracts from it. */
  private final class Extraction extends AbstractPendingWrite {
    private final Path staging;
    private final BufferPipe pipe;
    private final Thread extractor;
    private final TarExtractor tar;
    private volatile Throwable failure;

    Extraction(Path staging) throws IOException {
      this.staging = staging;
      this.pipe = new BufferPipe("files: the extraction into " + staging, 4, 256 * 1024, false);
      this.tar = new TarExtractor(staging, true, externalLinks);
      tar.syncLargeFilesInBackground();
      // Not a daemon: publish ends the stream and discard cancels the pipe; either stops it.
      this.extractor = new Thread(this::extract, "biowerk-dr-files-extract");
      extractor.start();
    }

    private void extract() {
      try (InputStream in = pipe.inputStream()) {
        tar.extractAll(in);
      } catch (Throwable e) {
        failure = e;
        // Cancels the pipe, so the writer stops instead of blocking on a reader that is gone.
        pipe.cancel(null);
      }
    }

    @Override
    protected int writeOpen(ByteBuffer src) throws IOException {
      rethrowFailure();
      int n = src.remaining();
      try {
        ByteChannels.writeFully(pipe.sink(), src);
      } catch (IOException e) {
        join();
        rethrowFailure();
        throw e;
      }
      return n;
    }

    @Override
    protected void publish() throws IOException {
      try {
        pipe.sink().close();
      } catch (IOException e) {
        // The extractor stopped the pipe: its failure is the one to report.
        join();
        rethrowFailure();
        throw e;
      }
      join();
      rethrowFailure();
      tar.finish();
      moveIntoPlace(staging);
      LOG.info("files: restored {} into {}", tar.summary(), target);
    }

    @Override
    protected void discard() {
      pipe.cancel(null);
      try {
        join();
      } catch (InterruptedIOException e) {
        LOG.warn("files: interrupted while stopping the extraction into {}", staging);
      }
      tar.stopSyncs();
      deleteTree(staging);
    }

    private void join() throws InterruptedIOException {
      try {
        extractor.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("files: interrupted while extracting into " + staging);
      }
    }

    private void rethrowFailure() throws IOException {
      Failures.rethrowIfAny(failure, "files: extraction");
    }
  }

  /**
   * A non-tar backup written as one file: temp file beside the target, renamed into place on
   * commit.
   */
  private final class SingleFile extends AbstractPendingWrite {
    private final Path temp;
    private final FileChannel channel;

    SingleFile(Path temp) throws IOException {
      this.temp = temp;
      this.channel =
          FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    @Override
    protected int writeOpen(ByteBuffer src) throws IOException {
      int n = src.remaining();
      ByteChannels.writeFully(channel, src);
      return n;
    }

    @Override
    protected void publish() throws IOException {
      channel.force(true);
      channel.close();
      if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        // A file replaces a directory only when forced, and the old tree goes once the file is in
        // place.
        moveIntoPlace(temp);
      } else {
        if (!force && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
          checkTarget();
        }
        AtomicFiles.moveIntoPlace(temp, target);
      }
      LOG.info("files: restored backup file into {}", target);
    }

    @Override
    protected void discard() {
      try {
        channel.close();
        Files.deleteIfExists(temp);
      } catch (IOException e) {
        LOG.warn("files: cannot remove {}: {}", temp, e.toString());
      }
    }
  }
}
