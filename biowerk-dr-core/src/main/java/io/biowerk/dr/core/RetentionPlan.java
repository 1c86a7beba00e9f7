package io.biowerk.dr.core;

import java.util.List;

/**
 * A retention plan: a decision for every backup of a source, newest first. Printing it is the dry
 * run.
 *
 * @param decisions one per backup
 */
public record RetentionPlan(List<RetentionDecision> decisions) {
  public RetentionPlan {
    decisions = List.copyOf(decisions);
  }

  /** The decisions that keep. */
  public List<RetentionDecision> kept() {
    return decisions.stream().filter(RetentionDecision::keep).toList();
  }

  /** The decisions that delete. */
  public List<RetentionDecision> deleted() {
    return decisions.stream().filter(d -> !d.keep()).toList();
  }
}
