package io.biowerk.dr.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyNotFoundException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.internal.ByteChannels;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Holds {@code docs/format/encrypted-container-v2.md} and the format-2 code to each other: the
 * page's vector was computed by an independent program ({@code
 * docs/format/encrypted-container-v2-vector.py}, Python's {@code cryptography}); the codec decrypts
 * it with the master key and, separately, with the X25519 private key, and {@link KeyWrap}
 * reproduces both wrapped keys from the same inputs.
 */
class EnvelopeContainerVectorTest {

  static final Path SPEC = Path.of("..", "docs", "format", "encrypted-container-v2.md");
  static final byte[] MASTER = EncryptionContainerVectorTest.range(0x00, 32);
  static final byte[] DATA_KEY = EncryptionContainerVectorTest.range(0x80, 32);
  static final byte[] WRAP_SALT = EncryptionContainerVectorTest.range(0xa0, 32);
  static final byte[] RECIPIENT_PRIVATE = EncryptionContainerVectorTest.range(0xc0, 32);
  static final byte[] EPHEMERAL = EncryptionContainerVectorTest.range(0xe0, 32);
  static final byte[] SALT = EncryptionContainerVectorTest.range(0x40, 32);
  static final byte[] PLAINTEXT = EncryptionContainerVectorTest.range(0x00, 1053);

  static String block(String name) throws IOException {
    String text = Files.readString(SPEC, StandardCharsets.UTF_8);
    Matcher m =
        Pattern.compile(
                "<!-- vector:" + Pattern.quote(name) + " -->\\s*```[a-z]*\\n(.*?)```",
                Pattern.DOTALL)
            .matcher(text);
    assertThat(m.find()).as("block '%s' in %s", name, SPEC).isTrue();
    return m.group(1).replaceAll("\\s", "");
  }

  static Map<String, String> parameters() throws IOException {
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("cipher", "aes-256-gcm");
    parameters.put("format", "2");
    parameters.put("key-id", "vector-master");
    parameters.put("segment-size", "1024");
    parameters.put("wrap.vector-master", block("wrap.vector-master"));
    parameters.put("wrap.vector-offline", block("wrap.vector-offline"));
    return parameters;
  }

  static byte[] decrypt(Map<String, String> parameters, KeyRing ring) throws IOException {
    byte[] container = HexFormat.of().parseHex(block("container"));
    EnvelopeCodec codec = (EnvelopeCodec) new EncryptionCodecProvider().create(parameters, ring);
    ReadableByteChannel in = Channels.newChannel(new ByteArrayInputStream(container));
    return ByteChannels.readAll(codec.decode(in), 1 << 20, "vector");
  }

  @Test
  void decryptsTheIndependentVectorWithTheMasterKey() throws Exception {
    assertThat(decrypt(parameters(), EncryptionContainerVectorTest.ring("vector-master", MASTER)))
        .isEqualTo(PLAINTEXT);
  }

  @Test
  void decryptsTheIndependentVectorWithTheRecipientsPrivateKey() throws Exception {
    KeyRing ring = EncryptionContainerVectorTest.ring("vector-offline", RECIPIENT_PRIVATE);
    assertThat(decrypt(parameters(), ring)).isEqualTo(PLAINTEXT);
  }

  @Test
  void javaWrappingReproducesTheVectorsStanzasAndHeader() throws Exception {
    HexFormat hex = HexFormat.of();
    assertThat(KeyWrap.wrapWithMaster(new MasterKey("vector-master", MASTER), DATA_KEY, WRAP_SALT))
        .isEqualTo(block("wrap.vector-master"));
    byte[] recipientPublic = KeyWrap.x25519PublicKey(RECIPIENT_PRIVATE);
    assertThat(hex.formatHex(recipientPublic)).isEqualTo(block("recipient-public"));
    assertThat(KeyWrap.wrapToX25519("vector-offline", recipientPublic, DATA_KEY, EPHEMERAL))
        .isEqualTo(block("wrap.vector-offline"));
    byte[] okm = KeyWrap.hkdf(DATA_KEY, SALT, EnvelopeCodec.HKDF_INFO, 64);
    assertThat(hex.formatHex(okm, 0, 32)).isEqualTo(block("aes-key"));
    byte[] header = EnvelopeCodec.header(1024, SALT, java.util.Arrays.copyOfRange(okm, 32, 64));
    assertThat(hex.formatHex(header))
        .isEqualTo(block("container").substring(0, 2 * EnvelopeCodec.HEADER_LENGTH));
    assertThat(Sha256.of(hex.parseHex(block("container")))).isEqualTo(block("container-sha256"));
  }

  @Test
  void unknownKeysAreNamedAndNoKeyMaterialIsPrinted() throws Exception {
    assertThatThrownBy(
            () -> decrypt(parameters(), EncryptionContainerVectorTest.ring("other", MASTER)))
        .isInstanceOf(KeyNotFoundException.class)
        .hasMessageStartingWith("enc decode failed: no key with id 'vector-master' is available")
        .hasMessageContaining("[vector-master, vector-offline]")
        .hasMessageContaining("--key-file")
        .hasMessageNotContaining(Base64.getEncoder().encodeToString(MASTER));
  }

  @Test
  void aKeyOfTheRightIdButOtherBytesIsAWrongKey() throws Exception {
    byte[] other = MASTER.clone();
    other[0] ^= 1;
    assertThatThrownBy(
            () -> decrypt(parameters(), EncryptionContainerVectorTest.ring("vector-master", other)))
        .isInstanceOf(WrongKeyException.class)
        .hasMessageContaining("vector-master")
        .hasMessageContaining("use the right key file");
  }

  @Test
  void aManifestWithoutWrapsIsDamaged() throws Exception {
    Map<String, String> parameters = parameters();
    parameters.remove("wrap.vector-master");
    parameters.remove("wrap.vector-offline");
    assertThatThrownBy(
            () -> decrypt(parameters, EncryptionContainerVectorTest.ring("vector-master", MASTER)))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("no wrapped data key")
        .hasMessageContaining("restore the manifest from another copy");
  }

  @Test
  void aMalformedStanzaIsDamage() throws Exception {
    Map<String, String> parameters = parameters();
    parameters.put("wrap.vector-master", "rot13:AAAA");
    assertThatThrownBy(
            () -> decrypt(parameters, EncryptionContainerVectorTest.ring("vector-master", MASTER)))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("is malformed")
        .hasMessageContaining("the manifest is damaged");
  }
}
