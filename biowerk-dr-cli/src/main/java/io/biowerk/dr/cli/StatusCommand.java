package io.biowerk.dr.cli;

import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.report.ObjectivesReport;
import io.biowerk.dr.core.report.ObjectivesReport.SourceObjectives;
import io.biowerk.dr.core.report.ObjectivesReport.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code biowerk-dr status}: the recovery objectives per source (RPO and RTO against their
 * targets).
 */
@Command(
    name = "status",
    sortOptions = false,
    header = "Report RPO and RTO per source against the targets.",
    description = {
      "For each source: the newest restorable backup and its age against the RPO target (1 hour by"
          + " default, per the plan), the last passed verification, and the duration of the last restore test"
          + " (verify --level restore) against the RTO target (4 h, or the stricter target the"
          + " source's adapter declares).",
      "An objective with nothing to measure is UNKNOWN, never OK.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  biowerk-dr status",
      "  biowerk-dr status --rpo 25h --fail-on-violation    # in a daily monitoring job"
    })
final class StatusCommand extends CliCommand {

  @Option(
      names = "--rpo",
      paramLabel = "[SOURCE=]DURATION",
      description =
          "RPO target: 1h, 25h, 2d or ISO-8601, for every source, or SOURCE=DURATION for one"
              + " (repeatable, e.g. --rpo 1h --rpo postgres=25h for a daily dump). Default: 1h.")
  List<String> rpo = new ArrayList<>();

  @Option(
      names = "--rto",
      paramLabel = "DURATION",
      description = "RTO target for every source (overrides the per-kind defaults).")
  String rto;

  @Option(
      names = "--fail-on-violation",
      description = "Exit 1 when an objective is VIOLATED or UNKNOWN, 3 when a backup is damaged.")
  boolean failOnViolation;

  @Mixin RepositoryOptions repositories;

  @Override
  public Integer call() throws Exception {
    Environment env = env();
    ObjectivesReport report = ObjectivesReport.withPlanTargets();
    for (String target : rpo) {
      int eq = target.indexOf('=');
      if (eq < 0) {
        report = report.rpo(PruneCommand.duration("--rpo", target));
      }
    }
    for (String target : rpo) {
      int eq = target.indexOf('=');
      if (eq >= 0) {
        // A source's own target (its schedule) beats the one for every source.
        report =
            report.rpo(
                ListCommand.source(target.substring(0, eq).strip()),
                PruneCommand.duration(
                    "--rpo " + target.substring(0, eq), target.substring(eq + 1)));
      }
    }
    Catalog catalog = repositories.primaryCatalog(env);
    Instant now = env.clock().instant();
    Catalog.Listing listing = catalog.scan();
    if (rto != null) {
      // A source's own target beats its kind's default, so the override is given per source.
      Duration target = PruneCommand.duration("--rto", rto);
      report = report.rto(target);
      for (String source : catalog.sources()) {
        report = report.rto(source, target);
      }
    }
    List<SourceObjectives> objectives = report.report(catalog, now);
    boolean violated = objectives.stream().anyMatch(o -> o.overall() == Status.VIOLATED);
    // An objective nobody can measure is not met: a monitor must page for it too.
    boolean unknown = objectives.stream().anyMatch(o -> o.overall() == Status.UNKNOWN);
    boolean damaged = !listing.corrupt().isEmpty();
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("ok", !violated && !unknown && !damaged);
      result.put("damaged", listing.corrupt().size());
      result.put("at", now.toString());
      result.put("repository", Uris.redact(repositories.uris(env).get(0)));
      result.put("sources", objectives.stream().map(SourceObjectives::toMap).toList());
      result.put("corruptManifests", listing.corrupt());
      result.put("orphans", listing.orphans().size());
      printJson(result);
    } else {
      out()
          .println(
              "repository "
                  + Uris.redact(repositories.uris(env).get(0))
                  + " at "
                  + Format.time(now));
      if (objectives.isEmpty()) {
        out().println("no backups yet: run `biowerk-dr backup <source-uri>`");
      } else {
        List<List<String>> rows = new ArrayList<>();
        for (SourceObjectives o : objectives) {
          rows.add(
              List.of(
                  o.source(),
                  String.valueOf(o.backups()),
                  o.newestBackupId() == null ? "-" : o.newestBackupId(),
                  o.rpoAgeSeconds() == null
                      ? "-"
                      : Format.age(Duration.ofSeconds(o.rpoAgeSeconds())),
                  o.rpoStatus() + " (" + Format.age(Duration.ofSeconds(o.rpoTargetSeconds())) + ")",
                  o.lastVerifiedAt() == null
                      ? "-"
                      : Format.time(o.lastVerifiedAt()) + " " + o.lastVerifiedLevel(),
                  o.lastRestoreMillis() == null
                      ? "-"
                      : Format.duration(Duration.ofMillis(o.lastRestoreMillis())),
                  o.rtoStatus() + " (" + Format.age(Duration.ofSeconds(o.rtoTargetSeconds())) + ")",
                  o.overall().name()));
        }
        out()
            .print(
                Format.table(
                    List.of(
                        "SOURCE",
                        "BACKUPS",
                        "NEWEST RESTORABLE",
                        "AGE",
                        "RPO",
                        "LAST VERIFIED",
                        "RESTORE TEST",
                        "RTO",
                        "STATUS"),
                    rows));
      }
      if (!listing.corrupt().isEmpty()) {
        out()
            .println(
                "DAMAGED: "
                    + listing.corrupt().size()
                    + " backup(s) cannot be used (manifest does not parse or data object"
                    + " missing): "
                    + String.join(", ", listing.corrupt()));
      }
      if (!listing.orphans().isEmpty()) {
        out()
            .println(
                listing.orphans().size()
                    + " leftover object(s) of crashed runs; `biowerk-dr prune` removes"
                    + " them after a day");
      }
      out().flush();
    }
    if (failOnViolation) {
      ListCommand.failIfDamaged("status", listing);
      if (violated || unknown) {
        throw new java.io.IOException(
            "status: an objective is "
                + (violated ? "VIOLATED" : "UNKNOWN")
                + " (see above): take a backup (RPO) or run and speed up a restore test (RTO);"
                + " an objective with nothing to measure counts as not met");
      }
    }
    return ExitCodes.OK;
  }
}
