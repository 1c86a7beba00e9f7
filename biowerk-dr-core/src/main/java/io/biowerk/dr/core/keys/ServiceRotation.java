package io.biowerk.dr.core.keys;

import java.io.IOException;
import java.util.Optional;

/**
 * What the incident step ({@code biowerk-dr keys compromised}) can do inside a key service: make a
 * new key there and remove the compromised one once no backup needs it. Where the service (or the
 * permissions this process has in it) cannot, each method returns the exact steps the operator must
 * take instead: the commands of the service's own tool, with the names filled in.
 *
 * <p>Implemented by the providers of {@code pkcs11} (creates and removes keys on the token), {@code
 * vault-transit} (creates keys; removal is the operator's, because Vault refuses to delete a
 * Transit key until it is configured to allow it), {@code vault-kv} and {@code aws-kms} (steps
 * only). Messages hold no key material, PIN or token.
 */
public interface ServiceRotation {

  /**
   * The setting that names the key new backups are wrapped to, e.g. {@code BIOWERK_DR_PKCS11_KEY}:
   * after a rotation the operator points it at the new key.
   */
  String activeKeySetting();

  /**
   * Creates a new key {@code id} inside the service.
   *
   * @return empty when the key was created; otherwise the steps that create it (and make it the
   *     active key) by hand, because this service or this process's permissions cannot
   * @throws IOException if the service refuses for another reason or cannot be reached; the message
   *     says what was tried
   */
  Optional<String> createKey(String id) throws IOException;

  /**
   * Removes key {@code id} from the service; call it only once no backup needs the key.
   *
   * @return empty when the key was removed; otherwise the steps that remove or disable it by hand
   * @throws IOException if the service refuses or cannot be reached
   */
  Optional<String> removeKey(String id) throws IOException;
}
