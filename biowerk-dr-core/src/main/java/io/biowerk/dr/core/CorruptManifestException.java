package io.biowerk.dr.core;

/**
 * A manifest cannot be parsed or lacks a field, so the backup it describes cannot be trusted or
 * restored.
 */
public class CorruptManifestException extends IntegrityException {
  private static final long serialVersionUID = 1L;

  private final String location;

  public CorruptManifestException(String message, String location, Throwable cause) {
    super(message, cause);
    this.location = location;
  }

  /** Where the manifest was read from (sink URI and key). */
  public String location() {
    return location;
  }
}
