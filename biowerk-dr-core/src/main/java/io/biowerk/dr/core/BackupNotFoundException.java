package io.biowerk.dr.core;

import java.io.IOException;

/** No backup with a given id (or none for a source) is in the repository. */
public class BackupNotFoundException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String id;

  public BackupNotFoundException(String message, String id) {
    super(message);
    this.id = id;
  }

  /** The id (or {@code latest:source}) that was asked for. */
  public String id() {
    return id;
  }
}
