package io.biowerk.dr.core.files;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceFailedException;
import io.biowerk.dr.core.SourceStream;
import io.biowerk.dr.core.UriOptions;
import io.biowerk.dr.core.internal.Requirements;
import io.biowerk.dr.core.io.BufferPipe;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory tree as a backup source (the plan's configuration backups: compose files, env files,
 * certificates), streamed as a POSIX (PAX) tar: long and non-ASCII names, permission bits, owners
 * and modification times are kept; symbolic links are stored as links and never followed;
 * directories are walked in name order, so the same tree gives the same bytes. Sockets, FIFOs and
 * device files are skipped with a warning. Hard links are stored as separate files.
 *
 * <p>Made from {@code file:///etc/biowerk?name=config}; without {@code name} the source is named
 * after the directory's last path segment. The tar is produced on a thread of its own into a pipe,
 * without temp files; closing the stream before its end stops that thread.
 *
 * <p>Facts: {@code root}, {@code files}, {@code directories}, {@code symlinks}, {@code
 * externalLinks} (links that are absolute or point outside the tree, which a restore refuses unless
 * told {@code links=external}), {@code bytes} (file contents) and {@code skipped}. Immutable and
 * thread-safe.
 */
public final class FilesSource implements Source {

  /** The source kind recorded in manifests. */
  public static final String KIND = "files";

  /** The query options of a files source URI. */
  static final UriOptions.Spec OPTIONS = UriOptions.spec("files source").known("name");

  private static final Logger LOG = LoggerFactory.getLogger(FilesSource.class);

  private final Path root;
  private final String name;
  private final String uri;

  private FilesSource(Path root, String name) {
    this.root = root;
    this.name = name;
    this.uri = root.toUri().toString();
  }

  /**
   * A source over the directory {@code root}, named {@code name} in the repository.
   *
   * @throws IllegalArgumentException if the name is not a valid source name
   */
  public static FilesSource of(Path root, String name) {
    return new FilesSource(
        requireNonNull(root, "root").toAbsolutePath().normalize(),
        BackupLayout.checkSourceName(name));
  }

  /**
   * A source for {@code file:///absolute/dir[?name=config]}.
   *
   * @throws IllegalArgumentException if the URI is not such a URI or has an unknown option; the
   *     message names it
   */
  public static FilesSource of(URI uri) {
    requireNonNull(uri, "uri");
    checkArgument(
        "file".equalsIgnoreCase(uri.getScheme())
            && uri.getPath() != null
            && uri.getPath().startsWith("/"),
        "files: source URI (%s) must be file:///absolute/directory[?name=<name>]",
        uri);
    String name = OPTIONS.parse(uri).get("name").orElse(null);
    Path root = Path.of(uri.getPath());
    if (name == null) {
      name = nameOf(root);
    } else {
      checkArgument(
          isName(name),
          "files: name=%s in %s must be 1-63 lower-case letters, digits, '-' or '_'",
          name,
          uri);
    }
    return of(root, name);
  }

  /**
   * The repository name derived from a directory: its last segment, lower-cased, other characters
   * as '-'.
   */
  static String nameOf(Path root) {
    Path last = root.getFileName();
    String raw = last == null ? "" : last.toString().toLowerCase(Locale.ROOT);
    StringBuilder name = new StringBuilder();
    for (int i = 0; i < raw.length() && name.length() < 63; i++) {
      char c = raw.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (name.length() == 0 && !(ok && c != '-' && c != '_')) {
        continue;
      }
      name.append(ok ? c : '-');
    }
    return name.length() == 0 ? "files" : name.toString();
  }

  private static boolean isName(String name) {
    try {
      BackupLayout.checkSourceName(name);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The directory backed up. */
  public Path root() {
    return root;
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String format() {
    return "tar";
  }

  /**
   * Starts streaming the tree as tar.
   *
   * @throws SourceFailedException if the directory does not exist or is not a directory
   * @throws io.biowerk.dr.core.LibraryVersionException if the commons-compress on the class path is
   *     older than 1.26.0
   * @throws IOException if the pipe cannot be made
   */
  @Override
  public SourceStream open() throws IOException {
    Requirements.commonsCompress("files");
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      String why =
          Files.exists(root, LinkOption.NOFOLLOW_LINKS)
              ? "is not a directory (a symbolic link or a file)"
              : "does not exist";
      throw new SourceFailedException(
          "files: "
              + root
              + " "
              + why
              + "; give the directory to back up, e.g."
              + " file:///etc/biowerk?name=config",
          uri,
          "");
    }
    return new TarStream(root, uri);
  }

  @Override
  public String toString() {
    return "files(" + uri + " as " + name + ")";
  }

  /** The tar bytes, produced by a writer thread into a pipe. */
  private static final class TarStream implements SourceStream {
    private final Path root;
    private final String uri;
    private final BufferPipe pipe;
    private final Thread writer;
    private final Map<String, Object> facts = new ConcurrentHashMap<>();
    private volatile Throwable failure;
    private volatile boolean cancelled;
    private volatile long expected = -1;
    private boolean eof;
    private boolean closed;

    TarStream(Path root, String uri) throws IOException {
      this.root = root;
      this.uri = uri;
      this.pipe = new BufferPipe("files: the tar of " + root, 4, 256 * 1024, false);
      facts.put("root", root.toString());
      // Not a daemon: closing the stream cancels the pipe, which stops the writer.
      this.writer = new Thread(this::produce, "biowerk-dr-files-tar");
      writer.start();
      // The size estimate walks the tree's metadata on a thread of its own, so the tar starts at
      // once; the progress total appears when the walk ends (long before the data is read).
      Thread sizer = new Thread(this::estimate, "biowerk-dr-files-size");
      sizer.setDaemon(true);
      sizer.start();
    }

    /**
     * Sums what the tar will hold: per entry a 512-byte header and a PAX extended header (header
     * and one block: the writer records exact times there), each file's bytes padded to 512, and
     * the two end blocks. Long PAX records (names over about 400 bytes) are not counted.
     */
    private void estimate() {
      long total = 1024;
      Deque<Path> stack = new ArrayDeque<>();
      stack.push(root);
      try {
        while (!stack.isEmpty() && !cancelled) {
          Path path = stack.pop();
          PosixFileAttributes attributes;
          try {
            attributes =
                Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
          } catch (IOException e) {
            continue; // vanished or unreadable: the tar writer reports it, the estimate skips it
          }
          total += 3 * 512;
          if (attributes.isRegularFile()) {
            total += (attributes.size() + 511) / 512 * 512;
          } else if (attributes.isDirectory()) {
            try (Stream<Path> children = Files.list(path)) {
              children.forEach(stack::push);
            } catch (IOException e) {
              // unreadable directory: the tar writer reports it
            }
          }
        }
        if (!cancelled) {
          expected = total;
        }
      } catch (RuntimeException e) {
        LOG.debug("files: size estimate of {} failed: {}", root, e.toString());
      }
    }

    @Override
    public long expectedSize() {
      return expected;
    }

    private void produce() {
      Counts counts = new Counts();
      try (OutputStream out = new BufferedOutputStream(pipe.outputStream(), 1 << 16);
          TarArchiveOutputStream tar =
              new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name())) {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        walk(tar, counts);
        tar.finish();
      } catch (Throwable e) {
        if (!cancelled) {
          failure = e;
        }
      } finally {
        facts.put("files", counts.files);
        facts.put("directories", counts.directories);
        facts.put("symlinks", counts.symlinks);
        facts.put("bytes", counts.bytes);
        facts.put("skipped", counts.skipped);
        facts.put("externalLinks", counts.externalLinks);
        try {
          // The end of the stream also after a failure: close() reports the failure, as a
          // SourceFailedException.
          pipe.sink().close();
        } catch (IOException | IllegalStateException e) {
          LOG.debug("files: closing pipe: {}", e.toString());
        }
      }
    }

    /**
     * Depth-first in name order, with an explicit stack so deep trees cannot overflow the thread's
     * stack.
     */
    private void walk(TarArchiveOutputStream tar, Counts counts) throws IOException {
      // The root itself first, as "./", so a restore gives the target directory the root's mode and
      // time.
      PosixFileAttributes rootAttributes =
          Files.readAttributes(root, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      TarArchiveEntry rootEntry = new TarArchiveEntry("./");
      describe(rootEntry, root, rootAttributes);
      tar.putArchiveEntry(rootEntry);
      tar.closeArchiveEntry();
      Deque<Path> stack = new ArrayDeque<>();
      pushChildren(stack, root);
      byte[] buffer = new byte[1 << 16];
      while (!stack.isEmpty()) {
        if (cancelled) {
          return;
        }
        Path path = stack.pop();
        String name =
            root.relativize(path).toString().replace(path.getFileSystem().getSeparator(), "/");
        PosixFileAttributes attributes;
        try {
          attributes =
              Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
          LOG.warn("files: {} vanished during the backup; skipped", path);
          counts.skipped++;
          continue;
        }
        TarArchiveEntry entry;
        if (attributes.isSymbolicLink()) {
          entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
          Path link = Files.readSymbolicLink(path);
          entry.setLinkName(link.toString());
          counts.symlinks++;
          if (!path.getParent().resolve(link).normalize().startsWith(root)) {
            counts.externalLinks++;
            LOG.warn(
                "files: {} is a link to {}, outside {}; it is stored as a link, and a restore recreates it only"
                    + " when asked to (links=external)",
                path,
                link,
                root);
          }
        } else if (attributes.isDirectory()) {
          entry = new TarArchiveEntry(name + "/");
          counts.directories++;
        } else if (attributes.isRegularFile()) {
          entry = new TarArchiveEntry(name);
          entry.setSize(attributes.size());
          counts.files++;
        } else {
          LOG.warn("files: {} is a socket, FIFO or device file; skipped", path);
          counts.skipped++;
          continue;
        }
        describe(entry, path, attributes);
        tar.putArchiveEntry(entry);
        if (attributes.isRegularFile()) {
          counts.bytes += copy(path, attributes.size(), tar, buffer);
        }
        tar.closeArchiveEntry();
        if (attributes.isDirectory()) {
          pushChildren(stack, path);
        }
      }
    }

    private static void describe(TarArchiveEntry entry, Path path, PosixFileAttributes attributes)
        throws IOException {
      entry.setMode((entry.getMode() & ~07777) | mode(path, attributes));
      entry.setModTime(attributes.lastModifiedTime());
      entry.setUserName(attributes.owner().getName());
      entry.setGroupName(attributes.group().getName());
      try {
        entry.setUserId(
            ((Number) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue());
        entry.setGroupId(
            ((Number) Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS)).longValue());
      } catch (UnsupportedOperationException | IllegalArgumentException e) {
        // No "unix" attribute view on this platform: names are kept, numeric ids are not.
      }
    }

    private static int mode(Path path, PosixFileAttributes attributes) {
      try {
        return ((Number) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS))
                .intValue()
            & 07777;
      } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
        // "rwxr-x---": the documented form, one character per bit from 0400 down to 0001
        String rwx = PosixFilePermissions.toString(attributes.permissions());
        int mode = 0;
        for (int i = 0; i < rwx.length(); i++) {
          if (rwx.charAt(i) != '-') {
            mode |= 1 << (8 - i);
          }
        }
        return mode;
      }
    }

    private long copy(Path path, long size, OutputStream tar, byte[] buffer) throws IOException {
      long copied = 0;
      try (InputStream in = Files.newInputStream(path, LinkOption.NOFOLLOW_LINKS)) {
        while (copied < size) {
          int n = in.read(buffer, 0, (int) Math.min(buffer.length, size - copied));
          if (n < 0) {
            throw new SourceFailedException(
                "files: "
                    + path
                    + " shrank while being read ("
                    + copied
                    + " of "
                    + size
                    + " bytes); run the backup again when the file is not being written",
                uri,
                "");
          }
          tar.write(buffer, 0, n);
          copied += n;
        }
        if (in.read() >= 0) {
          LOG.warn(
              "files: {} grew while being read; its first {} bytes were backed up", path, size);
        }
      }
      return copied;
    }

    private static void pushChildren(Deque<Path> stack, Path dir) throws IOException {
      List<Path> children = new ArrayList<>();
      try (Stream<Path> list = Files.list(dir)) {
        list.forEach(children::add);
      } catch (NoSuchFileException e) {
        return;
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
      children.sort((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()));
      // Pushed in reverse name order, so they pop in name order.
      children.forEach(stack::push);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (closed) {
        throw new IllegalStateException("closed");
      }
      if (eof) {
        return -1;
      }
      int n = pipe.source().read(dst);
      if (n < 0) {
        eof = true;
      }
      return n;
    }

    @Override
    public boolean isOpen() {
      return !closed;
    }

    @Override
    public Map<String, Object> facts() {
      return Map.copyOf(facts);
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      if (!eof) {
        cancelled = true;
      }
      // Closing the read end before the end cancels the pipe, so a writer blocked on it stops.
      pipe.source().close();
      try {
        writer.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException(
            "files: interrupted while finishing the tar of " + root);
      }
      Throwable failed = failure;
      if (!cancelled && failed != null) {
        if (failed instanceof SourceFailedException e) {
          throw e;
        }
        throw new SourceFailedException(
            "files: reading "
                + root
                + " failed: "
                + failed
                + "; check that the backup user can read every file under it",
            uri,
            String.valueOf(failed),
            failed);
      }
    }
  }

  private static final class Counts {
    long files;
    long directories;
    long symlinks;
    long bytes;
    long skipped;
    long externalLinks;
  }
}
