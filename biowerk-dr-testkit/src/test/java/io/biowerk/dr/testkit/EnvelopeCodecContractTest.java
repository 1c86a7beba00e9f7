package io.biowerk.dr.testkit;

import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.codec.EncryptionCodecProvider;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.KeyWrap;
import io.biowerk.dr.core.codec.Recipient;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;

/**
 * {@link EnvelopeCodec} (container format 2) against the codec contract: encrypting to a master key
 * and decrypting through the manifest parameters, as a restore does; and encrypting to an X25519
 * public key and decrypting with its private key.
 */
class EnvelopeCodecContractTest extends CodecContractTest {

  static final MasterKey KEY = MasterKey.generate("contract-key");
  static final KeyRing RING = KeyRing.of(EncryptionCodecContractTest.fixed(KEY));

  /**
   * Encrypts with {@code encrypting}, decrypts with a codec made from its manifest parameters and
   * {@code ring}, the way restore builds it.
   */
  static Codec throughTheManifest(EnvelopeCodec encrypting, KeyRing ring) {
    Map<String, String> parameters = encrypting.parameters();
    Codec decrypting = new EncryptionCodecProvider().create(parameters, ring);
    return new Codec() {
      @Override
      public String id() {
        return encrypting.id();
      }

      @Override
      public Map<String, String> parameters() {
        return parameters;
      }

      @Override
      public WritableByteChannel encode(WritableByteChannel out) throws IOException {
        return encrypting.encode(out);
      }

      @Override
      public ReadableByteChannel decode(ReadableByteChannel in) throws IOException {
        return decrypting.decode(in);
      }
    };
  }

  @Override
  protected Codec newCodec() throws IOException {
    return throughTheManifest(EnvelopeCodec.encryptingTo(List.of(Recipient.masterKey(KEY))), RING);
  }

  @Override
  protected KeyRing keyRing() {
    return RING;
  }

  @Nested
  class ToAPublicKeyWithTheSmallestSegments extends CodecContractTest {
    final byte[][] pair = KeyWrap.newX25519KeyPair();
    final KeyRing privateRing =
        KeyRing.of(EncryptionCodecContractTest.fixed(new MasterKey("offline", pair[0])));

    @Override
    protected Codec newCodec() throws IOException {
      return throughTheManifest(
          EnvelopeCodec.encryptingTo(List.of(Recipient.x25519("offline", pair[1])), 1024),
          privateRing);
    }

    @Override
    protected KeyRing keyRing() {
      return privateRing;
    }
  }
}
