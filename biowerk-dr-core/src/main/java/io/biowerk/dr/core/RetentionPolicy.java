package io.biowerk.dr.core;

import java.time.Instant;
import java.util.List;

/**
 * Decides which backups of one source to keep. A policy only plans; applying the plan is a separate
 * step ({@code Retention.apply}), so a dry run is the plan printed.
 */
public interface RetentionPolicy {

  /**
   * Plans retention for the backups of one source.
   *
   * @param backups every backup of one source, in any order
   * @param now the time the plan is made for
   * @return a decision for every backup given
   */
  RetentionPlan plan(List<BackupRecord> backups, Instant now);
}
