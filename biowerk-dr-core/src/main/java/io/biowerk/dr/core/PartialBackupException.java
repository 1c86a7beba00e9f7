package io.biowerk.dr.core;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.util.stream.Collectors;

/**
 * A backup into several sinks completed in some and failed in the others ({@link BackupJob#run()}).
 * The backup is complete, listed and restorable in {@link BackupOutcome#succeeded()}; nothing of it
 * is listed in {@link BackupOutcome#failed()}. Copy it there once they work again (the command's
 * {@code biowerk-dr sync --from GOOD --to FAILED}), or run the backup again.
 */
public final class PartialBackupException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient BackupOutcome outcome;

  /** A failure that names the sinks that failed and the ones that kept the backup. */
  public PartialBackupException(BackupOutcome outcome) {
    super(message(requireNonNull(outcome, "outcome")));
    this.outcome = outcome;
    for (IOException failure : outcome.failed().values()) {
      addSuppressed(failure);
    }
  }

  /** What each sink did. */
  public BackupOutcome outcome() {
    return outcome;
  }

  private static String message(BackupOutcome outcome) {
    String failed =
        outcome.failed().entrySet().stream()
            .map(e -> e.getKey() + " (" + reason(e.getValue()) + ")")
            .collect(Collectors.joining(", "));
    String kept =
        outcome.succeeded().stream().map(Object::toString).collect(Collectors.joining(", "));
    return "backup "
        + outcome.manifest().id()
        + " failed in "
        + failed
        + "; it is complete in "
        + kept
        + " only; copy it once the failed repositories work again (biowerk-dr sync --from GOOD"
        + " --to FAILED) or run the backup again";
  }

  static String reason(Throwable failure) {
    String message = failure.getMessage();
    return message == null || message.isBlank() ? failure.getClass().getSimpleName() : message;
  }
}
