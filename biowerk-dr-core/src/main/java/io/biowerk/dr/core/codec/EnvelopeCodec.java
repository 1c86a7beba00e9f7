package io.biowerk.dr.core.codec;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyNotFoundException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.WrappingKey;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.internal.ByteChannels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM envelope encryption ({@code enc}, container format 2 of {@code
 * docs/format/encrypted-container-v2.md}): each codec made for encrypting holds a fresh random data
 * key; each container derives its AES key from it with HKDF-SHA256 and a random salt, and the
 * segments are sealed exactly as in format 1. The data key itself is stored only wrapped, once per
 * {@link Recipient}, in the codec's manifest parameters ({@code wrap.<id>}), never in the data
 * object: so re-wrapping to a new master key rewrites the small manifest and no data.
 *
 * <p>Make one encrypting codec per backup ({@link #encryptingTo}); reusing one is safe (each
 * container has its own salt, hence its own AES key) but shares the data key between those backups.
 * Stateless per channel and thread-safe. The data key appears in no message and no {@link
 * #toString()}.
 */
public final class EnvelopeCodec implements Codec {

  /** The {@code format} parameter that marks an {@code enc} codec as format 2. */
  public static final String FORMAT = "2";

  /** Prefix of the parameters that hold wrapped data keys: {@code wrap.<key id>}. */
  public static final String WRAP_PREFIX = "wrap.";

  static final int VERSION = 2;
  static final int ALGORITHM = 2;
  static final int SALT_LENGTH = 32;
  static final int COMMITMENT_LENGTH = 32;
  static final int HEADER_LENGTH = 8 + 1 + 1 + 4 + SALT_LENGTH + COMMITMENT_LENGTH;
  static final byte[] HKDF_INFO =
      "BIOwerk-DR enc v2 AES-256-GCM".getBytes(StandardCharsets.US_ASCII);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] dataKey;
  private final Map<String, String> wraps;
  private final KeyRing ring;
  private final int segmentSize;

  private EnvelopeCodec(byte[] dataKey, Map<String, String> wraps, KeyRing ring, int segmentSize) {
    checkArgument(
        segmentSize >= EncryptionCodec.MIN_SEGMENT && segmentSize <= EncryptionCodec.MAX_SEGMENT,
        "enc segment size (%s) must be %s to %s bytes",
        segmentSize,
        EncryptionCodec.MIN_SEGMENT,
        EncryptionCodec.MAX_SEGMENT);
    this.dataKey = dataKey;
    this.wraps = wraps;
    this.ring = ring;
    this.segmentSize = segmentSize;
  }

  /**
   * A codec with a new random data key wrapped to each of {@code recipients} (at least one; the
   * first names the manifest's key id).
   *
   * @throws IOException if a recipient held in a key service cannot wrap (the service refuses or
   *     cannot be reached)
   */
  public static EnvelopeCodec encryptingTo(List<Recipient> recipients) throws IOException {
    return encryptingTo(recipients, EncryptionCodec.DEFAULT_SEGMENT_SIZE);
  }

  /**
   * As {@link #encryptingTo(List)}, in segments of {@code segmentSize} plaintext bytes.
   *
   * @throws IOException if a recipient held in a key service cannot wrap
   */
  public static EnvelopeCodec encryptingTo(List<Recipient> recipients, int segmentSize)
      throws IOException {
    checkArgument(!recipients.isEmpty(), "enc: at least one recipient is needed");
    byte[] dataKey = KeyWrap.newDataKey();
    Map<String, String> wraps = new LinkedHashMap<>();
    for (Recipient recipient : recipients) {
      checkArgument(
          !wraps.containsKey(recipient.id()), "enc: recipient id (%s) given twice", recipient.id());
      wraps.put(recipient.id(), recipient.wrap(dataKey));
    }
    return new EnvelopeCodec(
        dataKey, java.util.Collections.unmodifiableMap(wraps), null, segmentSize);
  }

  /**
   * A codec that decrypts the containers of one backup, whose manifest parameters ({@code
   * wrap.<id>}) hold its wrapped data key, with whichever of those keys {@code ring} has.
   */
  public static EnvelopeCodec decryptingWith(Map<String, String> parameters, KeyRing ring) {
    return new EnvelopeCodec(
        null,
        wraps(parameters),
        requireNonNull(ring, "ring"),
        EncryptionCodec.DEFAULT_SEGMENT_SIZE);
  }

  /** Whether manifest {@code parameters} of an {@code enc} codec are format 2. */
  public static boolean isFormat2(Map<String, String> parameters) {
    return FORMAT.equals(parameters.get("format"));
  }

  /**
   * The wrapped data keys in manifest {@code parameters}: key id to stanza, the primary ({@code
   * key-id}) first, then in id order.
   */
  public static Map<String, String> wraps(Map<String, String> parameters) {
    Map<String, String> sorted = new TreeMap<>();
    parameters.forEach(
        (name, value) -> {
          if (name.startsWith(WRAP_PREFIX)) {
            sorted.put(name.substring(WRAP_PREFIX.length()), value);
          }
        });
    Map<String, String> wraps = new LinkedHashMap<>();
    String primary = parameters.get("key-id");
    if (primary != null && sorted.containsKey(primary)) {
      wraps.put(primary, sorted.get(primary));
    }
    wraps.putAll(sorted);
    return java.util.Collections.unmodifiableMap(wraps);
  }

  /**
   * Manifest parameters with the wrapped keys replaced by {@code wraps} (id to stanza); {@code
   * key-id} becomes {@code primary}.
   */
  public static Map<String, String> withWraps(
      Map<String, String> parameters, Map<String, String> wraps, String primary) {
    checkArgument(wraps.containsKey(primary), "enc: primary key id (%s) has no wrap", primary);
    Map<String, String> out = new TreeMap<>();
    parameters.forEach(
        (name, value) -> {
          if (!name.startsWith(WRAP_PREFIX)) {
            out.put(name, value);
          }
        });
    wraps.forEach((id, stanza) -> out.put(WRAP_PREFIX + id, stanza));
    out.put("key-id", primary);
    return out;
  }

  /**
   * Opens the data key from {@code wraps} (id to stanza) with the first of those keys {@code ring}
   * has.
   *
   * @return the 32-byte data key; wipe it when done
   * @throws KeyNotFoundException if the ring has none of the keys
   * @throws WrongKeyException if a wrapped key does not open with the ring's key of that id
   * @throws IntegrityException if a wrapped key is malformed
   */
  public static byte[] openDataKey(Map<String, String> wraps, KeyRing ring) throws IOException {
    if (wraps.isEmpty()) {
      throw new IntegrityException(
          "enc decode failed: the manifest holds no wrapped data key (no wrap.<id> parameter); it is"
              + " damaged: restore the manifest from another copy of the repository");
    }
    Set<String> known = ring.ids();
    WrongKeyException wrong = null;
    for (Map.Entry<String, String> wrap : wraps.entrySet()) {
      String type = KeyWrap.type(wrap.getValue());
      if (!known.contains(wrap.getKey())) {
        // A service key its provider does not list (e.g. a KMS key other than the active one, which
        // KMS would need kms:ListAliases to name): tried when a provider serves that stanza type.
        Optional<WrappingKey> service =
            type.equals(KeyWrap.MASTER) || type.equals(KeyWrap.X25519)
                ? Optional.empty()
                : ring.wrappingKey(wrap.getKey()).filter(key -> key.type().equals(type));
        if (service.isPresent()) {
          try {
            return service.get().unwrap(wrap.getValue());
          } catch (WrongKeyException e) {
            wrong = wrong == null ? e : wrong;
          }
        }
        continue;
      }
      if (!type.equals(KeyWrap.MASTER) && !type.equals(KeyWrap.X25519)) {
        Optional<WrappingKey> service = ring.wrappingKey(wrap.getKey());
        if (service.isPresent()) {
          try {
            return service.get().unwrap(wrap.getValue());
          } catch (WrongKeyException e) {
            wrong = wrong == null ? e : wrong;
            continue;
          }
        }
      }
      byte[] secret = ring.resolve(wrap.getKey()).material();
      try {
        return KeyWrap.unwrap(wrap.getKey(), wrap.getValue(), secret);
      } catch (IntegrityException e) {
        if (!KeyWrap.type(wrap.getValue()).equals(KeyWrap.MASTER)
            && !KeyWrap.type(wrap.getValue()).equals(KeyWrap.X25519)) {
          throw e;
        }
        if (wrong == null) {
          wrong =
              new WrongKeyException(
                  "enc decode failed: " + e.getMessage().substring("key wrap: ".length()),
                  wrap.getKey());
        }
      } finally {
        Arrays.fill(secret, (byte) 0);
      }
    }
    if (wrong != null) {
      throw wrong;
    }
    String first = wraps.keySet().iterator().next();
    throw new KeyNotFoundException(
        "enc decode failed: no key with id '"
            + first
            + "' is available, nor any other key this backup's data key is wrapped to "
            + wraps.keySet()
            + " (known ids: "
            + known
            + "); add the key file, or the private key of a recipient, that holds one of them"
            + " with --key-file",
        first);
  }

  @Override
  public String id() {
    return EncryptionCodec.ID;
  }

  @Override
  public Map<String, String> parameters() {
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("cipher", "aes-256-gcm");
    parameters.put("format", FORMAT);
    if (!wraps.isEmpty()) {
      parameters.put("key-id", wraps.keySet().iterator().next());
    }
    parameters.put("segment-size", Integer.toString(segmentSize));
    wraps.forEach((id, stanza) -> parameters.put(WRAP_PREFIX + id, stanza));
    return parameters;
  }

  /**
   * The data key of an encrypting codec (not a copy: do not wipe), or null for a decrypting one.
   */
  byte[] dataKeyOrNull() {
    return dataKey;
  }

  /** The id of the first recipient, recorded as the manifest's key id. */
  public String keyId() {
    return wraps.keySet().iterator().next();
  }

  @Override
  public WritableByteChannel encode(WritableByteChannel out) throws IOException {
    if (dataKey == null) {
      throw new IllegalStateException(
          "this codec only decrypts; make one with EnvelopeCodec.encryptingTo(recipients)");
    }
    byte[] salt = new byte[SALT_LENGTH];
    RANDOM.nextBytes(salt);
    byte[] okm = KeyWrap.hkdf(dataKey, salt, HKDF_INFO, 64);
    try {
      byte[] header = header(segmentSize, salt, Arrays.copyOfRange(okm, 32, 64));
      ByteChannels.writeFully(out, ByteBuffer.wrap(header));
      return new EncryptionCodec.Encryptor(
          out, new SecretKeySpec(okm, 0, 32, "AES"), header, segmentSize);
    } finally {
      Arrays.fill(okm, (byte) 0);
    }
  }

  @Override
  public ReadableByteChannel decode(ReadableByteChannel in) throws IOException {
    byte[] header = readHeader(in);
    int segments = ByteBuffer.wrap(header, 10, 4).getInt();
    // An encrypting codec reads its own containers with the data key it holds.
    byte[] key = dataKey != null ? dataKey.clone() : openDataKey(wraps, ring);
    byte[] okm = KeyWrap.hkdf(key, Arrays.copyOfRange(header, 14, 14 + SALT_LENGTH), HKDF_INFO, 64);
    try {
      if (!MessageDigest.isEqual(
          Arrays.copyOfRange(okm, 32, 64), Arrays.copyOfRange(header, 46, HEADER_LENGTH))) {
        throw new WrongKeyException(
            "enc decode failed: the data key unwrapped from the manifest is not the key this"
                + " container was encrypted with (key commitment differs): the manifest and the data"
                + " object do not belong together, or the container header is damaged;"
                + " `biowerk-dr verify --level stored` checks the stored bytes without a key",
            keyId());
      }
      return new EncryptionCodec.Decryptor(
          in, new SecretKeySpec(okm, 0, 32, "AES"), header, segments);
    } finally {
      Arrays.fill(key, (byte) 0);
      Arrays.fill(okm, (byte) 0);
    }
  }

  static byte[] header(int segmentSize, byte[] salt, byte[] commitment) {
    return ByteBuffer.allocate(HEADER_LENGTH)
        .put(EncryptionCodec.MAGIC)
        .put((byte) VERSION)
        .put((byte) ALGORITHM)
        .putInt(segmentSize)
        .put(salt)
        .put(commitment)
        .array();
  }

  /**
   * Reads and checks the 78-byte format-2 header.
   *
   * @throws IntegrityException if it is short, or its magic, version, algorithm or segment size is
   *     wrong
   */
  static byte[] readHeader(ReadableByteChannel in) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(HEADER_LENGTH);
    int n = ByteChannels.readFully(in, buffer);
    byte[] header = buffer.array();
    if (n >= 8 && !Arrays.equals(Arrays.copyOf(header, 8), EncryptionCodec.MAGIC)) {
      throw new IntegrityException(
          "enc decode failed: the stored object does not start with the encrypted-container magic"
              + " 'BWDR-ENC'; it is damaged or was not encrypted by biowerk-dr");
    }
    if (n >= 9 && (header[8] & 0xff) != VERSION) {
      throw new IntegrityException(
          "enc decode failed: the manifest says container format 2 but the container is version "
              + (header[8] & 0xff)
              + "; the manifest and the data object do not belong together");
    }
    if (n < HEADER_LENGTH) {
      throw new IntegrityException(
          "enc decode failed: the stored object is "
              + Math.max(n, 0)
              + " bytes, shorter than a format-2 container header; it is truncated");
    }
    if ((header[9] & 0xff) != ALGORITHM) {
      throw new IntegrityException(
          "enc decode failed: container algorithm "
              + (header[9] & 0xff)
              + " is not supported in format 2; the header is damaged or biowerk-dr is too old");
    }
    int segmentSize = ByteBuffer.wrap(header, 10, 4).getInt();
    if (segmentSize < EncryptionCodec.MIN_SEGMENT || segmentSize > EncryptionCodec.MAX_SEGMENT) {
      throw new IntegrityException(
          "enc decode failed: container segment size "
              + segmentSize
              + " is outside "
              + EncryptionCodec.MIN_SEGMENT
              + "-"
              + EncryptionCodec.MAX_SEGMENT
              + "; the header is damaged");
    }
    return header;
  }

  @Override
  public String toString() {
    return dataKey == null
        ? "aes-256-gcm(envelope, decrypt)"
        : "aes-256-gcm(envelope, keys " + String.join(",", wraps.keySet()) + ")";
  }
}
