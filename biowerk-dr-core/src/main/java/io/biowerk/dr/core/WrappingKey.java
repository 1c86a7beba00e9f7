package io.biowerk.dr.core;

import java.io.IOException;

/**
 * A master key that never leaves the service holding it (a hardware security module, a cloud KMS,
 * Vault's Transit engine): it wraps and unwraps a backup's 32-byte data key inside that service. A
 * wrapped key is a <em>stanza</em> {@code <type>:<base64>}, stored in the backup's manifest like
 * the stanzas of file keys ({@code docs/format/encrypted-container-v2.md}).
 *
 * <p>Implementations are thread-safe, authenticate the key id with the wrapped bytes (so a stanza
 * moved to another id does not open), and never put key material, PINs or tokens in messages, logs
 * or {@code toString()}.
 */
public interface WrappingKey {

  /** The key id recorded beside the stanza ({@code wrap.<id>}). Not secret. */
  String id();

  /** The stanza type this key writes and reads, e.g. {@code pkcs11}. */
  String type();

  /**
   * Wraps {@code dataKey} (32 bytes, not kept) inside the service.
   *
   * @return the stanza {@code <type>:<base64>}
   * @throws IOException if the service refuses or cannot be reached; the message says what was
   *     tried and which permission or setting is missing
   */
  String wrap(byte[] dataKey) throws IOException;

  /**
   * Unwraps a stanza this key (or an earlier instance of the same key) wrote.
   *
   * @return the 32-byte data key; wipe it when done
   * @throws WrongKeyException if the stanza does not authenticate under this key
   * @throws IntegrityException if the stanza is malformed
   * @throws IOException if the service refuses or cannot be reached
   */
  byte[] unwrap(String stanza) throws IOException;
}
