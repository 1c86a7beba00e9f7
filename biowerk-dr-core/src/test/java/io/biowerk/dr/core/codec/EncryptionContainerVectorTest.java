package io.biowerk.dr.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.internal.ByteChannels;
import io.biowerk.dr.core.keys.EnvironmentKeys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Holds {@code docs/format/encrypted-container.md} and {@link EncryptionCodec} to each other:
 * {@link Spec}, an encryptor and decryptor written from the spec alone (JDK AES-GCM and Bouncy
 * Castle HKDF, nothing of the codec), builds the spec's test vector byte for byte, the codec
 * decrypts it, and the spec's decryptor reads what the codec writes.
 */
class EncryptionContainerVectorTest {

  static final Path SPEC = Path.of("..", "docs", "format", "encrypted-container.md");

  // The test vector's inputs, as the spec lists them.
  static final byte[] MASTER = range(0x00, 32);
  static final String KEY_ID = "vector-key";
  static final byte[] SALT = range(0x40, 32);
  static final int SEGMENT = 1024;
  static final byte[] PLAINTEXT = range(0x00, 1053);

  static byte[] range(int first, int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) (first + i);
    }
    return bytes;
  }

  static KeyRing ring(String id, byte[] material) {
    String value = id + ":" + Base64.getEncoder().encodeToString(material);
    Function<String, String> environment = name -> name.equals("BIOWERK_DR_KEY") ? value : null;
    return KeyRing.of(EnvironmentKeys.fromVariable("BIOWERK_DR_KEY", environment));
  }

  static String specBlock(String name) throws IOException {
    String text = Files.readString(SPEC, StandardCharsets.UTF_8);
    Matcher m =
        Pattern.compile("<!-- vector:" + name + " -->\\s*```[a-z]*\\n(.*?)```", Pattern.DOTALL)
            .matcher(text);
    assertThat(m.find()).as("block '%s' in %s", name, SPEC).isTrue();
    return m.group(1).replaceAll("\\s", "");
  }

  @Test
  void specEncryptorBuildsTheSpecsVectorByteForByte() throws Exception {
    byte[] okm = Spec.hkdf(MASTER, SALT);
    byte[] container = Spec.encrypt(MASTER, KEY_ID, SALT, SEGMENT, PLAINTEXT);
    HexFormat hex = HexFormat.of();
    assertThat(hex.formatHex(okm, 0, 32)).isEqualTo(specBlock("aes-key"));
    assertThat(hex.formatHex(okm, 32, 64)).isEqualTo(specBlock("commitment"));
    assertThat(hex.formatHex(container)).isEqualTo(specBlock("container"));
    assertThat(Sha256.of(container)).isEqualTo(specBlock("container-sha256"));
    // header + one full segment + a 29-byte last segment, each with its 16-byte tag
    assertThat(container).hasSize(79 + KEY_ID.length() + (SEGMENT + 16) + (29 + 16));
  }

  @Test
  void codecDecryptsTheSpecsVector() throws Exception {
    byte[] container = HexFormat.of().parseHex(specBlock("container"));
    EncryptionCodec codec = EncryptionCodec.decryptingWith(ring(KEY_ID, MASTER));
    byte[] plaintext = ByteChannels.readAll(codec.decode(channel(container)), 1 << 20, "vector");
    assertThat(plaintext).isEqualTo(PLAINTEXT);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 1023, 1024, 1025, 2048, 3000, 200_000})
  void specDecryptorReadsWhatTheCodecWrites(int size) throws Exception {
    byte[] data = new byte[size];
    new Random(size).nextBytes(data);
    MasterKey key = MasterKey.generate("k20261130-spec");
    byte[] material = key.material();
    for (int segment : new int[] {SEGMENT, EncryptionCodec.DEFAULT_SEGMENT_SIZE}) {
      EncryptionCodec codec =
          EncryptionCodec.encryptingWith(key, ring(key.id(), material), segment);
      byte[] container = encode(codec, data);
      // the size rule: header, then floor(size / segment) full segments and one shorter last one,
      // each + tag
      long expected =
          79 + key.id().length() + (long) (size / segment) * (segment + 16) + (size % segment) + 16;
      assertThat(container).hasSize((int) expected);
      assertThat(Spec.decrypt(container, id -> id.equals(key.id()) ? material : null))
          .isEqualTo(data);
    }
  }

  @Test
  void specDecryptorRefusesWhatTheSpecSaysToRefuse() throws Exception {
    byte[] container = Spec.encrypt(MASTER, KEY_ID, SALT, SEGMENT, PLAINTEXT);
    Function<String, byte[]> keys = id -> id.equals(KEY_ID) ? MASTER : null;
    // cut after the full segment: no last segment
    byte[] cut = Arrays.copyOf(container, 89 + SEGMENT + 16);
    assertThatThrownBy(() -> Spec.decrypt(cut, keys))
        .hasMessageContaining("without a last segment");
    // a byte after the last segment: read as part of it, so its tag fails
    byte[] longer = Arrays.copyOf(container, container.length + 1);
    assertThatThrownBy(() -> Spec.decrypt(longer, keys))
        .isInstanceOf(javax.crypto.AEADBadTagException.class);
    // wrong key: the commitment differs
    assertThatThrownBy(() -> Spec.decrypt(container, id -> range(1, 32)))
        .hasMessageContaining("commitment");
    // and the codec agrees on each
    EncryptionCodec codec = EncryptionCodec.decryptingWith(ring(KEY_ID, MASTER));
    assertThatThrownBy(() -> ByteChannels.readAll(codec.decode(channel(cut)), 1 << 20, "cut"))
        .isInstanceOf(io.biowerk.dr.core.IntegrityException.class);
    assertThatThrownBy(() -> ByteChannels.readAll(codec.decode(channel(longer)), 1 << 20, "longer"))
        .isInstanceOf(io.biowerk.dr.core.IntegrityException.class);
    assertThatThrownBy(
            () ->
                EncryptionCodec.decryptingWith(ring(KEY_ID, range(1, 32)))
                    .decode(channel(container)))
        .isInstanceOf(io.biowerk.dr.core.WrongKeyException.class);
  }

  static ReadableByteChannel channel(byte[] bytes) {
    return Channels.newChannel(new java.io.ByteArrayInputStream(bytes));
  }

  static byte[] encode(EncryptionCodec codec, byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (WritableByteChannel channel = codec.encode(Channels.newChannel(out))) {
      ByteChannels.writeFully(channel, ByteBuffer.wrap(data));
    }
    return out.toByteArray();
  }

  /**
   * The container as docs/format/encrypted-container.md describes it, written from that page alone.
   */
  static final class Spec {
    static final byte[] MAGIC = "BWDR-ENC".getBytes(StandardCharsets.US_ASCII);
    static final byte[] INFO = "BIOwerk-DR enc v1 AES-256-GCM".getBytes(StandardCharsets.US_ASCII);

    static byte[] hkdf(byte[] master, byte[] salt) {
      HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
      hkdf.init(new HKDFParameters(master, salt, INFO));
      byte[] okm = new byte[64];
      hkdf.generateBytes(okm, 0, 64);
      return okm;
    }

    static byte[] header(String keyId, int segment, byte[] salt, byte[] commitment) {
      byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(MAGIC);
      out.write(1); // version
      out.write(1); // algorithm: AES-256-GCM, HKDF-SHA256
      out.writeBytes(ByteBuffer.allocate(4).putInt(segment).array()); // u32 big-endian
      out.write(id.length);
      out.writeBytes(id);
      out.writeBytes(salt);
      out.writeBytes(commitment);
      return out.toByteArray();
    }

    static byte[] nonce(long index, boolean last) {
      byte[] nonce = new byte[12];
      for (int i = 0; i < 8; i++) {
        nonce[3 + i] = (byte) (index >>> (56 - 8 * i));
      }
      nonce[11] = (byte) (last ? 1 : 0);
      return nonce;
    }

    static byte[] seal(
        byte[] aesKey,
        long index,
        boolean last,
        byte[] aad,
        byte[] plaintext,
        int offset,
        int length,
        int mode)
        throws GeneralSecurityException {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          mode, new SecretKeySpec(aesKey, "AES"), new GCMParameterSpec(128, nonce(index, last)));
      cipher.updateAAD(aad);
      return cipher.doFinal(plaintext, offset, length);
    }

    static byte[] encrypt(byte[] master, String keyId, byte[] salt, int segment, byte[] plaintext)
        throws GeneralSecurityException {
      byte[] okm = hkdf(master, salt);
      byte[] aesKey = Arrays.copyOfRange(okm, 0, 32);
      byte[] header = header(keyId, segment, salt, Arrays.copyOfRange(okm, 32, 64));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(header);
      int full = plaintext.length / segment; // every full segment is a non-last one
      for (int i = 0; i < full; i++) {
        out.writeBytes(
            seal(aesKey, i, false, header, plaintext, i * segment, segment, Cipher.ENCRYPT_MODE));
      }
      out.writeBytes(
          seal(
              aesKey,
              full,
              true,
              header,
              plaintext,
              full * segment,
              plaintext.length % segment,
              Cipher.ENCRYPT_MODE));
      return out.toByteArray();
    }

    static byte[] decrypt(byte[] container, Function<String, byte[]> keys)
        throws GeneralSecurityException {
      ByteBuffer in = ByteBuffer.wrap(container);
      byte[] magic = new byte[8];
      in.get(magic);
      check(Arrays.equals(magic, MAGIC), "bad magic");
      check(in.get() == 1, "unsupported version");
      check(in.get() == 1, "unsupported algorithm");
      int segment = in.getInt();
      check(segment >= 1024 && segment <= 16 << 20, "segment size out of range");
      int idLength = in.get() & 0xff;
      check(idLength >= 1, "no key id");
      byte[] id = new byte[idLength];
      in.get(id);
      byte[] salt = new byte[32];
      in.get(salt);
      byte[] commitment = new byte[32];
      in.get(commitment);
      byte[] header = Arrays.copyOf(container, in.position());
      byte[] master = keys.apply(new String(id, StandardCharsets.UTF_8));
      check(master != null, "unknown key id");
      byte[] okm = hkdf(master, salt);
      check(
          MessageDigest.isEqual(Arrays.copyOfRange(okm, 32, 64), commitment),
          "wrong key: commitment differs");
      byte[] aesKey = Arrays.copyOfRange(okm, 0, 32);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (long index = 0; ; index++) {
        int n = Math.min(in.remaining(), segment + 16);
        check(n > 0, "stream ends without a last segment");
        check(n >= 16, "segment shorter than its tag");
        boolean last = n < segment + 16;
        out.writeBytes(
            seal(aesKey, index, last, header, container, in.position(), n, Cipher.DECRYPT_MODE));
        in.position(in.position() + n);
        if (last) {
          check(!in.hasRemaining(), "data after the last segment");
          return out.toByteArray();
        }
      }
    }

    static void check(boolean condition, String what) {
      if (!condition) {
        throw new IllegalStateException("spec decryptor: " + what);
      }
    }
  }

  /** Prints the vector for the spec page: {@code java ... EncryptionContainerVectorTest}. */
  public static void main(String[] args) throws Exception {
    HexFormat hex = HexFormat.of();
    byte[] okm = Spec.hkdf(MASTER, SALT);
    byte[] container = Spec.encrypt(MASTER, KEY_ID, SALT, SEGMENT, PLAINTEXT);
    System.out.println("aes-key " + hex.formatHex(okm, 0, 32));
    System.out.println("commitment " + hex.formatHex(okm, 32, 64));
    System.out.println("header " + hex.formatHex(container, 0, 89));
    System.out.println("sha256 " + Sha256.of(container));
    System.out.println("tag0 " + hex.formatHex(container, 89 + 1024, 89 + 1040));
    System.out.println("tag1 " + hex.formatHex(container, container.length - 16, container.length));
    String all = hex.formatHex(container);
    for (int i = 0; i < all.length(); i += 64) {
      System.out.println(all.substring(i, Math.min(all.length(), i + 64)));
    }
  }
}
