package io.biowerk.dr.core.log;

import java.io.IOException;
import java.util.Optional;

/**
 * A point-in-time recovery cannot reach its target from what the repository holds: the target is
 * before the base backup ended or after the newest archived segment, or a segment the replay needs
 * is missing. The message says which range is recoverable or which segment is missing, and what to
 * do.
 */
public class RecoveryRangeException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String missingSegment;

  public RecoveryRangeException(String message, String missingSegment) {
    super(message);
    this.missingSegment = missingSegment;
  }

  /** The first segment the replay needs that the repository lacks, if that is the reason. */
  public Optional<String> missingSegment() {
    return Optional.ofNullable(missingSegment);
  }
}
