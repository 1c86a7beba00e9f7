package io.biowerk.dr.core;

import java.io.IOException;

/**
 * A key service (an HSM, a KMS, Vault) is not configured as it must be or refused a request: a
 * setting is missing, a PIN or token is wrong, a permission is not granted. The message says what
 * was tried and what to set or grant; it never holds a key, PIN or token.
 */
public class KeyServiceException extends IOException {

  private static final long serialVersionUID = 1L;

  private final String service;

  /** An exception of key service {@code service} (e.g. {@code pkcs11}). */
  public KeyServiceException(String message, String service) {
    super(message);
    this.service = service;
  }

  /** As {@link #KeyServiceException(String, String)}, caused by a foreign exception. */
  public KeyServiceException(String message, String service, Throwable cause) {
    super(message, cause);
    this.service = service;
  }

  /** The id of the service that failed. */
  public String service() {
    return service;
  }
}
