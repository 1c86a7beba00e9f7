package io.biowerk.dr.core;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What a retention plan decides for one backup.
 *
 * @param backup the backup
 * @param keep whether it is kept
 * @param reasons the rules that keep it ({@code daily 3/30}, {@code newest}), or why it goes
 * @param tier the layout folder it belongs in if kept ({@code daily}, {@code weekly}, {@code
 *     monthly})
 */
public record RetentionDecision(
    BackupRecord backup, boolean keep, List<String> reasons, String tier) {
  public RetentionDecision {
    requireNonNull(backup, "backup");
    reasons = List.copyOf(reasons);
    requireNonNull(tier, "tier");
  }
}
