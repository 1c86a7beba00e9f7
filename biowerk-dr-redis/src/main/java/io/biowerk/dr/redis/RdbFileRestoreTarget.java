package io.biowerk.dr.redis;

import static com.google.common.base.Preconditions.checkArgument;

import io.biowerk.dr.core.AbstractPendingWrite;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.TargetNotEmptyException;
import io.biowerk.dr.core.UriOptions;
import io.biowerk.dr.core.internal.AtomicFiles;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory as an offline restore target, for the plan's "stop Redis, restore, start Redis, check
 * DBSIZE": {@code redis-rdb:///var/lib/redis[?file=dump.rdb]}. Writes the snapshot as {@code
 * dump.rdb} (or the given {@code dbfilename}) atomically: a temporary file in the same directory,
 * fsync, rename, fsync of the directory, and only after the RDB header and CRC-64 trailer checked.
 * An existing file is replaced only with {@code force}. Stop Redis before committing (a running
 * Redis overwrites the file on its next save) and start it afterwards; its {@code dir} and {@code
 * dbfilename} must point at this file.
 */
public final class RdbFileRestoreTarget implements RestoreTarget {

  private static final Logger LOG = LoggerFactory.getLogger(RdbFileRestoreTarget.class);

  private final Path dir;
  private final String fileName;
  private final boolean force;

  private RdbFileRestoreTarget(Path dir, String fileName, boolean force) {
    this.dir = dir;
    this.fileName = fileName;
    this.force = force;
  }

  /**
   * True: the snapshot goes to a temporary file renamed into place only on commit, after every
   * checksum matched, and an abort deletes it; so a restore reads the stored bytes once.
   */
  @Override
  public boolean stagesUntilCommit() {
    return true;
  }

  /**
   * A target for {@code redis-rdb:///dir[?file=name]}.
   *
   * @throws IllegalArgumentException if the URI is malformed or the file name is not a plain name
   */
  public static RdbFileRestoreTarget of(URI uri, boolean force) {
    checkArgument(
        "redis-rdb".equalsIgnoreCase(uri.getScheme()),
        "redis: URI scheme (%s) must be redis-rdb",
        uri.getScheme());
    checkArgument(
        uri.getPath() != null
            && !uri.getPath().isEmpty()
            && (uri.getHost() == null || uri.getHost().isEmpty()),
        "redis: offline target %s must be redis-rdb:///absolute/dir",
        uri);
    String file = UriOptions.spec("redis").known("file").parse(uri).get("file", "dump.rdb");
    // A plain name only: the restore never writes outside the directory it was given.
    checkArgument(
        !file.isEmpty()
            && !file.contains("/")
            && !file.contains("\\")
            && !file.equals(".")
            && !file.equals(".."),
        "redis: option file (%s) must be a plain file name like dump.rdb",
        file);
    return new RdbFileRestoreTarget(Path.of(uri.getPath()), file, force);
  }

  /** The file the restore writes. */
  public Path file() {
    return dir.resolve(fileName);
  }

  /**
   * Starts writing the snapshot beside the target file.
   *
   * @throws TargetNotEmptyException if the file exists and force was not asked
   * @throws IOException if the directory cannot be written
   */
  @Override
  public PendingWrite open(BackupManifest manifest) throws IOException {
    checkArgument(
        manifest.format().equals("rdb"),
        "redis: backup %s is a %s backup, not an RDB snapshot",
        manifest.id(),
        manifest.format());
    Path target = file();
    if (!Files.isDirectory(dir)) {
      throw new IOException(
          "redis: offline restore directory "
              + dir
              + " does not exist; create it or point "
              + "redis-rdb:// at Redis' dir");
    }
    if (Files.exists(target) && !force) {
      throw new TargetNotEmptyException(
          "redis: "
              + target
              + " already exists; stop Redis and move it aside, or "
              + "restore with force to replace it",
          target.toString());
    }
    Path temp = AtomicFiles.tempBeside(dir.resolve(fileName));
    FileChannel channel =
        FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    return new Write(channel, temp, target, manifest.id());
  }

  @Override
  public String toString() {
    return "redis-rdb://" + file();
  }

  /** A temp file that becomes the target on commit, after its header and trailer checked. */
  private static final class Write extends AbstractPendingWrite {
    private final FileChannel channel;
    private final Path temp;
    private final Path target;
    private final String id;
    private final byte[] head = new byte[9];
    private final byte[] tail = new byte[8];
    private long written;
    private long crc;

    Write(FileChannel channel, Path temp, Path target, String id) {
      this.channel = channel;
      this.temp = temp;
      this.target = target;
      this.id = id;
    }

    @Override
    protected int writeOpen(ByteBuffer src) throws IOException {
      int n = src.remaining();
      // The CRC covers all but the last 8 bytes; hold the newest 8 back in `tail` until more
      // arrive.
      ByteBuffer view = src.duplicate();
      byte[] chunk = new byte[Math.min(n, 64 * 1024)];
      while (view.hasRemaining()) {
        int k = Math.min(chunk.length, view.remaining());
        view.get(chunk, 0, k);
        absorb(chunk, k);
      }
      while (src.hasRemaining()) {
        channel.write(src);
      }
      return n;
    }

    private void absorb(byte[] b, int n) {
      for (int i = 0; i < n && written + i < 9; i++) {
        head[(int) (written + i)] = b[i];
      }
      int tailLen = (int) Math.min(8, written);
      written += n;
      // Conceptually tail ++ b: all but its last 8 bytes are settled into the CRC, the last 8
      // become the tail.
      int total = tailLen + n;
      int settle = Math.max(0, total - 8);
      crc = Crc64.update(crc, tail, 0, Math.min(settle, tailLen));
      if (settle > tailLen) {
        crc = Crc64.update(crc, b, 0, settle - tailLen);
      }
      byte[] next = new byte[8];
      int k = 0;
      for (int i = settle; i < total; i++) {
        next[k++] = i < tailLen ? tail[i] : b[i - tailLen];
      }
      System.arraycopy(next, 0, tail, 0, 8);
    }

    @Override
    protected void publish() throws IOException {
      String magic = new String(head, StandardCharsets.ISO_8859_1);
      if (written < 18 || !magic.startsWith("REDIS")) {
        throw new IntegrityException(
            "redis: backup "
                + id
                + " is not an RDB snapshot (no REDIS header); "
                + target
                + " was left unchanged");
      }
      int version = Integer.parseInt(magic.substring(5));
      long stored = 0;
      for (int i = 0; i < 8; i++) {
        stored |= (long) (tail[i] & 0xff) << (8 * i);
      }
      if (version >= 5 && stored != 0 && stored != crc) {
        throw new IntegrityException(
            "redis: backup "
                + id
                + " has a bad RDB CRC-64 ("
                + Crc64.hex(stored)
                + " vs "
                + Crc64.hex(crc)
                + "); "
                + target
                + " was left unchanged",
            id,
            Crc64.hex(stored),
            Crc64.hex(crc));
      }
      channel.force(true);
      channel.close();
      AtomicFiles.moveIntoPlace(temp, target);
      LOG.info(
          "redis: wrote backup {} to {} ({} bytes); start Redis with dir {} and dbfilename {}",
          id,
          target,
          written,
          target.getParent(),
          target.getFileName());
    }

    @Override
    protected void discard() {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.warn("redis: cannot close {}: {}", temp, e.toString());
      }
      try {
        Files.deleteIfExists(temp);
      } catch (IOException e) {
        LOG.warn("redis: cannot remove {}: {}", temp, e.toString());
      }
    }
  }
}
