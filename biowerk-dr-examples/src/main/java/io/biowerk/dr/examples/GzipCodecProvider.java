package io.biowerk.dr.examples;

import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.CodecProvider;
import io.biowerk.dr.core.KeyRing;
import java.util.Map;

/**
 * Registers {@link GzipCodec} under its id {@code gz} ({@code
 * META-INF/services/io.biowerk.dr.core.CodecProvider}), so that any reader of a backup written with
 * it finds it by the id its manifest records, as the codec contract test checks.
 */
public final class GzipCodecProvider implements CodecProvider {

  @Override
  public String id() {
    return "gz";
  }

  @Override
  public Codec create(Map<String, String> parameters, KeyRing keys) {
    return new GzipCodec();
  }
}
