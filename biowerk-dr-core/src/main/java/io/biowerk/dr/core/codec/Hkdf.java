package io.biowerk.dr.core.codec;

import static com.google.common.base.Preconditions.checkArgument;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF-SHA256 of RFC 5869 on the JDK's {@code HmacSHA256}: extract a pseudorandom key from the
 * input key material and salt, then expand it with {@code info} to the length asked for. Core needs
 * no other library for it. Stateless and thread-safe; callers wipe the arrays they get.
 */
final class Hkdf {

  private static final int HASH_LENGTH = 32;

  private Hkdf() {}

  /**
   * {@code HKDF-Expand(HKDF-Extract(salt, ikm), info, length)} with SHA-256; an empty salt is
   * {@value #HASH_LENGTH} zero bytes, as the RFC says.
   *
   * @throws IllegalArgumentException if {@code length} is not 1 to 8160 bytes
   */
  static byte[] sha256(byte[] ikm, byte[] salt, byte[] info, int length) {
    checkArgument(
        length > 0 && length <= 255 * HASH_LENGTH,
        "HKDF output length (%s) must be 1 to %s bytes",
        length,
        255 * HASH_LENGTH);
    byte[] prk = null;
    byte[] block = new byte[0];
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(salt.length == 0 ? new byte[HASH_LENGTH] : salt, "HmacSHA256"));
      prk = mac.doFinal(ikm);
      mac.init(new SecretKeySpec(prk, "HmacSHA256"));
      byte[] okm = new byte[length];
      int done = 0;
      for (int counter = 1; done < length; counter++) {
        mac.update(block);
        mac.update(info);
        mac.update((byte) counter);
        Arrays.fill(block, (byte) 0);
        block = mac.doFinal();
        int n = Math.min(block.length, length - done);
        System.arraycopy(block, 0, okm, done, n);
        done += n;
      }
      return okm;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("hkdf: this Java runtime cannot run HmacSHA256", e);
    } finally {
      if (prk != null) {
        Arrays.fill(prk, (byte) 0);
      }
      Arrays.fill(block, (byte) 0);
    }
  }
}
