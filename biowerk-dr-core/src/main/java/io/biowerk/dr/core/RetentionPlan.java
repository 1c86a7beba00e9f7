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

  /**
   * The dry run: a summary line ({@code retention plan: 40 backups, keep 38, delete 2}), then one
   * line per backup, newest first, with its decision, id, tier and the rules that keep it or why it
   * goes ({@code keep postgres_20240204_020000 daily newest, daily 1/30}). Manifests are not
   * printed.
   */
  @Override
  public String toString() {
    int idWidth = decisions.stream().mapToInt(d -> d.backup().id().length()).max().orElse(0);
    StringBuilder out =
        new StringBuilder()
            .append("retention plan: ")
            .append(decisions.size())
            .append(decisions.size() == 1 ? " backup" : " backups")
            .append(", keep ")
            .append(kept().size())
            .append(", delete ")
            .append(deleted().size());
    for (RetentionDecision d : decisions) {
      out.append('\n')
          .append(
              String.format(
                  "%-6s %-" + idWidth + "s %-6s ",
                  d.keep() ? "keep" : "delete",
                  d.backup().id(),
                  d.tier()))
          .append(String.join(", ", d.reasons()));
    }
    return out.toString();
  }
}
