package io.biowerk.dr.core;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * A 256-bit master key and its id. Per-backup keys are derived from it; it never encrypts data
 * itself.
 *
 * <p>{@link #toString()} shows the id only. The key bytes leave this object only through {@link
 * #material()}, which returns a copy the caller should wipe.
 */
public final class MasterKey {

  /** Key length in bytes. */
  public static final int LENGTH = 32;

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String id;
  private final byte[] material;

  public MasterKey(String id, byte[] material) {
    checkId(id);
    requireNonNull(material, "material");
    checkArgument(
        material.length == LENGTH,
        "a master key must be %s bytes, not %s",
        LENGTH,
        material.length);
    this.id = id;
    this.material = material.clone();
  }

  /** Makes a new random key with {@code id}, from {@link SecureRandom}. */
  public static MasterKey generate(String id) {
    byte[] bytes = new byte[LENGTH];
    RANDOM.nextBytes(bytes);
    try {
      return new MasterKey(id, bytes);
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  /**
   * Checks a key id: 1 to 64 characters of letters, digits, {@code .}, {@code _} and {@code -},
   * starting with a letter or digit.
   *
   * @throws IllegalArgumentException if it is not one
   */
  public static String checkId(String id) {
    requireNonNull(id, "id");
    checkArgument(
        ID.matcher(id).matches(),
        "key id (%s) must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        id);
    return id;
  }

  /** The key id, recorded in every container it encrypts. Not secret. */
  public String id() {
    return id;
  }

  /** A copy of the key bytes. Wipe it when done. */
  public byte[] material() {
    return material.clone();
  }

  @Override
  public String toString() {
    return "MasterKey[id=" + id + ", 256 bits]";
  }
}
