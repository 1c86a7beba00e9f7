package io.biowerk.dr.postgres;

import io.biowerk.dr.core.UnsafePathException;
import io.biowerk.dr.core.internal.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pg_dump directory-format archive as a tar stream, and back. The directory is flat ({@code
 * toc.dat}, {@code <id>.dat}, {@code blobs.toc}), so the tar is too; file bytes go from the file
 * straight into the reader's buffer.
 */
final class DirTar {

  private static final Logger LOG = LoggerFactory.getLogger(DirTar.class);

  /** The names pg_dump writes in a directory archive; anything else in a tar is refused. */
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}");

  private DirTar() {}

  /** Sees each file's bytes as the tar streams them. */
  interface Listener {
    /**
     * The next bytes of file {@code name}, from {@code data}'s position to its limit; neither may
     * change.
     */
    void bytes(String name, ByteBuffer data);

    /** File {@code name} is complete (also called, with no bytes before, for an empty file). */
    void end(String name);
  }

  private static final Listener NONE =
      new Listener() {
        @Override
        public void bytes(String name, ByteBuffer data) {}

        @Override
        public void end(String name) {}
      };

  /**
   * A channel of the tar of {@code dir}'s regular files, {@code toc.dat} first. The caller closes
   * it.
   */
  static ReadableByteChannel reading(Path dir) throws IOException {
    return reading(dir, NONE);
  }

  /** As {@link #reading(Path)}, showing {@code listener} each file's bytes as they stream. */
  static ReadableByteChannel reading(Path dir, Listener listener) throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files =
          new ArrayList<>(
              list.filter(Files::isRegularFile)
                  .sorted(
                      Comparator.comparing(
                              (Path p) -> !p.getFileName().toString().equals("toc.dat"))
                          .thenComparing(Path::toString))
                  .toList());
    }
    return new TarChannel(files, listener);
  }

  /**
   * Unpacks a tar of a directory archive into {@code dir}, accepting only flat file names such as
   * pg_dump writes, so no entry can land outside {@code dir}.
   *
   * @throws UnsafePathException if an entry has any other name
   */
  static void extract(InputStream tar, Path dir) throws IOException {
    extract(tar, dir, NONE);
  }

  /**
   * As {@link #extract(InputStream, Path)}, showing {@code listener} each file's bytes as they are
   * written.
   */
  static void extract(InputStream tar, Path dir, Listener listener) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    try (TarArchiveInputStream in = new TarArchiveInputStream(tar)) {
      TarArchiveEntry entry;
      while ((entry = in.getNextEntry()) != null) {
        String name = entry.getName();
        if (!entry.isFile() || !SAFE_NAME.matcher(name).matches() || name.contains("..")) {
          throw new UnsafePathException(
              "postgresql: the directory-format backup holds the entry '"
                  + name
                  + "', which is not a file name pg_dump writes; the backup is not a pg_dump directory archive"
                  + " and is refused",
              name);
        }
        try (OutputStream out =
            Files.newOutputStream(
                dir.resolve(name), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          int n;
          while ((n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
            if (n > 0) {
              listener.bytes(name, ByteBuffer.wrap(buffer, 0, n));
            }
          }
        }
        listener.end(name);
      }
    }
  }

  /** Deletes {@code dir} and everything in it; logs what it cannot delete. */
  static void deleteTree(Path dir) {
    try {
      FileTrees.delete(dir);
    } catch (IOException e) {
      LOG.warn(
          "postgresql: cannot delete scratch directory {}: {}; delete it by hand",
          dir,
          e.toString());
    }
  }

  /** Headers, file bytes and padding, pulled on demand. */
  private static final class TarChannel implements ReadableByteChannel {
    private final Deque<Object> parts = new ArrayDeque<>();
    private final Listener listener;
    private FileChannel current;
    private String currentName;
    private long currentLeft;
    private boolean closed;

    TarChannel(List<Path> files, Listener listener) throws IOException {
      this.listener = listener;
      for (Path file : files) {
        long size = Files.size(file);
        TarArchiveEntry entry = new TarArchiveEntry(file.getFileName().toString());
        entry.setSize(size);
        entry.setMode(0100600);
        entry.setModTime(Files.getLastModifiedTime(file));
        byte[] header = new byte[512];
        entry.writeEntryHeader(header);
        parts.add(ByteBuffer.wrap(header));
        parts.add(file);
        parts.add(new long[] {size});
        int pad = (int) ((512 - size % 512) % 512);
        if (pad > 0) {
          parts.add(ByteBuffer.allocate(pad));
        }
      }
      parts.add(ByteBuffer.allocate(1024));
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (closed) {
        throw new IllegalStateException("closed");
      }
      int total = 0;
      while (dst.hasRemaining()) {
        if (current != null) {
          int limit = dst.limit();
          if (dst.remaining() > currentLeft) {
            dst.limit(dst.position() + (int) currentLeft);
          }
          int n = current.read(dst);
          dst.limit(limit);
          if (n < 0) {
            throw new IOException(
                "postgresql: a file of the directory archive shrank while it was being read");
          }
          if (n > 0) {
            listener.bytes(
                currentName, dst.duplicate().limit(dst.position()).position(dst.position() - n));
          }
          currentLeft -= n;
          total += n;
          if (currentLeft == 0) {
            current.close();
            current = null;
            listener.end(currentName);
          }
          continue;
        }
        Object part = parts.peek();
        if (part == null) {
          break;
        }
        if (part instanceof ByteBuffer bytes) {
          int n = Math.min(bytes.remaining(), dst.remaining());
          ByteBuffer slice = bytes.slice();
          slice.limit(n);
          dst.put(slice);
          bytes.position(bytes.position() + n);
          total += n;
          if (!bytes.hasRemaining()) {
            parts.poll();
          }
        } else if (part instanceof Path file) {
          parts.poll();
          long[] size = (long[]) parts.poll();
          currentLeft = size[0];
          currentName = file.getFileName().toString();
          if (currentLeft > 0) {
            current = FileChannel.open(file, StandardOpenOption.READ);
          } else {
            listener.end(currentName);
          }
        }
      }
      return total == 0 && parts.isEmpty() && current == null ? -1 : total;
    }

    @Override
    public boolean isOpen() {
      return !closed;
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      if (current != null) {
        current.close();
      }
    }
  }
}
