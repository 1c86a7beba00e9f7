package io.biowerk.dr.core.codec;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.internal.ByteChannels;
import io.biowerk.dr.core.internal.Failures;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM encryption ({@code enc}) in the segmented container of {@code
 * docs/format/encrypted-container.md}: a header (magic, version, segment size, key id, random salt,
 * key commitment), then fixed-size segments each sealed under a per-backup key derived with
 * HKDF-SHA256, with the segment index and a last-segment flag in the nonce, so truncation,
 * reordering and splicing are detected.
 *
 * <p>Bulk AES-GCM runs in the JDK's intrinsified {@link Cipher}; HKDF is {@code Hkdf} on the JDK's
 * HMAC. Stateless: every channel has its own cipher. Key material never appears in messages or
 * {@link #toString()}.
 */
public final class EncryptionCodec implements Codec {

  /** The codec id and file extension. */
  public static final String ID = "enc";

  /** The container's magic bytes, ASCII {@code BWDR-ENC}. */
  static final byte[] MAGIC = "BWDR-ENC".getBytes(StandardCharsets.US_ASCII);

  static final int VERSION = 1;
  static final int ALGORITHM_AES256GCM_HKDF_SHA256 = 1;
  static final int SALT_LENGTH = 32;
  static final int COMMITMENT_LENGTH = 32;
  static final int TAG_LENGTH = 16;
  static final int MIN_SEGMENT = 1024;
  static final int MAX_SEGMENT = 16 << 20;
  static final byte[] HKDF_INFO =
      "BIOwerk-DR enc v1 AES-256-GCM".getBytes(StandardCharsets.US_ASCII);

  /** The default plaintext bytes per segment. */
  public static final int DEFAULT_SEGMENT_SIZE = 64 * 1024;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final MasterKey encryptionKey;
  private final KeyRing ring;
  private final int segmentSize;

  private EncryptionCodec(MasterKey encryptionKey, KeyRing ring, int segmentSize) {
    checkArgument(
        segmentSize >= MIN_SEGMENT && segmentSize <= MAX_SEGMENT,
        "enc segment size (%s) must be %s to %s bytes",
        segmentSize,
        MIN_SEGMENT,
        MAX_SEGMENT);
    this.encryptionKey = encryptionKey;
    this.ring = requireNonNull(ring, "ring");
    this.segmentSize = segmentSize;
  }

  /**
   * A codec that encrypts with {@code key} and decrypts with {@code ring} (which should also hold
   * {@code key}).
   */
  public static EncryptionCodec encryptingWith(MasterKey key, KeyRing ring) {
    return new EncryptionCodec(requireNonNull(key, "key"), ring, DEFAULT_SEGMENT_SIZE);
  }

  /** A codec that encrypts with {@code key} in segments of {@code segmentSize} plaintext bytes. */
  public static EncryptionCodec encryptingWith(MasterKey key, KeyRing ring, int segmentSize) {
    return new EncryptionCodec(requireNonNull(key, "key"), ring, segmentSize);
  }

  /** A codec that only decrypts, with whichever key of {@code ring} a container names. */
  public static EncryptionCodec decryptingWith(KeyRing ring) {
    return new EncryptionCodec(null, ring, DEFAULT_SEGMENT_SIZE);
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Map<String, String> parameters() {
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("cipher", "aes-256-gcm");
    if (encryptionKey != null) {
      parameters.put("key-id", encryptionKey.id());
    }
    parameters.put("segment-size", Integer.toString(segmentSize));
    return parameters;
  }

  /** The key this codec encrypts with, or null for a decrypting codec. */
  MasterKey encryptionKeyOrNull() {
    return encryptionKey;
  }

  /** The id of the key this codec encrypts with. */
  public String keyId() {
    if (encryptionKey == null) {
      throw new IllegalStateException("this codec only decrypts");
    }
    return encryptionKey.id();
  }

  @Override
  public WritableByteChannel encode(WritableByteChannel out) throws IOException {
    if (encryptionKey == null) {
      throw new IllegalStateException(
          "this codec only decrypts; make one with encryptingWith(key, ring)");
    }
    byte[] salt = new byte[SALT_LENGTH];
    RANDOM.nextBytes(salt);
    DerivedKeys keys = DerivedKeys.derive(encryptionKey, salt);
    byte[] header = header(encryptionKey.id(), segmentSize, salt, keys.commitment);
    ByteChannels.writeFully(out, ByteBuffer.wrap(header));
    return new Encryptor(out, keys.aesKey, header, segmentSize);
  }

  @Override
  public ReadableByteChannel decode(ReadableByteChannel in) throws IOException {
    Header header = Header.read(in);
    MasterKey key = ring.resolve(header.keyId);
    DerivedKeys keys = DerivedKeys.derive(key, header.salt);
    if (!MessageDigest.isEqual(keys.commitment, header.commitment)) {
      throw new WrongKeyException(
          "enc decode failed: the key with id '"
              + header.keyId
              + "' is not the key this backup was encrypted with (key commitment differs); use the key file that"
              + " held that key when the backup was made. If you are sure the key is right, the container header"
              + " itself may be damaged: `biowerk-dr verify --level stored` checks the stored bytes without a key",
          header.keyId);
    }
    return new Decryptor(in, keys.aesKey, header.bytes, header.segmentSize);
  }

  /**
   * Says that about {@code storedBytes} of this codec's containers are about to be decrypted (a
   * restore or verification that knows its backup's stored size): from {@link
   * AesGcmWarmup#AFTER_BYTES} on, the JIT warm-up of AES-GCM decryption starts now, on another
   * core, instead of after the first 8 MiB. A fresh JVM otherwise opens its first tens of MiB at
   * 40-60 MB/s, interpreted: more than half a second of a 256 MiB restore. Costs nothing when the
   * warm-up has run or is off.
   */
  public static void expectDecrypting(long storedBytes) {
    if (storedBytes >= AesGcmWarmup.AFTER_BYTES) {
      AesGcmWarmup.start(Cipher.DECRYPT_MODE);
    }
  }

  @Override
  public String toString() {
    return encryptionKey == null
        ? "aes-256-gcm(decrypt)"
        : "aes-256-gcm(key " + encryptionKey.id() + ")";
  }

  static byte[] header(String keyId, int segmentSize, byte[] salt, byte[] commitment) {
    byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
    ByteBuffer header =
        ByteBuffer.allocate(
            MAGIC.length + 1 + 1 + 4 + 1 + id.length + SALT_LENGTH + COMMITMENT_LENGTH);
    header
        .put(MAGIC)
        .put((byte) VERSION)
        .put((byte) ALGORITHM_AES256GCM_HKDF_SHA256)
        .putInt(segmentSize)
        .put((byte) id.length)
        .put(id)
        .put(salt)
        .put(commitment);
    return header.array();
  }

  /**
   * The 12-byte nonce of segment {@code index}: three zero bytes, the index big-endian, the last
   * flag.
   */
  static byte[] nonce(long index, boolean last) {
    return ByteBuffer.allocate(12)
        .put(new byte[3])
        .putLong(index)
        .put((byte) (last ? 1 : 0))
        .array();
  }

  private static final class DerivedKeys {
    final SecretKeySpec aesKey;
    final byte[] commitment;

    private DerivedKeys(SecretKeySpec aesKey, byte[] commitment) {
      this.aesKey = aesKey;
      this.commitment = commitment;
    }

    static DerivedKeys derive(MasterKey master, byte[] salt) {
      byte[] ikm = master.material();
      byte[] okm = Hkdf.sha256(ikm, salt, HKDF_INFO, 64);
      try {
        return new DerivedKeys(
            new SecretKeySpec(okm, 0, 32, "AES"), Arrays.copyOfRange(okm, 32, 64));
      } finally {
        Arrays.fill(ikm, (byte) 0);
        Arrays.fill(okm, (byte) 0);
      }
    }
  }

  private static final class Header {
    final byte[] bytes;
    final String keyId;
    final int segmentSize;
    final byte[] salt;
    final byte[] commitment;

    private Header(byte[] bytes, String keyId, int segmentSize, byte[] salt, byte[] commitment) {
      this.bytes = bytes;
      this.keyId = keyId;
      this.segmentSize = segmentSize;
      this.salt = salt;
      this.commitment = commitment;
    }

    static Header read(ReadableByteChannel in) throws IOException {
      ByteBuffer fixed = ByteBuffer.allocate(MAGIC.length + 1 + 1 + 4 + 1);
      int n = ByteChannels.readFully(in, fixed);
      if (n < fixed.capacity()) {
        throw new IntegrityException(
            "enc decode failed: the stored object is "
                + Math.max(n, 0)
                + " bytes, shorter than an encrypted-container header; it is truncated or not encrypted");
      }
      fixed.flip();
      byte[] magic = new byte[MAGIC.length];
      fixed.get(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IntegrityException(
            "enc decode failed: the stored object does not start with the"
                + " encrypted-container magic 'BWDR-ENC'; it is damaged or was not encrypted by biowerk-dr");
      }
      int version = fixed.get() & 0xff;
      if (version != VERSION) {
        throw new IntegrityException(
            "enc decode failed: container version "
                + version
                + " is not supported (this version reads version "
                + VERSION
                + "); upgrade biowerk-dr");
      }
      int algorithm = fixed.get() & 0xff;
      if (algorithm != ALGORITHM_AES256GCM_HKDF_SHA256) {
        throw new IntegrityException(
            "enc decode failed: container algorithm "
                + algorithm
                + " is not supported; upgrade biowerk-dr");
      }
      int segmentSize = fixed.getInt();
      if (segmentSize < MIN_SEGMENT || segmentSize > MAX_SEGMENT) {
        throw new IntegrityException(
            "enc decode failed: container segment size "
                + segmentSize
                + " is outside "
                + MIN_SEGMENT
                + "-"
                + MAX_SEGMENT
                + "; the header is damaged");
      }
      int idLength = fixed.get() & 0xff;
      if (idLength == 0) {
        throw new IntegrityException(
            "enc decode failed: the container names no key id; the header is damaged");
      }
      ByteBuffer rest = ByteBuffer.allocate(idLength + SALT_LENGTH + COMMITMENT_LENGTH);
      if (ByteChannels.readFully(in, rest) < rest.capacity()) {
        throw new IntegrityException(
            "enc decode failed: the encrypted-container header is truncated");
      }
      rest.flip();
      byte[] id = new byte[idLength];
      rest.get(id);
      byte[] salt = new byte[SALT_LENGTH];
      rest.get(salt);
      byte[] commitment = new byte[COMMITMENT_LENGTH];
      rest.get(commitment);
      String keyId = new String(id, StandardCharsets.UTF_8);
      try {
        MasterKey.checkId(keyId);
      } catch (IllegalArgumentException e) {
        throw new IntegrityException(
            "enc decode failed: the container's key id is not valid; the header is" + " damaged");
      }
      byte[] bytes = new byte[fixed.capacity() + rest.capacity()];
      System.arraycopy(fixed.array(), 0, bytes, 0, fixed.capacity());
      System.arraycopy(rest.array(), 0, bytes, fixed.capacity(), rest.capacity());
      return new Header(bytes, keyId, segmentSize, salt, commitment);
    }
  }

  static final class Encryptor implements WritableByteChannel {
    private final WritableByteChannel out;
    private final SecretKeySpec key;
    private final byte[] aad;
    private final int segmentSize;
    private final Cipher cipher;
    private final ByteBuffer pending;
    private final ByteBuffer sealed;
    private final AesGcmWarmup.Trigger warmup = new AesGcmWarmup.Trigger(Cipher.ENCRYPT_MODE);
    private long index;
    private boolean closed;

    Encryptor(WritableByteChannel out, SecretKeySpec key, byte[] aad, int segmentSize)
        throws IOException {
      this.out = out;
      this.key = key;
      this.aad = aad;
      this.segmentSize = segmentSize;
      this.pending = ByteBuffer.allocate(segmentSize);
      this.sealed = ByteBuffer.allocate(segmentSize + TAG_LENGTH);
      try {
        this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
      } catch (GeneralSecurityException e) {
        throw new IOException("enc encode failed: this Java runtime lacks AES/GCM/NoPadding", e);
      }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (closed) {
        throw new IllegalStateException("closed");
      }
      int n = src.remaining();
      while (src.hasRemaining()) {
        if (!pending.hasRemaining()) {
          // More bytes follow a full pending segment, so it is not the last one.
          pending.flip();
          seal(pending, false);
          pending.clear();
        }
        if (pending.position() == 0 && src.remaining() > segmentSize) {
          // A whole non-last segment is sealed straight from the caller's buffer: no copy.
          // (Strictly more than
          // a segment must remain, since a full segment is never the last one.)
          ByteBuffer segment = src.slice();
          segment.limit(segmentSize);
          seal(segment, false);
          src.position(src.position() + segmentSize);
        } else {
          int take = Math.min(src.remaining(), pending.remaining());
          ByteBuffer part = src.slice();
          part.limit(take);
          pending.put(part);
          src.position(src.position() + take);
        }
      }
      return n;
    }

    private void seal(ByteBuffer plaintext, boolean last) throws IOException {
      warmup.passed(plaintext.remaining());
      try {
        cipher.init(
            Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_LENGTH * 8, nonce(index, last)));
        cipher.updateAAD(aad);
        sealed.clear();
        cipher.doFinal(plaintext, sealed);
      } catch (GeneralSecurityException e) {
        throw new IOException(
            "enc encode failed: sealing segment " + index + ": " + e.getMessage(), e);
      }
      index++;
      sealed.flip();
      // Lent, not copied: the downstream consumes `sealed` before write returns.
      ByteChannels.writeFully(out, sealed);
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
      Throwable failure = null;
      try {
        // The last segment holds what is pending: fewer than segmentSize bytes, or exactly
        // segmentSize when
        // the pending buffer filled on the last write. A full pending segment is sealed as non-last
        // first,
        // then an empty last segment follows, so a last segment is always shorter than a full one.
        pending.flip();
        if (pending.remaining() == segmentSize) {
          seal(pending, false);
          pending.clear().flip();
        }
        seal(pending, true);
      } catch (IOException | RuntimeException e) {
        failure = e;
      }
      try {
        out.close();
      } catch (IOException | RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
      Failures.rethrowIfAny(failure, "enc encode");
    }
  }

  static final class Decryptor implements ReadableByteChannel {
    private final ReadableByteChannel in;
    private final SecretKeySpec key;
    private final byte[] aad;
    private final Cipher cipher;
    private final ByteBuffer ciphertext;
    private final ByteBuffer plaintext;
    private final AesGcmWarmup.Trigger warmup = new AesGcmWarmup.Trigger(Cipher.DECRYPT_MODE);
    private long index;
    private boolean lastSeen;
    private boolean closed;

    Decryptor(ReadableByteChannel in, SecretKeySpec key, byte[] aad, int segmentSize)
        throws IOException {
      this.in = in;
      this.key = key;
      this.aad = aad;
      this.ciphertext = ByteBuffer.allocate(segmentSize + TAG_LENGTH);
      this.plaintext = ByteBuffer.allocate(segmentSize).flip();
      try {
        this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
      } catch (GeneralSecurityException e) {
        throw new IOException("enc decode failed: this Java runtime lacks AES/GCM/NoPadding", e);
      }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (closed) {
        throw new IllegalStateException("closed");
      }
      if (!dst.hasRemaining()) {
        return 0;
      }
      while (!plaintext.hasRemaining()) {
        if (lastSeen) {
          return -1;
        }
        ciphertext.clear();
        int n = ByteChannels.readFully(in, ciphertext);
        if (n < 0) {
          throw new IntegrityException(
              "enc decode failed: the stream ends after segment "
                  + (index - 1)
                  + " without its last segment; the stored object is truncated");
        }
        if (n < TAG_LENGTH) {
          throw new IntegrityException(
              "enc decode failed: segment "
                  + index
                  + " is "
                  + n
                  + " bytes, shorter than its authentication tag; the stored object is truncated");
        }
        boolean last = n < ciphertext.capacity();
        ciphertext.flip();
        plaintext.clear();
        open(ciphertext, plaintext, last);
        plaintext.flip();
        if (last) {
          lastSeen = true;
          ByteBuffer probe = ByteBuffer.allocate(1);
          if (ByteChannels.readFully(in, probe) > 0) {
            throw new IntegrityException(
                "enc decode failed: data follows the last segment "
                    + (index - 1)
                    + "; the stored object was modified");
          }
        }
      }
      int n = Math.min(plaintext.remaining(), dst.remaining());
      ByteBuffer slice = plaintext.slice();
      slice.limit(n);
      dst.put(slice);
      plaintext.position(plaintext.position() + n);
      return n;
    }

    private void open(ByteBuffer sealed, ByteBuffer into, boolean last) throws IOException {
      warmup.passed(sealed.remaining());
      try {
        cipher.init(
            Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_LENGTH * 8, nonce(index, last)));
        cipher.updateAAD(aad);
        cipher.doFinal(sealed, into);
      } catch (AEADBadTagException e) {
        throw new IntegrityException(
            "enc decode failed: segment "
                + index
                + (last ? " (last)" : "")
                + " does not authenticate; the stored object was damaged, truncated or reordered");
      } catch (GeneralSecurityException e) {
        throw new IOException("enc decode failed: segment " + index + ": " + e.getMessage(), e);
      }
      index++;
    }

    @Override
    public boolean isOpen() {
      return !closed;
    }

    @Override
    public void close() throws IOException {
      if (!closed) {
        closed = true;
        in.close();
      }
    }
  }
}
