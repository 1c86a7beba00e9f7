package io.biowerk.dr.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyNotFoundException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.keys.EnvironmentKeys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Properties of the AES-256-GCM segmented container: whatever the data, segment size and chunking,
 * it round trips; and any single-bit flip, truncation, swapped, duplicated or dropped segment, or
 * wrong key is detected as an {@link IntegrityException} (or its {@link WrongKeyException}), with
 * nothing but a prefix of the right plaintext delivered before it. Never wrong bytes, never a
 * generic crash. Sizes are kept small (segments of 1-3 KiB) so that 1,000 tries per property stay
 * fast while still crossing many segment boundaries.
 */
class EncryptedContainerPropertiesTest {

  private static final String KEY_ID = "k20261130-prop";
  private static final byte[] MATERIAL = new byte[32];
  private static final byte[] OTHER_MATERIAL = new byte[32];

  static {
    new Random(1).nextBytes(MATERIAL);
    new Random(2).nextBytes(OTHER_MATERIAL);
  }

  /** The ring holding the right key, through the real environment-variable provider. */
  static final KeyRing RING = ring(KEY_ID, MATERIAL);

  /** A ring holding a different key under the same id. */
  static final KeyRing WRONG = ring(KEY_ID, OTHER_MATERIAL);

  static KeyRing ring(String id, byte[] material) {
    String value = id + ":" + Base64.getEncoder().encodeToString(material);
    return KeyRing.of(
        EnvironmentKeys.fromVariable("BIOWERK_DR_KEY", Map.of("BIOWERK_DR_KEY", value)::get));
  }

  static EncryptionCodec codec(int segmentSize) throws IOException {
    return EncryptionCodec.encryptingWith(RING.active(), RING, segmentSize);
  }

  static int headerLength() {
    return EncryptionCodec.MAGIC.length
        + 1
        + 1
        + 4
        + 1
        + KEY_ID.length()
        + EncryptionCodec.SALT_LENGTH
        + EncryptionCodec.COMMITMENT_LENGTH;
  }

  /** Encrypts {@code data}, handing it to the encoder in chunks of {@code chunk} bytes. */
  static byte[] encrypt(byte[] data, int segmentSize, int chunk) throws IOException {
    ByteArrayOutputStream stored = new ByteArrayOutputStream();
    WritableByteChannel out = codec(segmentSize).encode(Channels.newChannel(stored));
    for (int at = 0; at < data.length; at += chunk) {
      ByteBuffer src = ByteBuffer.wrap(data, at, Math.min(chunk, data.length - at));
      while (src.hasRemaining()) {
        out.write(src);
      }
    }
    out.close();
    return stored.toByteArray();
  }

  /** Decrypts to the end with reads of {@code chunk} bytes into {@code delivered}. */
  static void decrypt(byte[] stored, KeyRing ring, int chunk, ByteArrayOutputStream delivered)
      throws IOException {
    try (ReadableByteChannel in =
        EncryptionCodec.decryptingWith(ring)
            .decode(Channels.newChannel(new java.io.ByteArrayInputStream(stored)))) {
      ByteBuffer buffer = ByteBuffer.allocate(chunk);
      while (in.read(buffer) >= 0) {
        buffer.flip();
        delivered.write(buffer.array(), 0, buffer.limit());
        buffer.clear();
      }
    }
  }

  static byte[] decrypt(byte[] stored, int chunk) throws IOException {
    ByteArrayOutputStream delivered = new ByteArrayOutputStream();
    decrypt(stored, RING, chunk, delivered);
    return delivered.toByteArray();
  }

  /**
   * Decrypts damaged bytes and returns the failure, asserting that it is an IntegrityException (or,
   * when {@code keyNotFoundAllowed}, a KeyNotFoundException: the damage renamed the key) and that
   * only a prefix of {@code original} was delivered before it.
   */
  static IOException assertDetected(
      byte[] damaged, byte[] original, String what, boolean keyNotFoundAllowed) {
    ByteArrayOutputStream delivered = new ByteArrayOutputStream();
    IOException failure = null;
    try {
      decrypt(damaged, RING, 777, delivered);
    } catch (IOException e) {
      failure = e;
    } catch (RuntimeException e) {
      throw new AssertionError(
          what + ": a generic crash instead of an IntegrityException: " + e, e);
    }
    assertThat(failure)
        .as("%s: damage went undetected (%s bytes delivered)", what, delivered.size())
        .isNotNull();
    if (keyNotFoundAllowed && failure instanceof KeyNotFoundException) {
      assertThat(delivered.size()).isZero();
    } else {
      assertThat(failure).as(what).isInstanceOf(IntegrityException.class);
      assertThat(failure.getMessage()).as(what).startsWith("enc decode failed: ");
    }
    byte[] got = delivered.toByteArray();
    assertThat(got.length).as(what).isLessThanOrEqualTo(original.length);
    assertThat(Arrays.mismatch(got, Arrays.copyOf(original, got.length)))
        .as(
            "%s: the %s bytes delivered before the failure are not a prefix of the plaintext",
            what, got.length)
        .isEqualTo(-1);
    return failure;
  }

  @Provide
  Arbitrary<byte[]> data() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(6000);
  }

  @Provide
  Arbitrary<byte[]> severalSegments() {
    // At least three segments of 1 KiB, so there are two full segments to swap.
    return Arbitraries.bytes().array(byte[].class).ofMinSize(2049).ofMaxSize(6000);
  }

  @Property
  void anyDataRoundTripsWhateverTheSegmentSizeAndChunking(
      @ForAll("data") byte[] data,
      @ForAll @IntRange(min = 1024, max = 3000) int segmentSize,
      @ForAll @IntRange(min = 1, max = 5000) int writeChunk,
      @ForAll @IntRange(min = 1, max = 5000) int readChunk)
      throws IOException {
    byte[] stored = encrypt(data, segmentSize, writeChunk);
    int full = data.length / segmentSize;
    int last = data.length - full * segmentSize;
    assertThat(stored).hasSize(headerLength() + full * (segmentSize + 16) + last + 16);
    assertThat(decrypt(stored, readChunk)).isEqualTo(data);
  }

  @Property
  void everySingleBitFlipIsDetected(
      @ForAll("data") byte[] data,
      @ForAll @IntRange(min = 1024, max = 2048) int segmentSize,
      @ForAll Random random)
      throws IOException {
    byte[] stored = encrypt(data, segmentSize, 4096);
    int bit = random.nextInt(stored.length * 8);
    byte[] damaged = stored.clone();
    damaged[bit / 8] ^= (byte) (1 << (bit % 8));
    assertDetected(
        damaged, data, "bit " + bit + " of " + stored.length + " bytes", inKeyId(bit / 8));
  }

  /**
   * Whether byte {@code index} of the container is the key id or its length (damage there names
   * another key).
   */
  static boolean inKeyId(int index) {
    int idLengthAt = EncryptionCodec.MAGIC.length + 1 + 1 + 4;
    return index >= idLengthAt && index <= idLengthAt + KEY_ID.length();
  }

  @Test
  void everySingleBitOfOneContainerIsCovered() throws IOException {
    // The property samples bits; this walks every one of a container of three segments.
    byte[] data = new byte[2500];
    new Random(3).nextBytes(data);
    byte[] stored = encrypt(data, 1024, 1000);
    for (int bit = 0; bit < stored.length * 8; bit++) {
      byte[] damaged = stored.clone();
      damaged[bit / 8] ^= (byte) (1 << (bit % 8));
      assertDetected(damaged, data, "bit " + bit, inKeyId(bit / 8));
    }
  }

  @Property
  void truncationAtAnyPointIsDetected(
      @ForAll("data") byte[] data,
      @ForAll @IntRange(min = 1024, max = 2048) int segmentSize,
      @ForAll Random random)
      throws IOException {
    byte[] stored = encrypt(data, segmentSize, 4096);
    int length = random.nextInt(stored.length);
    IOException e =
        assertDetected(Arrays.copyOf(stored, length), data, "truncated to " + length, false);
    assertThat(e.getMessage()).containsAnyOf("truncated", "does not authenticate");
  }

  @Test
  void truncationAtEverySegmentBoundaryIsDetected() throws IOException {
    byte[] data = new byte[5 * 1024];
    new Random(4).nextBytes(data);
    byte[] stored = encrypt(data, 1024, 1024);
    for (int length = headerLength(); length < stored.length; length += 1024 + 16) {
      IOException e =
          assertDetected(Arrays.copyOf(stored, length), data, "cut at " + length, false);
      assertThat(e).hasMessageContaining("truncated");
    }
  }

  @Property
  void swappedSegmentsAreDetected(@ForAll("severalSegments") byte[] data, @ForAll Random random)
      throws IOException {
    int segment = 1024;
    byte[] stored = encrypt(data, segment, 4096);
    int fullSegments = data.length / segment;
    int i = random.nextInt(fullSegments);
    int j = (i + 1 + random.nextInt(fullSegments - 1)) % fullSegments;
    List<byte[]> segments = split(stored, segment);
    byte[] swap = segments.get(i);
    segments.set(i, segments.get(j));
    segments.set(j, swap);
    IOException e =
        assertDetected(
            join(stored, segments), data, "segments " + i + " and " + j + " swapped", false);
    assertThat(e).hasMessageContaining("segment " + Math.min(i, j));
  }

  @Property
  void aDuplicatedOrDroppedSegmentIsDetected(
      @ForAll("severalSegments") byte[] data, @ForAll Random random, @ForAll boolean duplicate)
      throws IOException {
    int segment = 1024;
    byte[] stored = encrypt(data, segment, 4096);
    List<byte[]> segments = split(stored, segment);
    int i = random.nextInt(segments.size());
    if (duplicate) {
      segments.add(i, segments.get(i).clone());
    } else {
      segments.remove(i);
    }
    assertDetected(
        join(stored, segments),
        data,
        (duplicate ? "duplicated" : "dropped") + " segment " + i,
        false);
  }

  /** The sealed segments of a container, header excluded. */
  static List<byte[]> split(byte[] stored, int segment) {
    List<byte[]> segments = new java.util.ArrayList<>();
    for (int at = headerLength(); at < stored.length; at += segment + 16) {
      segments.add(Arrays.copyOfRange(stored, at, Math.min(at + segment + 16, stored.length)));
    }
    return segments;
  }

  static byte[] join(byte[] stored, List<byte[]> segments) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(stored, 0, headerLength());
    segments.forEach(out::writeBytes);
    return out.toByteArray();
  }

  @Property
  void aWrongKeyIsAWrongKeyExceptionBeforeAnyByte(@ForAll("data") byte[] data) throws IOException {
    byte[] stored = encrypt(data, 1024, 4096);
    ByteArrayOutputStream delivered = new ByteArrayOutputStream();
    assertThatThrownBy(() -> decrypt(stored, WRONG, 4096, delivered))
        .isInstanceOfSatisfying(
            WrongKeyException.class, e -> assertThat(e.keyId()).isEqualTo(KEY_ID))
        .hasMessageStartingWith("enc decode failed: ")
        .hasMessageContaining(KEY_ID)
        .hasMessageContaining("use the key file")
        .hasMessageNotContaining(Base64.getEncoder().encodeToString(MATERIAL))
        .hasMessageNotContaining(Base64.getEncoder().encodeToString(OTHER_MATERIAL));
    assertThat(delivered.size()).isZero();
  }

  @Test
  void aMissingKeyIsAKeyNotFoundExceptionListingTheKnownIds() throws IOException {
    byte[] stored = encrypt("secret".getBytes(StandardCharsets.UTF_8), 1024, 10);
    KeyRing other = ring("k-other", OTHER_MATERIAL);
    assertThatThrownBy(() -> decrypt(stored, other, 100, new ByteArrayOutputStream()))
        .isInstanceOfSatisfying(
            KeyNotFoundException.class, e -> assertThat(e.keyId()).isEqualTo(KEY_ID))
        .hasMessageContaining("'" + KEY_ID + "'")
        .hasMessageContaining("known ids: [k-other]")
        .hasMessageContaining("--key-file");
  }

  @Test
  void theCodecNeverShowsKeyMaterial() throws IOException {
    EncryptionCodec codec = codec(1024);
    String base64 = Base64.getEncoder().encodeToString(MATERIAL);
    assertThat(codec.toString()).contains(KEY_ID).doesNotContain(base64);
    assertThat(codec.parameters().toString()).contains(KEY_ID).doesNotContain(base64);
    assertThat(RING.toString()).doesNotContain(base64);
    assertThat(RING.active().toString()).isEqualTo("MasterKey[id=" + KEY_ID + ", 256 bits]");
  }

  @Test
  void smallSegmentSizesAreRefused() {
    assertThatThrownBy(() -> EncryptionCodec.encryptingWith(MasterKey.generate("k"), RING, 1023))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1023");
  }

  @Test
  void aDecryptOnlyCodecRefusesToEncrypt() {
    EncryptionCodec decryptOnly = EncryptionCodec.decryptingWith(RING);
    assertThatThrownBy(() -> decryptOnly.encode(Channels.newChannel(new ByteArrayOutputStream())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("only decrypts");
    assertThatThrownBy(decryptOnly::keyId).isInstanceOf(IllegalStateException.class);
    assertThat(decryptOnly.toString()).isEqualTo("aes-256-gcm(decrypt)");
  }
}
