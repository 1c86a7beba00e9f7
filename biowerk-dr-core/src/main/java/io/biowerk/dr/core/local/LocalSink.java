package io.biowerk.dr.core.local;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.AbstractPendingWrite;
import io.biowerk.dr.core.ObjectKeys;
import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.SinkCapability;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.StoredObject;
import io.biowerk.dr.core.internal.AtomicFiles;
import io.biowerk.dr.core.internal.ByteChannels;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A repository in a local directory ({@code file:///var/backups/biowerk}). A write goes to a hidden
 * temp file beside its final name, is fsynced, renamed into place atomically, and the directory is
 * fsynced, so a crash leaves either the old state or the new object, never a partial one. Temp
 * files of crashed runs are hidden from listing. Thread-safe.
 */
public final class LocalSink implements Sink {

  private static final Logger LOG = LoggerFactory.getLogger(LocalSink.class);
  static final String TEMP_MARK = AtomicFiles.TEMP_MARK;

  private final Path root;

  private LocalSink(Path root) {
    this.root = requireNonNull(root, "root").toAbsolutePath().normalize();
  }

  /**
   * A sink over {@code root}, created (with parents) if missing.
   *
   * @throws StorageException if it cannot be created or is not a directory
   */
  public static LocalSink open(Path root) throws IOException {
    LocalSink sink = new LocalSink(root);
    try {
      Files.createDirectories(sink.root);
    } catch (IOException e) {
      throw new StorageException(
          "file: cannot create repository directory "
              + sink.root
              + " ("
              + e
              + "); check the path and its permissions",
          sink.root.toString(),
          StorageException.Reason.OTHER,
          e);
    }
    if (!Files.isDirectory(sink.root)) {
      throw new StorageException(
          "file: repository " + sink.root + " is not a directory",
          sink.root.toString(),
          StorageException.Reason.NO_SUCH_CONTAINER,
          null);
    }
    return sink;
  }

  /**
   * A sink over an existing directory; does not create it.
   *
   * @throws StorageException if it does not exist
   */
  public static LocalSink existing(Path root) throws IOException {
    LocalSink sink = new LocalSink(root);
    if (!Files.isDirectory(sink.root)) {
      throw new StorageException(
          "file: repository "
              + sink.root
              + " does not exist; check the path or create"
              + " it by running a backup into it",
          sink.root.toString(),
          StorageException.Reason.NO_SUCH_CONTAINER,
          null);
    }
    return sink;
  }

  /** The repository directory. */
  public Path root() {
    return root;
  }

  /** The file an object key maps to. */
  public Path resolve(String key) {
    return root.resolve(ObjectKeys.checkKey(key));
  }

  @Override
  public PendingWrite openWrite(String key) throws IOException {
    Path target = resolve(key);
    Path temp = AtomicFiles.tempBeside(target);
    FileChannel channel;
    try {
      channel =
          creatingIn(
              target.getParent(),
              () ->
                  FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    } catch (AccessDeniedException e) {
      throw new StorageException(
          "file: cannot write " + target + ": permission denied",
          target.toString(),
          StorageException.Reason.ACCESS_DENIED,
          e);
    }
    return new FileWrite(channel, temp, target);
  }

  @Override
  public ReadableByteChannel openRead(String key) throws IOException {
    Path path = resolve(key);
    if (Files.isDirectory(path)) {
      // A directory is only a prefix of other keys, not an object (FileChannel would open it on
      // Linux).
      throw new ObjectNotFoundException("file: no object " + key + " in repository " + root, key);
    }
    try {
      return FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new ObjectNotFoundException("file: no object " + key + " in repository " + root, key);
    }
  }

  @Override
  public List<StoredObject> list(String prefix) throws IOException {
    ObjectKeys.checkPrefix(prefix);
    List<StoredObject> objects = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return objects;
    }
    // Walk only the directory the prefix is inside, not the whole repository.
    int slash = prefix.lastIndexOf('/');
    Path start =
        slash < 0 ? root : root.resolve(ObjectKeys.checkPrefix(prefix.substring(0, slash)));
    if (!Files.isDirectory(start)) {
      return objects;
    }
    Files.walkFileTree(
        start,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
            String name = file.getFileName().toString();
            if (!attributes.isRegularFile() || name.contains(TEMP_MARK)) {
              return FileVisitResult.CONTINUE;
            }
            String key =
                root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
            if (key.startsWith(prefix)) {
              objects.add(
                  new StoredObject(
                      key, attributes.size(), attributes.lastModifiedTime().toInstant()));
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            return skipUnlisted(file, e);
          }
        });
    objects.sort(Comparator.comparing(StoredObject::key));
    return objects;
  }

  /**
   * What a listing does with an entry it could not read. A file that vanished between reading the
   * directory and reading its attributes was committed (a temp file renamed), removed by a prune or
   * cleaned up by a concurrent run: that is normal in a repository others write to, so it is
   * skipped without a word. Anything else (a permission problem, an I/O error) is logged and
   * skipped, so one unreadable entry does not hide the rest of the repository.
   */
  static FileVisitResult skipUnlisted(Path file, IOException e) {
    if (!(e instanceof NoSuchFileException)) {
      LOG.warn("file: cannot list {}: {}", file, e.toString());
    }
    return FileVisitResult.CONTINUE;
  }

  /**
   * Temp files left by writes that never committed (crashed runs), with their age; keys are {@code
   * /}-separated.
   */
  @Override
  public List<StoredObject> abandonedWrites() throws IOException {
    List<StoredObject> temps = new ArrayList<>();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
            if (file.getFileName().toString().contains(TEMP_MARK)) {
              temps.add(
                  new StoredObject(
                      root.relativize(file).toString().replace(File.separatorChar, '/'),
                      attributes.size(),
                      attributes.lastModifiedTime().toInstant()));
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            return skipUnlisted(file, e);
          }
        });
    return temps;
  }

  @Override
  public void delete(String key) throws IOException {
    Path path = resolve(key);
    // A directory is only a prefix of other keys, and a missing object is nothing to delete: both
    // are no-ops
    // (and a missing parent directory must not make the pruning below fail).
    if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) || !Files.deleteIfExists(path)) {
      return;
    }
    // Prune directories the delete emptied, up to the root, so old tiers do not leave husks behind.
    Path dir = path.getParent();
    while (dir != null && !dir.equals(root) && dir.startsWith(root)) {
      try (var entries = Files.list(dir)) {
        if (entries.findAny().isPresent()) {
          break;
        }
      } catch (NoSuchFileException e) {
        break; // another delete removed it first, and goes on upwards itself
      }
      try {
        Files.delete(dir);
      } catch (IOException e) {
        break;
      }
      dir = dir.getParent();
    }
  }

  /** Creates a file; see {@link #creatingIn}. */
  @FunctionalInterface
  private interface Creation<T> {
    T create() throws IOException;
  }

  /**
   * Makes directory {@code dir} and runs {@code creation}, which creates a file in it. {@link
   * #delete} removes the directories it empties, so another thread or process deleting the last
   * object of {@code dir} (two backups of one source removing their in-progress markers) can remove
   * it between the two steps, or while {@link Files#createDirectories} checks what it found: then
   * the directory is made again and the creation retried (at most 20 times). A failure about
   * another file (a copy's missing source) is the creation's own and is thrown as it is.
   */
  private static <T> T creatingIn(Path dir, Creation<T> creation) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        // createDirectories itself throws FileAlreadyExistsException when the directory it found
        // existing is gone by the time it checks it is a directory.
        Files.createDirectories(dir);
        return creation.create();
      } catch (NoSuchFileException | FileAlreadyExistsException e) {
        // Whether dir exists now says nothing: the other run may have made it again meanwhile.
        if (attempt >= 20 || !concerns(dir, e)) {
          throw e;
        }
      }
    }
  }

  /**
   * Whether {@code e} is about {@code dir}, one of its parents or a file in it (the directory was
   * removed under the creation), not about another file the creation reads (a copy's source).
   */
  private static boolean concerns(Path dir, FileSystemException e) {
    if (e.getFile() == null) {
      return true;
    }
    Path file = Path.of(e.getFile());
    return file.startsWith(dir) || dir.startsWith(file);
  }

  /**
   * Creates the object atomically: the bytes go to a temp file, which is then hard-linked to the
   * key; the link fails if the key exists, whoever made it, and readers never see a partial object.
   * Where the file system has no hard links, an exclusive create is the fallback (existence is
   * still decided atomically).
   */
  @Override
  public boolean putIfAbsent(String key, byte[] bytes) throws IOException {
    Path target = resolve(key);
    Path temp = AtomicFiles.tempBeside(target);
    try {
      creatingIn(
          target.getParent(),
          () -> {
            writeNew(temp, bytes);
            return temp;
          });
      try {
        Files.createLink(target, temp);
      } catch (FileAlreadyExistsException e) {
        return false;
      } catch (UnsupportedOperationException | FileSystemException e) {
        try {
          writeNew(target, bytes);
        } catch (FileAlreadyExistsException exists) {
          return false;
        }
      }
      AtomicFiles.fsyncDirectory(target.getParent());
      return true;
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static void writeNew(Path path, byte[] bytes) throws IOException {
    try (FileChannel channel =
        FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteChannels.writeFully(channel, ByteBuffer.wrap(bytes));
      channel.force(true);
    }
  }

  @Override
  public void copy(String from, String to) throws IOException {
    Path source = resolve(from);
    if (!Files.isRegularFile(source)) {
      throw new ObjectNotFoundException("file: no object " + from + " in repository " + root, from);
    }
    Path target = resolve(to);
    Path temp = AtomicFiles.tempBeside(target);
    try {
      creatingIn(
          target.getParent(), () -> Files.copy(source, temp, StandardCopyOption.COPY_ATTRIBUTES));
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      AtomicFiles.moveIntoPlace(temp, target);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  @Override
  public Set<SinkCapability> capabilities() {
    return Set.of(
        SinkCapability.SERVER_SIDE_COPY,
        SinkCapability.RANGED_READ,
        SinkCapability.ATOMIC_PUT_IF_ABSENT);
  }

  @Override
  public String toString() {
    return root.toUri().toString();
  }

  private static final class FileWrite extends AbstractPendingWrite {
    private final FileChannel channel;
    private final Path temp;
    private final Path target;
    private long written;

    FileWrite(FileChannel channel, Path temp, Path target) {
      this.channel = channel;
      this.temp = temp;
      this.target = target;
    }

    @Override
    protected int writeOpen(ByteBuffer src) throws IOException {
      try {
        int n = channel.write(src);
        written += n;
        return n;
      } catch (ClosedChannelException e) {
        // Closed by an interrupt or a cancel: not a storage failure; the caller knows why.
        throw e;
      } catch (IOException e) {
        throw failure("writing", e);
      }
    }

    @Override
    protected void publish() throws IOException {
      try {
        channel.force(true);
        channel.close();
        AtomicFiles.moveIntoPlace(temp, target);
      } catch (ClosedChannelException e) {
        throw e;
      } catch (IOException e) {
        throw failure("committing", e);
      }
    }

    /**
     * The file system's own exception, with the object, how far it got, and what to do about it.
     */
    private StorageException failure(String doing, IOException e) {
      String said = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      StorageException.Reason reason = reasonOf(e, said);
      String advice =
          switch (reason) {
            case FULL ->
                "Free space on that file system (df "
                    + target.getParent()
                    + ") or point the repository"
                    + " elsewhere";
            case ACCESS_DENIED -> "Make the repository writable by this user";
            case NO_SUCH_CONTAINER ->
                "The repository directory went away while writing; check the mount and the path";
            default -> "Check the disk and the file system (dmesg may say more)";
          };
      return new StorageException(
          "file: "
              + doing
              + " "
              + target
              + " failed after "
              + written
              + " bytes: "
              + said
              + "; nothing of this object was kept. "
              + advice
              + ", then run it again",
          target.toString(),
          reason,
          e);
    }

    private static StorageException.Reason reasonOf(IOException e, String said) {
      String lower = said.toLowerCase(java.util.Locale.ROOT);
      if (lower.contains("no space left") || lower.contains("quota exceeded")) {
        return StorageException.Reason.FULL;
      }
      if (e instanceof AccessDeniedException
          || lower.contains("permission denied")
          || lower.contains("read-only file system")) {
        return StorageException.Reason.ACCESS_DENIED;
      }
      if (e instanceof NoSuchFileException) {
        return StorageException.Reason.NO_SUCH_CONTAINER;
      }
      return StorageException.Reason.OTHER;
    }

    @Override
    protected void discard() {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.debug("file: closing {}: {}", temp, e.toString());
      }
      try {
        Files.deleteIfExists(temp);
      } catch (IOException e) {
        LOG.warn("file: cannot delete temp file {} of an aborted write: {}", temp, e.toString());
      }
    }
  }
}
