package io.biowerk.dr.core.retention;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What applying a retention plan did.
 *
 * @param deleted ids of the backups deleted
 * @param promoted backups moved into another tier folder
 * @param skipped decisions not carried out, and why (a backup in progress, a safety rule at apply
 *     time)
 * @param bytesFreed stored bytes of the deleted backups
 */
public record ApplyResult(
    List<String> deleted, List<Promotion> promoted, List<Skip> skipped, long bytesFreed) {
  public ApplyResult {
    deleted = List.copyOf(deleted);
    promoted = List.copyOf(promoted);
    skipped = List.copyOf(skipped);
  }

  /** Whether anything in the repository changed. */
  public boolean changed() {
    return !deleted.isEmpty() || !promoted.isEmpty();
  }

  /**
   * A backup moved to another tier folder.
   *
   * @param id the backup
   * @param fromKey its data key before
   * @param toKey its data key now
   */
  public record Promotion(String id, String fromKey, String toKey) {
    public Promotion {
      requireNonNull(id, "id");
      requireNonNull(fromKey, "fromKey");
      requireNonNull(toKey, "toKey");
    }
  }

  /**
   * A decision that was not carried out.
   *
   * @param id the backup
   * @param reason why
   */
  public record Skip(String id, String reason) {
    public Skip {
      requireNonNull(id, "id");
      requireNonNull(reason, "reason");
    }
  }
}
