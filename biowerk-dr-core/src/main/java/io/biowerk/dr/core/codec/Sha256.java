package io.biowerk.dr.core.codec;

import com.google.common.io.BaseEncoding;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 taps: channels that hash and count the bytes passing through without copying them, and
 * the hex form checksums are recorded in.
 */
public final class Sha256 {

  private Sha256() {}

  /** A new SHA-256 digest. */
  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every Java platform has SHA-256", e);
    }
  }

  /** Lower-case hex of {@code bytes}. */
  public static String hex(byte[] bytes) {
    return BaseEncoding.base16().lowerCase().encode(bytes);
  }

  /** The SHA-256 of {@code bytes}, in hex. */
  public static String of(byte[] bytes) {
    return hex(newDigest().digest(bytes));
  }

  /**
   * A writing tap that hashes and counts what passes to {@code out}. Closing it closes {@code out}.
   */
  public static Writing writing(WritableByteChannel out) {
    return new Writing(out, true);
  }

  /**
   * A writing tap that only counts what passes to {@code out}, for bytes whose hash is taken
   * elsewhere (a backup without codecs stores its raw bytes, which the reader already hashes); its
   * {@link Writing#hex()} throws {@link IllegalStateException}. Closing it closes {@code out}.
   */
  public static Writing counting(WritableByteChannel out) {
    return new Writing(out, false);
  }

  /**
   * A reading tap that hashes and counts what is read from {@code in}. Closing it closes {@code
   * in}.
   */
  public static Reading reading(ReadableByteChannel in) {
    return new Reading(in);
  }

  /** A writing tap. */
  public static final class Writing implements WritableByteChannel {
    private final WritableByteChannel out;
    private final MessageDigest digest;
    // volatile: progress reports read it from another thread than the one writing
    private volatile long count;
    private byte[] result;

    private Writing(WritableByteChannel out, boolean hashing) {
      this.out = out;
      this.digest = hashing ? newDigest() : null;
    }

    // Only the writing thread updates count; other threads only read it (progress reports).
    @SuppressWarnings("NonAtomicVolatileUpdate")
    @Override
    public int write(ByteBuffer src) throws IOException {
      // The tap reads a view of the caller's bytes after they have been written: no copy.
      ByteBuffer view = src.duplicate();
      int n = out.write(src);
      if (digest != null) {
        view.limit(view.position() + n);
        digest.update(view);
      }
      count += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return out.isOpen();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }

    /** Bytes written so far. */
    public long count() {
      return count;
    }

    /** The hex SHA-256 of everything written; ends the digest, so call it once at the end. */
    public String hex() {
      if (digest == null) {
        throw new IllegalStateException("a counting tap (Sha256.counting) has no hash");
      }
      if (result == null) {
        result = digest.digest();
      }
      return Sha256.hex(result);
    }
  }

  /** A reading tap. */
  public static final class Reading implements ReadableByteChannel {
    private final ReadableByteChannel in;
    private final MessageDigest digest = newDigest();
    private long count;
    private byte[] result;

    private Reading(ReadableByteChannel in) {
      this.in = in;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      int start = dst.position();
      int n = in.read(dst);
      if (n > 0) {
        // Hash a view of the bytes just read: no copy.
        ByteBuffer view = dst.duplicate();
        view.position(start).limit(start + n);
        digest.update(view);
        count += n;
      }
      return n;
    }

    @Override
    public boolean isOpen() {
      return in.isOpen();
    }

    @Override
    public void close() throws IOException {
      in.close();
    }

    /** Bytes read so far. */
    public long count() {
      return count;
    }

    /** The hex SHA-256 of everything read; ends the digest, so call it once at the end. */
    public String hex() {
      if (digest == null) {
        throw new IllegalStateException("a counting tap (Sha256.counting) has no hash");
      }
      if (result == null) {
        result = digest.digest();
      }
      return Sha256.hex(result);
    }
  }
}
