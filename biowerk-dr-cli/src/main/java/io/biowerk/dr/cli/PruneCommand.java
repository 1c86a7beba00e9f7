package io.biowerk.dr.cli;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.RetentionDecision;
import io.biowerk.dr.core.RetentionPlan;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.StoredObject;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.log.LogRetention;
import io.biowerk.dr.core.retention.ApplyResult;
import io.biowerk.dr.core.retention.GfsPolicy;
import io.biowerk.dr.core.retention.Retention;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code biowerk-dr prune}: applies a retention policy, or prints its plan with {@code --dry-run}.
 */
@Command(
    name = "prune",
    sortOptions = false,
    header = "Delete backups a retention policy no longer keeps.",
    description = {
      "Plans retention per source (grandfather-father-son, as restic's forget) and carries it out:"
          + " deletes what no rule keeps and moves kept backups into the weekly/ and monthly/ folders. Without"
          + " --keep-* options the plan's policy applies: 30 daily, 12 weekly, 12 monthly.",
      "",
      "Safety rules no policy overrides: the newest backup of a source, the newest one whose last"
          + " verification passed, and every backup of a source that is being backed up are kept. Leftovers of"
          + " crashed runs older than a day are removed too. Every repository given is pruned.",
      "",
      "Archived logs (a database's write-ahead or operation log) are pruned with the base backups: kept is every"
          + " segment the point-in-time window needs (--log-window, 7 days by default: from the newest kept"
          + " base backup that ended before the window's start), every segment an older kept base backup"
          + " needs to become consistent, and the timeline history a kept segment needs; the plan shows"
          + " each kept and deleted range with its reason. Without a kept base backup no log is deleted.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  biowerk-dr prune --dry-run                 # print the plan, change nothing",
      "  biowerk-dr prune --keep-daily 7 --keep-weekly 4",
      "  biowerk-dr prune SOURCE --keep-within 14d",
      "  biowerk-dr prune orders --log-window 14d --dry-run   # log ranges kept, and why"
    })
final class PruneCommand extends CliCommand {

  /**
   * Crashed runs' objects younger than this are left alone: a backup may be between data and
   * manifest.
   */
  static final Duration ORPHAN_GRACE = Duration.ofHours(24);

  private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)([wdhm])");

  @Parameters(index = "0", arity = "0..1", paramLabel = "SOURCE", description = "Only this source.")
  String source;

  @Option(names = "--keep-last", paramLabel = "N", description = "Keep the N newest backups.")
  int keepLast;

  @Option(
      names = "--keep-daily",
      paramLabel = "N",
      description = "Keep the newest backup of each of N days.")
  int keepDaily;

  @Option(
      names = "--keep-weekly",
      paramLabel = "N",
      description = "Keep the newest of each of N ISO weeks.")
  int keepWeekly;

  @Option(
      names = "--keep-monthly",
      paramLabel = "N",
      description = "Keep the newest of each of N months.")
  int keepMonthly;

  @Option(
      names = "--keep-yearly",
      paramLabel = "N",
      description = "Keep the newest of each of N years.")
  int keepYearly;

  @Option(
      names = "--keep-within",
      paramLabel = "DURATION",
      description = "Keep every backup younger than this: 7d, 36h, 90m, 2w or ISO-8601 (P7D).")
  String keepWithin;

  @Option(
      names = "--log-window",
      paramLabel = "DURATION",
      description =
          "How far back point-in-time recovery must reach: archived log older than this goes, unless"
              + " a kept base backup needs it. Default: 7d.")
  String logWindow;

  @Option(
      names = {"-n", "--dry-run"},
      description = "Print the plan and change nothing.")
  boolean dryRun;

  @Mixin RepositoryOptions repositories;

  /**
   * Accepted, not needed: prune reads names and manifests only and decodes nothing, so it needs no
   * key; a script that passes the same --key-file to every command works here too.
   */
  @Option(
      names = {"-k", "--key-file"},
      paramLabel = "FILE",
      description =
          "Accepted for symmetry with the other commands and not used: prune reads names and manifests"
              + " only, so it needs no key.")
  String keyFile;

  @Override
  public Integer call() throws Exception {
    Environment env = env();
    GfsPolicy policy = policy();
    boolean preset =
        keepLast + keepDaily + keepWeekly + keepMonthly + keepYearly == 0 && keepWithin == null;
    Instant now = env.clock().instant();
    Duration window =
        logWindow == null ? LogRetention.DEFAULT_WINDOW : duration("--log-window", logWindow);
    List<Sink> sinks = repositories.openAllExisting(env);
    List<Map<String, Object>> repositoryResults = new ArrayList<>();
    int kept = 0;
    int deleted = 0;
    for (Sink sink : sinks) {
      Catalog catalog = Catalog.of(sink).withClock(env.clock());
      List<String> sources =
          source == null ? catalog.sources() : List.of(ListCommand.source(source));
      if (!json && sinks.size() > 1) {
        out().println("repository " + sink);
      }
      List<Map<String, Object>> sourceResults = new ArrayList<>();
      for (String name : sources) {
        RetentionPlan plan = Retention.plan(catalog, name, policy, now);
        kept += plan.kept().size();
        deleted += plan.deleted().size();
        Map<String, Object> sourceResult = new LinkedHashMap<>();
        sourceResult.put("source", name);
        sourceResult.put("decisions", plan.decisions().stream().map(PruneCommand::json).toList());
        if (!json) {
          printPlan(name, plan);
        }
        List<LogRetention.Plan> logPlans = logPlans(sink, name, plan, window, now);
        sourceResult.put("logs", logPlans.stream().map(PruneCommand::json).toList());
        if (!json) {
          logPlans.forEach(this::printLogPlan);
        }
        if (!dryRun && !plan.decisions().isEmpty()) {
          ApplyResult applied = Retention.apply(catalog, sink, plan);
          sourceResult.put("applied", json(applied));
          if (!json) {
            printApplied(applied);
          }
        }
        if (!dryRun) {
          for (LogRetention.Plan logPlan : logPlans) {
            int removed = LogRetention.apply(logPlan);
            if (!json && removed > 0) {
              out().println("  deleted " + removed + " " + logPlan.archive().log() + " object(s)");
            }
          }
        }
        sourceResults.add(sourceResult);
      }
      Map<String, Object> repositoryResult = new LinkedHashMap<>();
      repositoryResult.put("repository", sink.toString());
      repositoryResult.put("sources", sourceResults);
      if (dryRun) {
        // The same selection the real run deletes: a dead run's leftovers at once, others after
        // the grace.
        List<StoredObject> orphans = catalog.removableOrphans(ORPHAN_GRACE, now);
        repositoryResult.put("orphans", orphans.stream().map(StoredObject::key).toList());
        if (!json && !orphans.isEmpty()) {
          out().println(orphans.size() + " leftover object(s) of crashed runs would be removed");
        }
      } else {
        int cleaned = catalog.cleanOrphans(ORPHAN_GRACE, now);
        repositoryResult.put("orphansRemoved", cleaned);
        if (!json && cleaned > 0) {
          out().println("removed " + cleaned + " leftover object(s) of crashed runs");
        }
      }
      repositoryResults.add(repositoryResult);
    }
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("ok", true);
      result.put("dryRun", dryRun);
      result.put("policy", policy.toString());
      result.put("kept", kept);
      result.put("deleted", deleted);
      result.put("repositories", repositoryResults);
      printJson(result);
    } else {
      out()
          .println(
              kept
                  + " kept, "
                  + deleted
                  + (dryRun ? " to delete (dry run: nothing was changed)" : " deleted")
                  + "; policy: "
                  + policy
                  + (preset ? " (the plan's preset)" : ""));
      out().flush();
    }
    return ExitCodes.OK;
  }

  private static List<LogRetention.Plan> logPlans(
      Sink sink, String source, RetentionPlan plan, Duration window, Instant now)
      throws java.io.IOException {
    return LogRetention.plans(
        sink, source, plan.kept().stream().map(d -> d.backup().manifest()).toList(), window, now);
  }

  private void printLogPlan(LogRetention.Plan plan) {
    out()
        .println(
            "  "
                + plan.archive().log()
                + ": "
                + plan.keptCount()
                + " kept, "
                + plan.deleted().size()
                + (dryRun ? " to delete" : " deleted"));
    for (LogRetention.Range range : plan.ranges()) {
      out().println("    " + range);
    }
    out().flush();
  }

  static Map<String, Object> json(LogRetention.Plan plan) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("log", plan.archive().log());
    row.put("kept", plan.keptCount());
    row.put("deleted", plan.deleted().size());
    row.put(
        "ranges",
        plan.ranges().stream()
            .map(
                r -> {
                  Map<String, Object> m = new LinkedHashMap<>();
                  m.put("first", r.first());
                  m.put("last", r.last());
                  m.put("count", r.count());
                  m.put("keep", r.keep());
                  m.put("reason", r.reason());
                  return m;
                })
            .toList());
    return row;
  }

  private GfsPolicy policy() {
    if (keepLast + keepDaily + keepWeekly + keepMonthly + keepYearly == 0 && keepWithin == null) {
      return GfsPolicy.plan30x12x12();
    }
    try {
      GfsPolicy.Builder builder =
          GfsPolicy.builder()
              .keepLast(keepLast)
              .keepDaily(keepDaily)
              .keepWeekly(keepWeekly)
              .keepMonthly(keepMonthly)
              .keepYearly(keepYearly);
      if (keepWithin != null) {
        builder.keepWithin(duration("--keep-within", keepWithin));
      }
      return builder.build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new UsageException("prune: " + e.getMessage());
    }
  }

  /** {@code 7d}, {@code 36h}, {@code 90m}, {@code 2w}, or ISO-8601 ({@code P7D}, {@code PT36H}). */
  static Duration duration(String option, String text) {
    Matcher matcher = SHORT_DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
    if (matcher.matches()) {
      long n = Long.parseLong(matcher.group(1));
      return switch (matcher.group(2)) {
        case "w" -> Duration.ofDays(7 * n);
        case "d" -> Duration.ofDays(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofMinutes(n);
      };
    }
    try {
      return Duration.parse(text.strip().toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException e) {
      throw new UsageException(
          option + " '" + text + "' is not a duration; write e.g. 7d, 36h, 90m, 2w or" + " P7D");
    }
  }

  private void printPlan(String name, RetentionPlan plan) {
    out()
        .println(
            "source "
                + name
                + ": "
                + plan.kept().size()
                + " kept, "
                + plan.deleted().size()
                + (dryRun ? " to delete" : " deleted"));
    for (RetentionDecision decision : plan.decisions()) {
      BackupManifest m = decision.backup().manifest();
      String move =
          decision.keep() && !decision.tier().equals(m.tier())
              ? "  (-> " + decision.tier() + "/)"
              : "";
      out()
          .println(
              "  "
                  + (decision.keep() ? "keep    " : "delete  ")
                  + m.id()
                  + "  "
                  + Format.time(m.startedAt())
                  + "  "
                  + String.join(", ", decision.reasons())
                  + move);
    }
    out().flush();
  }

  private void printApplied(ApplyResult applied) {
    for (ApplyResult.Promotion promotion : applied.promoted()) {
      out()
          .println(
              "  moved   "
                  + promotion.id()
                  + "  "
                  + promotion.fromKey()
                  + " -> "
                  + promotion.toKey());
    }
    for (ApplyResult.Skip skip : applied.skipped()) {
      out().println("  skipped " + skip.id() + "  " + skip.reason());
    }
    if (applied.bytesFreed() > 0) {
      out().println("  freed " + Format.bytes(applied.bytesFreed()));
    }
    out().flush();
  }

  static Map<String, Object> json(RetentionDecision decision) {
    BackupManifest m = decision.backup().manifest();
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", m.id());
    row.put("takenAt", m.startedAt().toString());
    row.put("keep", decision.keep());
    row.put("reasons", decision.reasons());
    row.put("tier", m.tier());
    row.put("targetTier", decision.keep() ? decision.tier() : null);
    return row;
  }

  static Map<String, Object> json(ApplyResult applied) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("deleted", applied.deleted());
    row.put(
        "promoted",
        applied.promoted().stream()
            .map(p -> Map.of("id", p.id(), "from", p.fromKey(), "to", p.toKey()))
            .toList());
    row.put(
        "skipped",
        applied.skipped().stream().map(s -> Map.of("id", s.id(), "reason", s.reason())).toList());
    row.put("bytesFreed", applied.bytesFreed());
    return row;
  }
}
