package io.biowerk.dr.core;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.TreeMap;

/**
 * One step of a codec chain as a manifest records it: the codec id and its parameters.
 *
 * @param id the codec id ({@code zst}, {@code enc})
 * @param parameters its parameters, never secrets
 */
public record CodecSpec(String id, Map<String, String> parameters) {
  public CodecSpec {
    requireNonNull(id, "id");
    parameters = Map.copyOf(parameters);
  }

  /** The spec of {@code codec}. */
  public static CodecSpec of(Codec codec) {
    return new CodecSpec(codec.id(), codec.parameters());
  }

  @Override
  public String toString() {
    return parameters.isEmpty() ? id : id + new TreeMap<>(parameters);
  }
}
