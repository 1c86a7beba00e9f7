package io.biowerk.dr.core;

import java.io.IOException;

/**
 * No key provider knows a key id: the key that encrypted a backup is missing, or no key is active.
 */
public class KeyNotFoundException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String keyId;

  public KeyNotFoundException(String message, String keyId) {
    super(message);
    this.keyId = keyId;
  }

  /** The key id looked for, or {@code null} when no active key was found. */
  public String keyId() {
    return keyId;
  }
}
