package io.biowerk.dr.core.keys;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.WrappingKey;
import io.biowerk.dr.core.codec.KeyWrap;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.Predicate;

/**
 * The stanza shape every {@link WrappingKey} of a key service shares ({@code pkcs11}, {@code
 * vault-transit}, {@code aws-kms}): {@code <type>:<base64 of what the service returned>}, read back
 * with the same checks and the same messages for a damaged manifest. Stateless.
 */
public final class ServiceStanzas {
  private ServiceStanzas() {}

  /** The stanza {@code <type>:<base64 of body>}. */
  public static String of(String type, byte[] body) {
    return requireNonNull(type, "type") + ":" + Base64.getEncoder().encodeToString(body);
  }

  /**
   * The body of {@code stanza}, a stanza of {@code type} wrapping the data key of key {@code id},
   * if it is base64 and {@code valid} accepts it.
   *
   * @param expected what a good body is, for the message: {@code "60 bytes of base64"}
   * @throws IntegrityException if the stanza is of another type, not base64, or not valid: the
   *     manifest is damaged
   */
  public static byte[] body(
      String type, String id, String stanza, String expected, Predicate<byte[]> valid)
      throws IntegrityException {
    byte[] body;
    try {
      body =
          KeyWrap.type(stanza).equals(type)
              ? Base64.getDecoder().decode(stanza.substring(type.length() + 1))
              : null;
    } catch (IllegalArgumentException e) {
      body = null;
    }
    if (body == null || !valid.test(body)) {
      throw new IntegrityException(
          type
              + ": the wrapped data key for '"
              + id
              + "' is malformed (expected '"
              + type
              + ":' and "
              + expected
              + "); the manifest is damaged: restore it from another copy");
    }
    return body;
  }

  /**
   * Checks that {@code dataKey}, what {@code service} unwrapped for key {@code id}, is a data key.
   *
   * @return {@code dataKey}
   * @throws IntegrityException if it is not 32 bytes (then it is wiped): the stanza was not written
   *     by BIOwerk DR
   */
  public static byte[] checkDataKey(String type, String service, String id, byte[] dataKey)
      throws IntegrityException {
    if (dataKey.length != KeyWrap.KEY_LENGTH) {
      int length = dataKey.length;
      Arrays.fill(dataKey, (byte) 0);
      throw new IntegrityException(
          type
              + ": "
              + service
              + " decrypted the wrapped data key for '"
              + id
              + "' to "
              + length
              + " bytes, not "
              + KeyWrap.KEY_LENGTH
              + ": the stanza was not written by BIOwerk DR");
    }
    return dataKey;
  }
}
