package io.biowerk.dr.core;

/**
 * The key found for an encrypted backup's key id is not the key it was encrypted with: the
 * container's key commitment does not match. The data may be intact; another key file is needed.
 */
public class WrongKeyException extends IntegrityException {
  private static final long serialVersionUID = 1L;

  private final String keyId;

  public WrongKeyException(String message, String keyId) {
    super(message);
    this.keyId = keyId;
  }

  /** The key id recorded in the container. */
  public String keyId() {
    return keyId;
  }
}
