package io.biowerk.dr.core;

import java.io.IOException;

/**
 * A backup source failed while producing its bytes: a dump tool exited non-zero, a server went
 * away, the snapshot trailer did not check. The message carries the tool's own error output where
 * there is one.
 */
public class SourceFailedException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final String detail;

  public SourceFailedException(String message, String source, String detail) {
    super(message);
    this.source = source;
    this.detail = detail;
  }

  public SourceFailedException(String message, String source, String detail, Throwable cause) {
    super(message, cause);
    this.source = source;
    this.detail = detail;
  }

  /** The source, as its redacted URI. */
  public String source() {
    return source;
  }

  /** The tool's own error output, or an empty string. */
  public String detail() {
    return detail == null ? "" : detail;
  }
}
