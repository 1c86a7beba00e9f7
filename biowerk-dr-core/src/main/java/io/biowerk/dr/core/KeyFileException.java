package io.biowerk.dr.core;

import java.io.IOException;
import java.nio.file.Path;

/** A key file is unsafe (readable by others) or malformed. The message says how to fix it. */
public class KeyFileException extends IOException {
  private static final long serialVersionUID = 1L;

  private final Path path;

  public KeyFileException(String message, Path path) {
    super(message);
    this.path = path;
  }

  /** The key file. */
  public Path path() {
    return path;
  }
}
