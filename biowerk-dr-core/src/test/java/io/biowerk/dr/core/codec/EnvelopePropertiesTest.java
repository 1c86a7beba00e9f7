package io.biowerk.dr.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyNotFoundException;
import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.internal.ByteChannels;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties of container format 2: every single-bit flip in a wrapped data key, in the container
 * header or in a recipient's stanza is detected; a container wrapped to N recipients opens with
 * each of their private keys and with no other key.
 */
class EnvelopePropertiesTest {

  static final MasterKey MASTER = MasterKey.generate("k-master");
  static final byte[][] OFFLINE = KeyWrap.newX25519KeyPair();
  static final byte[] PLAINTEXT = new byte[3000];
  static final EnvelopeCodec CODEC;
  static final byte[] CONTAINER;

  static {
    new Random(7).nextBytes(PLAINTEXT);
    try {
      CODEC =
          EnvelopeCodec.encryptingTo(
              List.of(Recipient.masterKey(MASTER), Recipient.x25519("offline", OFFLINE[1])), 1024);
      CONTAINER = encode(CODEC, PLAINTEXT);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A key provider holding {@code keys} in memory; a test double for a key file. */
  static KeyProvider inMemory(MasterKey... keys) {
    Map<String, MasterKey> byId = new HashMap<>();
    for (MasterKey key : keys) {
      byId.put(key.id(), key);
    }
    return new KeyProvider() {
      @Override
      public Optional<MasterKey> key(String id) {
        return Optional.ofNullable(byId.get(id));
      }

      @Override
      public Optional<String> activeKeyId() {
        return Optional.empty();
      }

      @Override
      public Set<String> keyIds() {
        return byId.keySet();
      }
    };
  }

  static byte[] encode(EnvelopeCodec codec, byte[] plaintext) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (WritableByteChannel out = codec.encode(Channels.newChannel(bytes))) {
      ByteChannels.writeFully(out, ByteBuffer.wrap(plaintext));
    }
    return bytes.toByteArray();
  }

  static byte[] decode(Map<String, String> parameters, KeyRing ring, byte[] container)
      throws IOException {
    EnvelopeCodec codec = EnvelopeCodec.decryptingWith(parameters, ring);
    return ByteChannels.readAll(
        codec.decode(Channels.newChannel(new ByteArrayInputStream(container))), 1 << 20, "test");
  }

  static Map<String, String> flipInStanza(Map<String, String> parameters, String id, int bit) {
    String stanza = parameters.get("wrap." + id);
    String type = KeyWrap.type(stanza);
    byte[] body = Base64.getDecoder().decode(stanza.substring(type.length() + 1));
    body[bit / 8] ^= (byte) (1 << (bit % 8));
    Map<String, String> flipped = new HashMap<>(parameters);
    flipped.put("wrap." + id, type + ":" + Base64.getEncoder().encodeToString(body));
    return flipped;
  }

  @Property(tries = 2000)
  void everyBitFlipInTheMasterKeysWrapIsDetected(
      @ForAll @IntRange(min = 0, max = 8 * KeyWrap.BODY_LENGTH - 1) int bit,
      @ForAll @IntRange(min = 0, max = 1) int twice) {
    // Exhaustive: each of the 640 bits, twice (jqwik enumerates all 1,280 cases).
    Map<String, String> flipped = flipInStanza(CODEC.parameters(), MASTER.id(), bit);
    assertThatThrownBy(() -> decode(flipped, KeyRing.of(inMemory(MASTER)), CONTAINER))
        .isInstanceOf(WrongKeyException.class)
        .hasMessageContaining("does not authenticate");
  }

  @Property(tries = 2000)
  void everyBitFlipInARecipientStanzaIsDetected(
      @ForAll @IntRange(min = 0, max = 8 * KeyWrap.BODY_LENGTH - 1) int bit,
      @ForAll @IntRange(min = 0, max = 1) int twice) {
    // Exhaustive: each of the 640 bits, twice (jqwik enumerates all 1,280 cases).
    Map<String, String> flipped = flipInStanza(CODEC.parameters(), "offline", bit);
    KeyRing ring = KeyRing.of(inMemory(new MasterKey("offline", OFFLINE[0])));
    assertThatThrownBy(() -> decode(flipped, ring, CONTAINER))
        .isInstanceOf(WrongKeyException.class)
        .hasMessageContaining("does not authenticate");
  }

  @Property(tries = 2000)
  void everyBitFlipInTheStanzasTypeOrIdIsDetected(
      @ForAll @IntRange(min = 0, max = 8 * 13 - 1) int bit,
      @ForAll @IntRange(min = 0, max = 9) int wrapping)
      throws IOException {
    // The stanza's name (its id, 7 characters) and its type (6), bit by bit: a flip moves the wrap
    // to another id (the AAD binds it to its id: not found, or does not authenticate) or to no
    // known type. Each try wraps afresh, so 10 different data keys and ephemeral keys take part.
    EnvelopeCodec codec =
        EnvelopeCodec.encryptingTo(List.of(Recipient.x25519("offline", OFFLINE[1])), 1024);
    String stanza = codec.parameters().get("wrap.offline");
    char[] chars = ("offline" + KeyWrap.type(stanza)).toCharArray();
    chars[bit / 8] ^= (char) (1 << (bit % 8));
    String flipped = new String(chars);
    Map<String, String> parameters = new HashMap<>();
    parameters.put("format", "2");
    parameters.put(
        "wrap." + flipped.substring(0, 7),
        flipped.substring(7) + stanza.substring(KeyWrap.type(stanza).length()));
    KeyRing ring = KeyRing.of(inMemory(new MasterKey("offline", OFFLINE[0])));
    assertThatThrownBy(() -> decode(parameters, ring, CONTAINER))
        .isInstanceOfAny(
            KeyNotFoundException.class, WrongKeyException.class, IntegrityException.class);
  }

  @Property(tries = 2000)
  void everyBitFlipInTheHeaderIsDetected(
      @ForAll @IntRange(min = 0, max = 8 * EnvelopeCodec.HEADER_LENGTH - 1) int bit,
      @ForAll @IntRange(min = 0, max = 1) int withThePrivateKey) {
    // Exhaustive: each of the 624 header bits, opened once with the master key and once with the
    // recipient's private key.
    byte[] damaged = CONTAINER.clone();
    damaged[bit / 8] ^= (byte) (1 << (bit % 8));
    KeyRing ring =
        KeyRing.of(
            withThePrivateKey == 0
                ? inMemory(MASTER)
                : inMemory(new MasterKey("offline", OFFLINE[0])));
    assertThatThrownBy(() -> decode(CODEC.parameters(), ring, damaged))
        .isInstanceOfAny(IntegrityException.class, WrongKeyException.class)
        .hasMessageStartingWith("enc decode failed:");
  }

  @Property(tries = 1000)
  void aContainerWrappedToNRecipientsOpensWithEachPrivateKeyAndNoOther(
      @ForAll @IntRange(min = 1, max = 5) int n,
      @ForAll @IntRange(min = 0, max = 4) int which,
      @ForAll @IntRange(min = 0, max = 1000) int size)
      throws IOException {
    // Random generation: 1,000 tries, each with fresh key pairs.
    List<Recipient> recipients = new ArrayList<>();
    List<MasterKey> privates = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[][] pair = KeyWrap.newX25519KeyPair();
      recipients.add(Recipient.x25519("r" + i, pair[1]));
      privates.add(new MasterKey("r" + i, pair[0]));
    }
    EnvelopeCodec codec = EnvelopeCodec.encryptingTo(recipients, 1024);
    byte[] plaintext = new byte[size * 3];
    new Random(size).nextBytes(plaintext);
    byte[] container = encode(codec, plaintext);
    Map<String, String> parameters = codec.parameters();
    MasterKey mine = privates.get(which % n);
    assertThat(decode(parameters, KeyRing.of(inMemory(mine)), container)).isEqualTo(plaintext);
    // Another key under the same id does not open it; nor does a key of an id not wrapped to.
    MasterKey impostor = new MasterKey(mine.id(), KeyWrap.newX25519KeyPair()[0]);
    assertThatThrownBy(() -> decode(parameters, KeyRing.of(inMemory(impostor)), container))
        .isInstanceOf(WrongKeyException.class);
    MasterKey stranger = new MasterKey("r" + n, KeyWrap.newX25519KeyPair()[0]);
    assertThatThrownBy(() -> decode(parameters, KeyRing.of(inMemory(stranger)), container))
        .isInstanceOf(KeyNotFoundException.class);
  }
}
