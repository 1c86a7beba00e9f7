package io.biowerk.dr.redis;

import java.io.IOException;

/**
 * An RDB stream uses something this reader does not know (an RDB version newer than it supports, a
 * value type added by a later Redis, pre-release module or function records). The data may be
 * intact; it cannot be checked or restored online by this version.
 */
public class UnsupportedRdbException extends IOException {
  private static final long serialVersionUID = 1L;

  public UnsupportedRdbException(String message) {
    super(message);
  }
}
