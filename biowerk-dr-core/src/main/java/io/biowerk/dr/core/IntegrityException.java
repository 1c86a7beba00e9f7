package io.biowerk.dr.core;

import java.io.IOException;
import java.util.Optional;

/**
 * A backup's bytes are not what was stored: a checksum differs, an authentication tag fails, the
 * stream is truncated or reordered. The data must not be used.
 */
public class IntegrityException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String backupId;
  private final String expected;
  private final String actual;

  public IntegrityException(String message) {
    this(message, null, null, null);
  }

  public IntegrityException(String message, String backupId, String expected, String actual) {
    super(message);
    this.backupId = backupId;
    this.expected = expected;
    this.actual = actual;
  }

  public IntegrityException(String message, Throwable cause) {
    super(message, cause);
    this.backupId = null;
    this.expected = null;
    this.actual = null;
  }

  /** The backup this concerns, when known. */
  public Optional<String> backupId() {
    return Optional.ofNullable(backupId);
  }

  /** The value that was expected (a checksum, a size), when there is one. */
  public Optional<String> expected() {
    return Optional.ofNullable(expected);
  }

  /** The value that was found, when there is one. */
  public Optional<String> actual() {
    return Optional.ofNullable(actual);
  }
}
