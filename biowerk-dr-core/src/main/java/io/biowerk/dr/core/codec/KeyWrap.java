package io.biowerk.dr.core.codec;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.MasterKey;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.XECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key-wrapping primitives of container format v2 ({@code
 * docs/format/encrypted-container-v2.md}): a 32-byte data key sealed with AES-256-GCM under a
 * key-encryption key derived with HKDF-SHA256, either from a master key ({@value #MASTER}) or from
 * an X25519 agreement with a recipient's public key ({@value #X25519}). A wrapped key is a
 * <em>stanza</em>: {@code <type>:<base64 of 80 bytes>}.
 *
 * <p>Stateless and thread-safe. Key material never appears in a message; callers wipe the arrays
 * they get.
 */
public final class KeyWrap {

  /** Stanza type of a data key wrapped with a master key. */
  public static final String MASTER = "aes256gcm-hkdf";

  /** Stanza type of a data key wrapped to an X25519 public key. */
  public static final String X25519 = "x25519";

  /** The length of a data key, a master key and an X25519 key. */
  public static final int KEY_LENGTH = 32;

  static final int BODY_LENGTH = 32 + 32 + 16;
  static final byte[] MASTER_INFO =
      "BIOwerk-DR wrap v2 aes-256-gcm".getBytes(StandardCharsets.US_ASCII);
  static final byte[] X25519_INFO = "BIOwerk-DR wrap v2 x25519".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] BASE_POINT = basePoint();
  private static final SecureRandom RANDOM = new SecureRandom();

  private KeyWrap() {}

  /** A new random 32-byte data key, from {@link SecureRandom}. Wipe it when done. */
  public static byte[] newDataKey() {
    byte[] key = new byte[KEY_LENGTH];
    RANDOM.nextBytes(key);
    return key;
  }

  /**
   * The associated data of a stanza: {@code "BWDR-WRAP 2 " || type || " " || id}, ASCII. Key
   * services authenticate their stanzas with it too, so a stanza moved to another id does not open.
   */
  public static byte[] aad(String type, String id) {
    return ("BWDR-WRAP 2 " + type + " " + id).getBytes(StandardCharsets.US_ASCII);
  }

  /** Wraps {@code dataKey} with {@code master}: the stanza {@code aes256gcm-hkdf:<base64>}. */
  public static String wrapWithMaster(MasterKey master, byte[] dataKey) {
    byte[] salt = new byte[32];
    RANDOM.nextBytes(salt);
    return wrapWithMaster(master, dataKey, salt);
  }

  static String wrapWithMaster(MasterKey master, byte[] dataKey, byte[] salt) {
    checkArgument(dataKey.length == KEY_LENGTH, "a data key is %s bytes", KEY_LENGTH);
    byte[] ikm = master.material();
    byte[] kek = hkdf(ikm, salt, MASTER_INFO, 32);
    try {
      byte[] sealed = gcm(Cipher.ENCRYPT_MODE, kek, aad(MASTER, master.id()), dataKey);
      return MASTER + ":" + Base64.getEncoder().encodeToString(concat(salt, sealed));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("key wrap: this Java runtime cannot run AES-GCM", e);
    } finally {
      Arrays.fill(ikm, (byte) 0);
      Arrays.fill(kek, (byte) 0);
    }
  }

  /**
   * Wraps {@code dataKey} to the X25519 public key {@code publicKey} (32 bytes, RFC 7748 encoding)
   * of recipient {@code id}: the stanza {@code x25519:<base64>}. Needs no secret of the recipient.
   */
  public static String wrapToX25519(String id, byte[] publicKey, byte[] dataKey) {
    byte[] ephemeral = new byte[32];
    RANDOM.nextBytes(ephemeral);
    try {
      return wrapToX25519(id, publicKey, dataKey, ephemeral);
    } finally {
      Arrays.fill(ephemeral, (byte) 0);
    }
  }

  static String wrapToX25519(String id, byte[] publicKey, byte[] dataKey, byte[] ephemeral) {
    MasterKey.checkId(id);
    checkArgument(publicKey.length == KEY_LENGTH, "an X25519 public key is %s bytes", KEY_LENGTH);
    checkArgument(dataKey.length == KEY_LENGTH, "a data key is %s bytes", KEY_LENGTH);
    byte[] shared = null;
    byte[] kek = null;
    try {
      byte[] ephemeralPublic = x25519(ephemeral, BASE_POINT);
      shared = x25519(ephemeral, publicKey);
      kek = hkdf(shared, concat(ephemeralPublic, publicKey), X25519_INFO, 32);
      byte[] sealed = gcm(Cipher.ENCRYPT_MODE, kek, aad(X25519, id), dataKey);
      return X25519 + ":" + Base64.getEncoder().encodeToString(concat(ephemeralPublic, sealed));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "key wrap: the X25519 public key of recipient '" + id + "' is not usable: " + e, e);
    } finally {
      wipe(shared);
      wipe(kek);
    }
  }

  /** The type of a stanza, the part before the colon. */
  public static String type(String stanza) {
    int colon = stanza.indexOf(':');
    return colon < 0 ? "" : stanza.substring(0, colon);
  }

  /**
   * Unwraps a stanza with the 32-byte secret of key {@code id}: a master key for {@value #MASTER},
   * an X25519 private key for {@value #X25519}.
   *
   * @return the data key; wipe it when done
   * @throws IntegrityException if the stanza is malformed or does not authenticate (damaged, or the
   *     secret is not the key it was wrapped with)
   */
  public static byte[] unwrap(String id, String stanza, byte[] secret) throws IntegrityException {
    requireNonNull(stanza, "stanza");
    String type = type(stanza);
    byte[] body;
    try {
      body = Base64.getDecoder().decode(stanza.substring(type.length() + 1));
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      body = new byte[0];
    }
    if (body.length != BODY_LENGTH || !(type.equals(MASTER) || type.equals(X25519))) {
      throw new IntegrityException(
          "key wrap: the wrapped data key for '"
              + id
              + "' is malformed (type '"
              + printable(type)
              + "', "
              + body.length
              + " bytes, expected '"
              + MASTER
              + "' or '"
              + X25519
              + "' and "
              + BODY_LENGTH
              + "); the manifest is damaged: restore it from another copy or rewrap from a good one");
    }
    byte[] head = Arrays.copyOfRange(body, 0, 32);
    byte[] sealed = Arrays.copyOfRange(body, 32, BODY_LENGTH);
    byte[] shared = null;
    byte[] kek = null;
    try {
      if (type.equals(MASTER)) {
        kek = hkdf(secret, head, MASTER_INFO, 32);
      } else {
        byte[] recipientPublic = x25519(secret, BASE_POINT);
        shared = x25519(secret, head);
        kek = hkdf(shared, concat(head, recipientPublic), X25519_INFO, 32);
      }
      return gcm(Cipher.DECRYPT_MODE, kek, aad(type, id), sealed);
    } catch (AEADBadTagException e) {
      throw new IntegrityException(
          "key wrap: the wrapped data key for '"
              + id
              + "' does not authenticate: either the key with id '"
              + id
              + "' in your key ring is not the key this backup was encrypted with, or the"
              + " manifest was damaged; use the right key file, or restore the manifest from"
              + " another copy");
    } catch (GeneralSecurityException e) {
      throw new IntegrityException(
          "key wrap: the wrapped data key for '" + id + "' cannot be opened (" + e + ")", e);
    } finally {
      wipe(shared);
      wipe(kek);
    }
  }

  /** A new X25519 key pair: {@code [private, public]}, 32 bytes each (RFC 7748 encoding). */
  public static byte[][] newX25519KeyPair() {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("X25519").generateKeyPair();
      byte[] secret =
          ((XECPrivateKey) pair.getPrivate())
              .getScalar()
              .orElseThrow(() -> new IllegalStateException("X25519 key without its scalar"));
      return new byte[][] {secret, x25519(secret, BASE_POINT)};
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("key wrap: this Java runtime lacks X25519", e);
    }
  }

  /** The public key of the X25519 private key {@code secret} (32 bytes each). */
  public static byte[] x25519PublicKey(byte[] secret) {
    try {
      return x25519(secret, BASE_POINT);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("key wrap: not an X25519 private key", e);
    }
  }

  /** X25519(scalar, u) of RFC 7748 through the JDK's {@code XDH}. */
  static byte[] x25519(byte[] scalar, byte[] u) throws GeneralSecurityException {
    KeyFactory factory = KeyFactory.getInstance("XDH");
    PrivateKey privateKey =
        factory.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar));
    byte[] reversed = new byte[32];
    for (int i = 0; i < 32; i++) {
      reversed[i] = u[31 - i];
    }
    reversed[0] &= 0x7f; // RFC 7748 5: the top bit of the last byte is masked
    PublicKey publicKey =
        factory.generatePublic(
            new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, reversed)));
    KeyAgreement agreement = KeyAgreement.getInstance("XDH");
    agreement.init(privateKey);
    agreement.doPhase(publicKey, true);
    return agreement.generateSecret();
  }

  static byte[] hkdf(byte[] ikm, byte[] salt, byte[] info, int length) {
    return Hkdf.sha256(ikm, salt, info, length);
  }

  private static byte[] gcm(int mode, byte[] key, byte[] aad, byte[] input)
      throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, new byte[12]));
    cipher.updateAAD(aad);
    return cipher.doFinal(input);
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static String printable(String s) {
    String cut = s.length() > 20 ? s.substring(0, 20) + "..." : s;
    return cut.replaceAll("[^A-Za-z0-9._-]", "?");
  }

  private static void wipe(byte[] bytes) {
    if (bytes != null) {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  private static byte[] basePoint() {
    byte[] u = new byte[32];
    u[0] = 9;
    return u;
  }
}
