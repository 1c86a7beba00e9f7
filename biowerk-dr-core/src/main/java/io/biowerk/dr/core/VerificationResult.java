package io.biowerk.dr.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;

/**
 * The outcome of verifying one backup, as recorded beside it for retention and reports.
 *
 * @param backupId the backup verified
 * @param level how deeply
 * @param at when the verification finished
 * @param passed whether it passed
 * @param duration how long it took (for {@link VerificationLevel#RESTORE}, the restore time against
 *     the RTO)
 * @param detail what was checked, or what failed
 */
public record VerificationResult(
    String backupId,
    VerificationLevel level,
    Instant at,
    boolean passed,
    Duration duration,
    String detail) {
  public VerificationResult {
    requireNonNull(backupId, "backupId");
    requireNonNull(level, "level");
    requireNonNull(at, "at");
    requireNonNull(duration, "duration");
    requireNonNull(detail, "detail");
  }
}
