package io.biowerk.dr.core.codec;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.CodecSpec;
import io.biowerk.dr.core.CorruptManifestException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.MasterKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The authentication code of an encrypted backup's manifest ({@code
 * docs/format/manifest-authentication.md}): HMAC-SHA256 over {@link Manifests#authenticatedBytes},
 * under a key derived with HKDF-SHA256 from the backup's secret, so whoever can write to the
 * repository but holds no key cannot change what a restore does (its format, codecs, checksums,
 * times, facts).
 *
 * <ul>
 *   <li>Container format 2 (envelope): the secret is the backup's data key, which only a master key
 *       (or a recipient's private key) unwraps from the manifest.
 *   <li>Container format 1: the secret is the master key named by the manifest's key id.
 * </ul>
 *
 * <p>An unencrypted backup has no secret, so its manifest is not authenticated: {@link #check} says
 * so with {@link Status#NOT_AUTHENTICATED}. Stateless; key material is wiped after use and never
 * appears in a message.
 */
public final class ManifestAuthentication {

  /** The prefix of a manifest's {@code mac} value: {@code hmac-sha256:<64 hex digits>}. */
  public static final String PREFIX = "hmac-sha256:";

  static final byte[] INFO_DATA_KEY =
      "BIOwerk-DR manifest mac v1 data-key".getBytes(StandardCharsets.US_ASCII);
  static final byte[] INFO_MASTER_KEY =
      "BIOwerk-DR manifest mac v1 master-key".getBytes(StandardCharsets.US_ASCII);

  /** What {@link #check} found. */
  public enum Status {
    /** The manifest is encrypted and its authentication code matches. */
    AUTHENTICATED,
    /** The backup is not encrypted, so there is no key to authenticate its manifest with. */
    NOT_AUTHENTICATED
  }

  private ManifestAuthentication() {}

  /**
   * {@code manifest} with the authentication code computed from the encrypting codec of {@code
   * chain} (the codecs that wrote it); unchanged when no {@link EnvelopeCodec} or {@link
   * EncryptionCodec} of {@code chain} encrypts.
   */
  public static BackupManifest sign(BackupManifest manifest, List<? extends Codec> chain) {
    requireNonNull(manifest, "manifest");
    for (Codec codec : chain) {
      byte[] secret = null;
      byte[] info = null;
      if (codec instanceof EnvelopeCodec envelope && envelope.dataKeyOrNull() != null) {
        secret = envelope.dataKeyOrNull().clone();
        info = INFO_DATA_KEY;
      } else if (codec instanceof EncryptionCodec v1 && v1.encryptionKeyOrNull() != null) {
        secret = v1.encryptionKeyOrNull().material();
        info = INFO_MASTER_KEY;
      }
      if (secret != null) {
        try {
          return manifest.withMac(Optional.of(PREFIX + mac(secret, info, manifest)));
        } finally {
          Arrays.fill(secret, (byte) 0);
        }
      }
    }
    return manifest;
  }

  /**
   * Whether {@code manifest} is one that must carry a valid authentication code (its chain has an
   * {@code enc} codec), so that a restore or decode of it that succeeded has checked it.
   */
  public static boolean covers(BackupManifest manifest) {
    return manifest.codecs().stream().anyMatch(c -> c.id().equals(EncryptionCodec.ID));
  }

  /** The words the command prints about a manifest's authentication after a restore. */
  public static String describe(BackupManifest manifest) {
    return covers(manifest)
        ? "manifest authenticated"
        : "manifest NOT authenticated (the backup is not encrypted, so anyone who can write to the"
            + " repository could have changed it)";
  }

  /**
   * Checks the authentication code of {@code manifest} before anything is decoded or restored.
   *
   * @param explicit codecs given by the caller (an encrypting codec there reads with its own key);
   *     may be empty
   * @return {@link Status#NOT_AUTHENTICATED} if no {@code enc} codec is in its chain
   * @throws CorruptManifestException if it is encrypted and its code is missing, malformed, or does
   *     not match (the manifest was changed after it was written)
   * @throws io.biowerk.dr.core.KeyNotFoundException if the key it needs is not in {@code keys}
   * @throws io.biowerk.dr.core.WrongKeyException if the key found does not open its data key
   * @throws IOException if a key provider cannot be read
   */
  public static Status check(BackupManifest manifest, KeyRing keys, List<? extends Codec> explicit)
      throws IOException {
    Optional<CodecSpec> enc =
        manifest.codecs().stream().filter(c -> c.id().equals(EncryptionCodec.ID)).findFirst();
    if (enc.isEmpty()) {
      return Status.NOT_AUTHENTICATED;
    }
    String mac = manifest.mac().orElse("");
    if (!mac.startsWith(PREFIX) || mac.length() != PREFIX.length() + 64) {
      throw changed(
          manifest,
          mac.isEmpty()
              ? "it is encrypted but carries no authentication code (\"mac\"): it was changed, or"
                  + " written by a biowerk-dr older than manifest authentication"
              : "its authentication code is malformed");
    }
    byte[] secret;
    byte[] info;
    Codec given =
        explicit.stream().filter(c -> c.id().equals(EncryptionCodec.ID)).findFirst().orElse(null);
    if (EnvelopeCodec.isFormat2(enc.get().parameters())) {
      info = INFO_DATA_KEY;
      secret =
          given instanceof EnvelopeCodec envelope && envelope.dataKeyOrNull() != null
              ? envelope.dataKeyOrNull().clone()
              : EnvelopeCodec.openDataKey(EnvelopeCodec.wraps(enc.get().parameters()), keys);
    } else {
      info = INFO_MASTER_KEY;
      String keyId = manifest.keyId().orElse(enc.get().parameters().get("key-id"));
      if (keyId == null) {
        throw changed(manifest, "it is encrypted but names no key id");
      }
      MasterKey key =
          given instanceof EncryptionCodec v1
                  && v1.encryptionKeyOrNull() != null
                  && v1.encryptionKeyOrNull().id().equals(keyId)
              ? v1.encryptionKeyOrNull()
              : keys.resolve(keyId);
      secret = key.material();
    }
    try {
      String expected = PREFIX + mac(secret, info, manifest);
      if (!MessageDigest.isEqual(
          expected.getBytes(StandardCharsets.US_ASCII), mac.getBytes(StandardCharsets.US_ASCII))) {
        throw changed(
            manifest,
            "its authentication code does not match its content: it was changed after the backup"
                + " was written (its format, codecs, checksums, times or facts)");
      }
      return Status.AUTHENTICATED;
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
  }

  private static CorruptManifestException changed(BackupManifest manifest, String why) {
    return new CorruptManifestException(
        "manifest of backup "
            + manifest.id()
            + " is not authentic: "
            + why
            + "; nothing was restored. Do not trust this repository copy: restore the manifest from"
            + " another copy of the repository, or use another backup",
        manifest.manifestKey(),
        null);
  }

  private static String mac(byte[] secret, byte[] info, BackupManifest manifest) {
    byte[] key = KeyWrap.hkdf(secret, new byte[0], info, 32);
    try {
      Mac hmac = Mac.getInstance("HmacSHA256");
      hmac.init(new SecretKeySpec(key, "HmacSHA256"));
      return HexFormat.of().formatHex(hmac.doFinal(Manifests.authenticatedBytes(manifest)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("manifest mac: this Java runtime cannot run HmacSHA256", e);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }
}
