package io.biowerk.dr.core.cloud;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.ObjectKeys;
import java.util.Optional;

/**
 * The prefix a cloud repository keeps its objects under ({@code postgres-prod} in {@code
 * s3://bucket/postgres-prod}), and the mapping between sink keys and object names it makes: {@code
 * <prefix>/<key>}, or the key itself with no prefix. The same for S3, Azure Blob and Cloud Storage;
 * each module checks the prefix its own way (its message names the store) before making one.
 * Immutable.
 */
public final class KeyPrefix {

  private final String prefix;

  private KeyPrefix(String prefix) {
    this.prefix = prefix;
  }

  /**
   * The prefix of {@code raw} with leading and trailing slashes dropped ({@code "/a/b/"} is {@code
   * "a/b"}; {@code ""} or {@code "/"} is no prefix). The caller checks its segments.
   */
  public static String normalize(String raw) {
    return requireNonNull(raw, "prefix").replaceAll("^/+|/+$", "");
  }

  /** A prefix already {@linkplain #normalize normalized}; empty for none. */
  public static KeyPrefix of(String normalized) {
    requireNonNull(normalized, "prefix");
    if (!normalized.equals(normalize(normalized))) {
      throw new IllegalArgumentException(
          "prefix (" + normalized + ") must not start or end with '/'");
    }
    return new KeyPrefix(normalized);
  }

  /**
   * The object name of sink key {@code key}, after checking the key ({@link ObjectKeys#checkKey}).
   *
   * @throws IllegalArgumentException if the key is not a valid sink key
   */
  public String name(String key) {
    return namePrefix(ObjectKeys.checkKey(key));
  }

  /** The object-name prefix of a key prefix ({@code "postgres/"}), for listing; not checked. */
  public String namePrefix(String keyPrefix) {
    return prefix.isEmpty() ? keyPrefix : prefix + "/" + keyPrefix;
  }

  /**
   * The sink key of an object name listed under this prefix; empty for a name that is no sink key:
   * the prefix itself or a folder marker (a name ending in {@code /}, as consoles create).
   */
  public Optional<String> key(String name) {
    int strip = prefix.isEmpty() ? 0 : prefix.length() + 1;
    if (name.length() <= strip || name.endsWith("/")) {
      return Optional.empty();
    }
    return Optional.of(name.substring(strip));
  }

  /** The prefix itself, normalized; empty for none. */
  @Override
  public String toString() {
    return prefix;
  }
}
