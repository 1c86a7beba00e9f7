package io.biowerk.dr.core.codec;

import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.CodecProvider;
import io.biowerk.dr.core.KeyRing;
import java.util.Map;

/** Makes {@link ZstdCodec}s for id {@code zst}. */
public final class ZstdCodecProvider implements CodecProvider {
  @Override
  public String id() {
    return ZstdCodec.ID;
  }

  @Override
  public Codec create(Map<String, String> parameters, KeyRing keys) {
    return ZstdCodec.fromParameters(parameters);
  }
}
