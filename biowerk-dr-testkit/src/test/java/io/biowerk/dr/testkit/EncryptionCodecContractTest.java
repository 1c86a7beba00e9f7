package io.biowerk.dr.testkit;

import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.codec.EncryptionCodec;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Nested;

/**
 * {@link EncryptionCodec} against the codec contract, with the default and the smallest segment
 * size.
 */
class EncryptionCodecContractTest extends CodecContractTest {

  static final MasterKey KEY = MasterKey.generate("contract-key");
  static final KeyRing RING = KeyRing.of(fixed(KEY));

  /** A key provider holding one key in memory. */
  static KeyProvider fixed(MasterKey key) {
    return new KeyProvider() {
      @Override
      public Optional<MasterKey> key(String id) {
        return Optional.ofNullable(key.id().equals(id) ? key : null);
      }

      @Override
      public Optional<String> activeKeyId() {
        return Optional.of(key.id());
      }

      @Override
      public Set<String> keyIds() {
        return Set.of(key.id());
      }
    };
  }

  @Override
  protected Codec newCodec() {
    return EncryptionCodec.encryptingWith(KEY, RING);
  }

  @Override
  protected KeyRing keyRing() {
    return RING;
  }

  @Nested
  class WithTheSmallestSegments extends CodecContractTest {
    @Override
    protected Codec newCodec() {
      return EncryptionCodec.encryptingWith(KEY, RING, 1024);
    }

    @Override
    protected KeyRing keyRing() {
      return RING;
    }
  }
}
