package io.biowerk.dr.core;

import java.io.IOException;

/** A sink has no object under a key. */
public class ObjectNotFoundException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String key;

  public ObjectNotFoundException(String message, String key) {
    super(message);
    this.key = key;
  }

  /** The key that was asked for. */
  public String key() {
    return key;
  }
}
