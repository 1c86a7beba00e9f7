package io.biowerk.dr.core;

import java.io.IOException;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves master-key ids to keys: a key file, an environment variable, or a {@link KeyService} (an
 * HSM, a KMS, Vault) whose keys wrap data keys without leaving it ({@link #wrappingKey}). Several
 * providers form a {@link KeyRing}. Implementations never put key material in messages, logs or
 * {@code toString()}.
 */
public interface KeyProvider {

  /**
   * Looks a key up by id.
   *
   * @throws IOException if the provider's store cannot be read (a file with unsafe permissions, a
   *     bad line)
   */
  Optional<MasterKey> key(String id) throws IOException;

  /**
   * The id of the key new backups should use, if this provider names one.
   *
   * @throws IOException if the provider's store cannot be read
   */
  Optional<String> activeKeyId() throws IOException;

  /**
   * The ids this provider knows (ids are not secret).
   *
   * @throws IOException if the provider's store cannot be read
   */
  Set<String> keyIds() throws IOException;

  /**
   * The key {@code id} if this provider holds it inside a service that wraps data keys itself (an
   * HSM, a KMS, Vault), so that its bytes are never handed out; such a key is in {@link #keyIds()}
   * but {@link #key(String)} does not return it. Empty by default (keys held in files).
   *
   * @throws IOException if the provider's store cannot be read
   */
  default Optional<WrappingKey> wrappingKey(String id) throws IOException {
    return Optional.empty();
  }
}
