package io.biowerk.dr.core.log;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * What one base backup and the archived log can recover to: any time from the backup's end to the
 * newest archived segment, reading the segments {@code firstSegment} to {@code lastSegment} without
 * a gap.
 *
 * @param from the earliest recoverable time (the base backup's end)
 * @param to the latest recoverable time (no entry of the newest archived segment is later)
 * @param firstSegment the first segment the replay reads
 * @param lastSegment the newest segment, reached without a gap
 * @param segments how many segments that is
 */
public record RecoveryWindow(
    Instant from, Instant to, String firstSegment, String lastSegment, int segments) {

  public RecoveryWindow {
    requireNonNull(from, "from");
    requireNonNull(to, "to");
    requireNonNull(firstSegment, "firstSegment");
    requireNonNull(lastSegment, "lastSegment");
  }
}
