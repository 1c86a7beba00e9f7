package io.biowerk.dr.core;

import java.util.Map;

/**
 * Makes a {@link Codec} from its id and the parameters recorded in a manifest. Registered through
 * {@link java.util.ServiceLoader}; a cheap factory.
 */
public interface CodecProvider {

  /** The codec id this provider makes: {@code zst}, {@code enc}. */
  String id();

  /**
   * Makes a codec.
   *
   * @param parameters the codec's parameters, as {@link Codec#parameters()} recorded them, or user
   *     options
   * @param keys the key ring, for codecs that encrypt; ignored by others
   * @throws IllegalArgumentException if a parameter is malformed; the message names it
   */
  Codec create(Map<String, String> parameters, KeyRing keys);
}
