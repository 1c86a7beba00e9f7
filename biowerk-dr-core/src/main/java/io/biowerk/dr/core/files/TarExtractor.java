package io.biowerk.dr.core.files;

import io.biowerk.dr.core.UnsafePathException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;

/**
 * Extracts a tar stream into a fresh directory that only it writes to (a restore's staging
 * directory), or, in check mode, applies every check without writing (the files source's native
 * verification).
 *
 * <p>Refused, with an {@link UnsafePathException} before anything of that entry is written:
 * absolute names, {@code ..} segments, paths deeper than {@value #MAX_DEPTH} levels or longer than
 * {@value #MAX_PATH} bytes, entries below a symbolic link, symbolic links that are absolute or
 * resolve outside the directory (resolved segment by segment, refusing any that passes through
 * another link, whose target the lexical walk cannot know), a link created where an earlier link's
 * resolution passes, hard links to anything but a regular file extracted before, device files and
 * FIFOs, names that are not valid UTF-8 or hold NUL. Because every check is made against what this
 * extractor itself created, and the directory starts empty, no entry can reach outside it.
 *
 * <p>Permission bits (rwx) and modification times are restored; owners only when running as root;
 * set-user-id, set-group-id and sticky bits are not. Directory permissions are applied at {@link
 * #finish()}, deepest first, so a read-only directory can still receive its entries. No recursion
 * anywhere: a path of any depth is refused without touching the stack.
 */
final class TarExtractor {

  static final int MAX_DEPTH = 1024;
  static final int MAX_PATH = 4000;

  private static final String EXTERNAL_HINT =
      " (if the backed-up tree held such links on purpose, restore to"
          + " file:///path?links=external to recreate them; entries are never written through links either way)";

  /**
   * Whether this process runs as root, so owners can be restored; read from the owner of
   * /proc/self.
   */
  private static final boolean ROOT = runsAsRoot();

  private static boolean runsAsRoot() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** What this extractor created at each relative path: 'd', 'f' or 'l'. */
  private final Map<String, Character> created = new HashMap<>();

  /** Relative paths some symlink's resolution passes through. */
  private final Set<String> traversedByLinks = new HashSet<>();

  /**
   * Files of at least this many bytes are synced on a background thread as soon as they are
   * written, when {@link #syncLargeFilesInBackground()} asked for it.
   */
  static final long SYNC_AT = 1 << 20;

  private final List<TarReader.Entry> directories = new ArrayList<>();

  /** The most files queued for the sync thread at once. */
  static final int MAX_PENDING_SYNCS = 16;

  /** How a written file is synced: {@link FileChannel#force}; a test puts a failing disk here. */
  interface Sync {
    void force(FileChannel file) throws IOException;
  }

  private Sync sync = file -> file.force(true);
  private final Semaphore syncSlots = new Semaphore(MAX_PENDING_SYNCS);
  private final Set<FileChannel> unsynced = ConcurrentHashMap.newKeySet();
  private ExecutorService syncs;
  private final List<Future<?>> pendingSyncs = new ArrayList<>();
  private final Path root;
  private final boolean write;
  private final boolean externalLinks;
  long files;
  long directoryCount;
  long symlinks;
  long hardlinks;
  long bytes;

  /**
   * @param root the empty directory to extract into; in check mode, only used in messages
   * @param write false to check without writing
   */
  TarExtractor(Path root, boolean write) {
    this(root, write, false);
  }

  /**
   * @param root the empty directory to extract into; in check mode, only used in messages
   * @param write false to check without writing
   * @param externalLinks whether symbolic links that are absolute or point outside are recreated as
   *     stored (they are still never written through) instead of refused
   */
  TarExtractor(Path root, boolean write, boolean externalLinks) {
    this.root = root;
    this.write = write;
    this.externalLinks = externalLinks;
  }

  /**
   * Syncs every extracted file of {@link #SYNC_AT} bytes or more on a thread of its own while the
   * extraction goes on, and {@link #finish()} waits for those syncs: the disk writes a large
   * restore while the rest is still being decoded, instead of all of it in a {@code sync} after the
   * restore, and the large files are on disk when the restore ends. Small files are left to the
   * file system (a sync per small file would cost more than it overlaps). Write mode only.
   */
  void syncLargeFilesInBackground(Sync how) {
    sync = how;
    syncLargeFilesInBackground();
  }

  void syncLargeFilesInBackground() {
    if (write && syncs == null) {
      syncs =
          Executors.newSingleThreadExecutor(
              task -> {
                Thread thread = new Thread(task, "biowerk-dr-files-sync");
                thread.setDaemon(true);
                return thread;
              });
    }
  }

  /**
   * Hands {@code written}, a file just written, to the sync thread, which syncs and closes it;
   * waits while {@link #MAX_PENDING_SYNCS} are queued, so open files and unsynced data stay
   * bounded.
   */
  private void syncInBackground(FileChannel written) throws IOException {
    try {
      syncSlots.acquire();
    } catch (InterruptedException e) {
      written.close();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("files: interrupted while extracting into " + root);
    }
    unsynced.add(written);
    try {
      pendingSyncs.add(
          syncs.submit(
              () -> {
                try (written) {
                  sync.force(written);
                } finally {
                  unsynced.remove(written);
                  syncSlots.release();
                }
                return null;
              }));
    } catch (RejectedExecutionException e) {
      // Stopped: the extraction is being aborted.
      unsynced.remove(written);
      syncSlots.release();
      written.close();
      throw new InterruptedIOException("files: the extraction into " + root + " was stopped");
    }
  }

  /** Stops the background syncs without waiting for them (an aborted extraction). */
  void stopSyncs() {
    if (syncs != null) {
      syncs.shutdownNow();
      // The files still queued are closed here: their syncs will not run.
      for (FileChannel file : unsynced) {
        try {
          file.close();
        } catch (IOException e) {
          // Being deleted with the staging directory.
        }
      }
    }
  }

  /** Extracts every entry of {@code in}, then reads it to its end. Does not close it. */
  void extractAll(InputStream in) throws IOException {
    TarReader reader = new TarReader(in);
    byte[] buffer = new byte[1 << 16];
    for (TarReader.Entry entry = reader.next(); entry != null; entry = reader.next()) {
      extract(entry, reader.content(), buffer);
    }
    reader.drain();
  }

  private void extract(TarReader.Entry entry, InputStream content, byte[] buffer)
      throws IOException {
    String name = entry.name();
    List<String> segments = segments(name, name, "entry");
    String rel = String.join("/", segments);
    if (segments.isEmpty()) {
      if (entry.type() == TarReader.DIRECTORY) {
        directories.add(entry); // the root itself: its mode and time apply at finish()
        return;
      }
      throw unsafe(name, "names the target directory itself but is not a directory");
    }
    checkNotBelowLink(segments, name);
    Path dest = root.resolve(rel);
    if (!dest.normalize().startsWith(root)) {
      throw unsafe(name, "resolves outside the target");
    }
    Character existing = created.get(rel);
    if (existing != null) {
      if (existing == 'd' && entry.type() == TarReader.DIRECTORY) {
        directories.add(entry);
        return;
      }
      if (existing == 'd') {
        throw unsafe(name, "would replace a directory extracted before it");
      }
      // A later entry for the same path replaces the earlier one, as tar does; the earlier one is
      // removed
      // first, so a link left there can never be written through.
      if (write) {
        Files.delete(dest);
      }
      created.remove(rel);
    }
    switch (entry.type()) {
      case TarReader.DIRECTORY -> {
        createParents(segments);
        if (write) {
          Files.createDirectories(dest);
        }
        created.put(rel, 'd');
        directoryCount++;
        directories.add(entry);
      }
      case TarReader.FILE -> {
        createParents(segments);
        long copied = 0;
        if (write) {
          FileChannel out =
              FileChannel.open(
                  dest,
                  StandardOpenOption.CREATE_NEW,
                  StandardOpenOption.WRITE,
                  LinkOption.NOFOLLOW_LINKS);
          boolean handedOver = false;
          try {
            int n;
            while ((n = content.read(buffer)) >= 0) {
              ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
              while (chunk.hasRemaining()) {
                out.write(chunk);
              }
              copied += n;
            }
            attributes(dest, entry);
            if (syncs != null && copied >= SYNC_AT) {
              syncInBackground(out);
              handedOver = true;
            }
          } finally {
            if (!handedOver) {
              out.close();
            }
          }
        } else {
          while (content.read(buffer) >= 0) {
            // checked by size only
          }
          copied = entry.size();
        }
        created.put(rel, 'f');
        files++;
        bytes += copied;
      }
      case TarReader.SYMLINK -> {
        if (entry.linkName().isEmpty()) {
          throw unsafe(name, "is a symbolic link with an empty target");
        }
        if (!externalLinks) {
          checkLink(segments, entry.linkName(), name);
        }
        if (traversedByLinks.contains(rel)) {
          throw unsafe(
              name,
              "is a symbolic link where an earlier link's target passes; it would redirect that"
                  + " link");
        }
        createParents(segments);
        if (write) {
          Files.createSymbolicLink(dest, Path.of(entry.linkName()));
          Files.getFileAttributeView(dest, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
              .setTimes(FileTime.from(entry.modified()), null, null);
        }
        created.put(rel, 'l');
        symlinks++;
      }
      case TarReader.HARDLINK -> {
        List<String> target = segments(entry.linkName(), name, "hard link target of entry");
        String targetRel = String.join("/", target);
        if (created.get(targetRel) == null || created.get(targetRel) != 'f') {
          throw unsafe(
              name,
              "is a hard link to '"
                  + TarReader.escape(entry.linkName())
                  + "', which is not a regular file restored before it");
        }
        createParents(segments);
        if (write) {
          Files.createLink(dest, root.resolve(targetRel));
        }
        created.put(rel, 'f');
        hardlinks++;
      }
      case TarReader.CHAR_DEVICE, TarReader.BLOCK_DEVICE ->
          throw unsafe(
              name,
              "is a "
                  + (entry.type() == TarReader.CHAR_DEVICE ? "character" : "block")
                  + " device; device files are never"
                  + " restored");
      case TarReader.FIFO -> throw unsafe(name, "is a FIFO; special files are never restored");
      default ->
          throw unsafe(
              name,
              "has entry type '"
                  + (char) entry.type()
                  + "' (sparse, multi-volume or"
                  + " vendor-specific), which this restore does not support");
    }
  }

  /** Applies directory permissions and times, deepest first, then the root's. */
  void finish() throws IOException {
    if (!write) {
      return;
    }
    awaitSyncs();
    directories.sort(
        Comparator.comparingInt((TarReader.Entry e) -> segmentsUnchecked(e.name()).size())
            .reversed());
    for (TarReader.Entry entry : directories) {
      List<String> segments = segmentsUnchecked(entry.name());
      attributes(segments.isEmpty() ? root : root.resolve(String.join("/", segments)), entry);
    }
  }

  private void awaitSyncs() throws IOException {
    if (syncs == null) {
      return;
    }
    try {
      for (Future<?> sync : pendingSyncs) {
        sync.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("files: interrupted while syncing the files of " + root);
    } catch (ExecutionException e) {
      throw new IOException(
          "files: cannot sync a restored file in "
              + root
              + " to disk: "
              + e.getCause().getMessage()
              + "; check the target file system (full, read-only, failing disk) and restore again",
          e.getCause());
    } finally {
      syncs.shutdownNow();
    }
  }

  private void attributes(Path path, TarReader.Entry entry) throws IOException {
    Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] all =
        PosixFilePermission.values(); // OWNER_READ (0400) ... OTHERS_EXECUTE (0001)
    for (int i = 0; i < all.length; i++) {
      if ((entry.mode() & (1 << (8 - i))) != 0) {
        permissions.add(all[i]);
      }
    }
    if (ROOT) {
      try {
        Files.setAttribute(path, "unix:uid", (int) entry.uid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:gid", (int) entry.gid(), LinkOption.NOFOLLOW_LINKS);
      } catch (UnsupportedOperationException | IllegalArgumentException e) {
        // No unix attribute view: owners are not restored.
      }
    }
    Files.setPosixFilePermissions(path, permissions);
    Files.setLastModifiedTime(path, FileTime.from(entry.modified()));
  }

  /** Creates the parent directories an entry needs that the archive did not list. */
  private void createParents(List<String> segments) throws IOException {
    StringBuilder prefix = new StringBuilder();
    for (int i = 0; i < segments.size() - 1; i++) {
      if (i > 0) {
        prefix.append('/');
      }
      prefix.append(segments.get(i));
      String rel = prefix.toString();
      Character kind = created.get(rel);
      if (kind == null) {
        if (write) {
          Files.createDirectory(root.resolve(rel));
        }
        created.put(rel, 'd');
      } else if (kind != 'd') {
        throw unsafe(
            String.join("/", segments),
            "is below '" + TarReader.escape(rel) + "', which is not a directory");
      }
    }
  }

  private void checkNotBelowLink(List<String> segments, String name) throws UnsafePathException {
    StringBuilder prefix = new StringBuilder();
    for (int i = 0; i < segments.size() - 1; i++) {
      if (i > 0) {
        prefix.append('/');
      }
      prefix.append(segments.get(i));
      Character kind = created.get(prefix.toString());
      if (kind != null && kind == 'l') {
        throw unsafe(
            name,
            "is below the symbolic link '"
                + TarReader.escape(prefix.toString())
                + "'; writing through a link could reach outside the target");
      }
    }
  }

  /** Resolves a symlink target segment by segment from the link's directory; refuses any escape. */
  private void checkLink(List<String> linkSegments, String target, String name)
      throws UnsafePathException {
    if (target.startsWith("/")) {
      throw unsafe(
          name,
          "is a symbolic link to the absolute path '"
              + TarReader.escape(target)
              + "', outside the target"
              + EXTERNAL_HINT);
    }
    Deque<String> path = new ArrayDeque<>(linkSegments.subList(0, linkSegments.size() - 1));
    List<String> traversed = new ArrayList<>();
    for (String segment : target.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (segment.equals("..")) {
        if (path.isEmpty()) {
          throw unsafe(
              name,
              "is a symbolic link to '"
                  + TarReader.escape(target)
                  + "', which points outside the"
                  + " target"
                  + EXTERNAL_HINT);
        }
        path.removeLast();
        continue;
      }
      path.addLast(segment);
      String rel = String.join("/", path);
      Character kind = created.get(rel);
      if (kind != null && kind == 'l') {
        throw unsafe(
            name,
            "is a symbolic link to '"
                + TarReader.escape(target)
                + "', which passes through the"
                + " symbolic link '"
                + TarReader.escape(rel)
                + "'; its destination cannot be checked");
      }
      traversed.add(rel);
    }
    traversedByLinks.addAll(traversed);
  }

  /** The normalized segments of a name: no absolute path, no '..', bounded depth and length. */
  private static List<String> segments(String name, String entry, String what)
      throws UnsafePathException {
    if (name.isEmpty()) {
      throw unsafe(entry, "has an empty " + what.replace(" of entry", ""));
    }
    if (name.startsWith("/")) {
      throw unsafe(
          entry,
          "is an absolute path"
              + (what.equals("entry") ? "" : " (" + what + ")")
              + "; only paths relative to the target are restored");
    }
    if (name.length() > MAX_PATH) {
      long depth = name.chars().filter(c -> c == '/').count() + 1;
      throw unsafe(
          entry,
          "is "
              + name.length()
              + " characters long ("
              + depth
              + " levels deep), more than the "
              + MAX_PATH
              + " characters this restore accepts; the archive is damaged or hostile");
    }
    List<String> segments = new ArrayList<>();
    for (String segment : name.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".")) {
        continue;
      }
      if (segment.equals("..")) {
        throw unsafe(
            entry,
            "contains a '..' segment"
                + (what.equals("entry") ? "" : " (" + what + ")")
                + ", which could reach outside the target");
      }
      segments.add(segment);
    }
    if (segments.size() > MAX_DEPTH) {
      throw unsafe(
          entry,
          "is "
              + segments.size()
              + " levels deep, more than the "
              + MAX_DEPTH
              + " this restore accepts; the archive is damaged or hostile");
    }
    return segments;
  }

  private static List<String> segmentsUnchecked(String name) {
    List<String> segments = new ArrayList<>();
    for (String segment : name.split("/", -1)) {
      if (!segment.isEmpty() && !segment.equals(".")) {
        segments.add(segment);
      }
    }
    return segments;
  }

  static UnsafePathException unsafe(String entry, String why) {
    String shown = TarReader.escape(entry);
    return new UnsafePathException(
        "files: refusing archive entry '"
            + shown
            + "': it "
            + why
            + "; nothing was written outside the target and the restore was aborted",
        shown);
  }

  /** A one-line account of what was extracted or checked. */
  String summary() {
    return files
        + " files ("
        + bytes
        + " bytes), "
        + directoryCount
        + " directories, "
        + symlinks
        + " symbolic links"
        + (hardlinks > 0 ? ", " + hardlinks + " hard links" : "");
  }
}
