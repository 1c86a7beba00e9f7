package io.biowerk.dr.core;

import java.io.IOException;

/** A restore target already holds data and overwriting it was not asked for. */
public class TargetNotEmptyException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String target;

  public TargetNotEmptyException(String message, String target) {
    super(message);
    this.target = target;
  }

  /** The target, as its redacted URI. */
  public String target() {
    return target;
  }
}
