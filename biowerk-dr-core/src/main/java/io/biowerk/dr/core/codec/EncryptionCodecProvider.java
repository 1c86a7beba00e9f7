package io.biowerk.dr.core.codec;

import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.CodecProvider;
import io.biowerk.dr.core.KeyRing;
import java.util.Map;

/**
 * Makes {@link EncryptionCodec}s for id {@code enc}. A codec made from manifest parameters decrypts
 * with whichever key of the ring the container names; to encrypt, use {@link
 * EncryptionCodec#encryptingWith}.
 */
public final class EncryptionCodecProvider implements CodecProvider {
  @Override
  public String id() {
    return EncryptionCodec.ID;
  }

  @Override
  public Codec create(Map<String, String> parameters, KeyRing keys) {
    if (EnvelopeCodec.isFormat2(parameters)) {
      return EnvelopeCodec.decryptingWith(parameters, keys);
    }
    return EncryptionCodec.decryptingWith(keys);
  }
}
