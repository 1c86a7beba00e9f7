package io.biowerk.dr.core.codec;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.WrappingKey;
import java.io.IOException;

/**
 * Someone a backup's data key is wrapped to: a master key (which can also unwrap it), a key held in
 * a service such as an HSM (which wraps and unwraps inside it), or an X25519 public key (which
 * cannot unwrap: only the matching private key, kept elsewhere, can). An {@link EnvelopeCodec}
 * wraps its data key to each of its recipients.
 *
 * <p>Immutable and thread-safe. {@link #toString()} shows the id and kind only.
 */
public final class Recipient {

  private final String id;
  private final MasterKey master;
  private final byte[] publicKey;
  private final WrappingKey service;

  private Recipient(String id, MasterKey master, byte[] publicKey, WrappingKey service) {
    this.id = MasterKey.checkId(id);
    this.master = master;
    this.publicKey = publicKey;
    this.service = service;
  }

  /** The recipient that wraps with {@code key} (symmetric: the same key unwraps). */
  public static Recipient masterKey(MasterKey key) {
    return new Recipient(requireNonNull(key, "key").id(), key, null, null);
  }

  /**
   * The recipient that wraps to the X25519 public key {@code publicKey} (32 bytes, RFC 7748) named
   * {@code id}; the private key of the same id unwraps.
   */
  public static Recipient x25519(String id, byte[] publicKey) {
    requireNonNull(publicKey, "publicKey");
    checkArgument(
        publicKey.length == KeyWrap.KEY_LENGTH,
        "an X25519 public key is %s bytes, not %s",
        KeyWrap.KEY_LENGTH,
        publicKey.length);
    return new Recipient(id, null, publicKey.clone(), null);
  }

  /**
   * The recipient that wraps inside the service holding {@code key} (an HSM, a KMS, Vault); the
   * same key, reached through that service, unwraps.
   */
  public static Recipient wrappingKey(WrappingKey key) {
    return new Recipient(requireNonNull(key, "key").id(), null, null, key);
  }

  /** The key id the wrapped key is recorded under. */
  public String id() {
    return id;
  }

  /** Whether this is a public key (the host that wraps cannot unwrap). */
  public boolean isPublicKey() {
    return publicKey != null;
  }

  /**
   * Wraps {@code dataKey} to this recipient: a stanza {@code <type>:<base64>}.
   *
   * @throws IOException if the recipient is a service's key and the service refuses or cannot be
   *     reached
   */
  public String wrap(byte[] dataKey) throws IOException {
    if (service != null) {
      return service.wrap(dataKey);
    }
    return master != null
        ? KeyWrap.wrapWithMaster(master, dataKey)
        : KeyWrap.wrapToX25519(id, publicKey, dataKey);
  }

  @Override
  public String toString() {
    if (service != null) {
      return service.type() + " key " + id;
    }
    return (publicKey != null ? "x25519 recipient " : "master key ") + id;
  }
}
