package io.biowerk.dr.core.log;

import java.io.IOException;

/**
 * A segment was pushed under a name the archive already holds with different bytes. Two databases
 * archiving into the same source folder (a restored copy still archiving, a misconfigured standby)
 * is the usual cause; the stored segment is kept.
 */
public class LogConflictException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String segment;
  private final String storedSha256;
  private final String pushedSha256;

  public LogConflictException(
      String message, String segment, String storedSha256, String pushedSha256) {
    super(message);
    this.segment = segment;
    this.storedSha256 = storedSha256;
    this.pushedSha256 = pushedSha256;
  }

  /** The segment name. */
  public String segment() {
    return segment;
  }

  /** SHA-256 of the segment already stored. */
  public String storedSha256() {
    return storedSha256;
  }

  /** SHA-256 of the bytes that were pushed. */
  public String pushedSha256() {
    return pushedSha256;
  }
}
