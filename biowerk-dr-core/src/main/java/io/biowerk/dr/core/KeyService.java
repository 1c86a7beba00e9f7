package io.biowerk.dr.core;

import java.io.IOException;
import java.util.function.Function;

/**
 * A kind of key store beyond key files, found with {@link java.util.ServiceLoader} by its {@link
 * #id()} (chosen with {@code --key-provider} or {@code $BIOWERK_DR_KEY_PROVIDER}): {@code pkcs11}
 * in core, {@code vault-transit} and {@code aws-kms} in their own modules. A service is a cheap
 * factory; {@link #open} makes the provider that talks to the store.
 *
 * <p>Implementations are stateless and thread-safe. Settings come from {@code settings} (the
 * environment, in the command) and are named {@code BIOWERK_DR_<SERVICE>_<SETTING>}; secrets among
 * them (PINs, tokens) never appear in messages.
 */
public interface KeyService {

  /** The id users choose the service by, lower case: {@code pkcs11}. */
  String id();

  /**
   * Opens a provider of the service's keys, configured from {@code settings} (a variable name to
   * its value, or {@code null} when unset).
   *
   * @throws KeyServiceException if a setting is missing or invalid, or the store refuses; the
   *     message names the setting or permission
   * @throws IOException if the store cannot be reached
   */
  KeyProvider open(Function<String, String> settings) throws IOException;
}
