package io.biowerk.dr.core;

/**
 * An archive entry would be written outside the restore target (a {@code ../} segment, an absolute
 * path, a link pointing out). Nothing outside the target is written; the restore is aborted.
 */
public class UnsafePathException extends IntegrityException {
  private static final long serialVersionUID = 1L;

  private final String entry;

  public UnsafePathException(String message, String entry) {
    super(message);
    this.entry = entry;
  }

  /** The offending entry name, with non-printable bytes escaped. */
  public String entry() {
    return entry;
  }
}
