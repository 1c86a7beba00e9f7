package io.biowerk.dr.cli;

import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.files.RestoreLeftovers;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.keys.KeyRecords;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogProvider;
import io.biowerk.dr.core.log.Logs;
import io.biowerk.dr.core.report.ObjectivesReport;
import io.biowerk.dr.core.report.ObjectivesReport.SourceObjectives;
import io.biowerk.dr.core.report.ObjectivesReport.Status;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
      "For a source with an archived log whose newest base backup rolls forward without a"
          + " gap, the RPO is the age of the newest archived segment, and the point-in-time window"
          + " (earliest and latest recoverable time) is shown.",
      "An objective with nothing to measure is UNKNOWN, never OK.",
      "The active key's age (from the key file's records) is shown against the key policy: a"
          + " warning after --key-warn-after days, a violation after --key-max-age.",
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
              + " (repeatable, e.g. --rpo 1h --rpo orders=25h for a daily dump). Default: 1h.")
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

  @Option(
      names = "--restore-dir",
      paramLabel = "DIR",
      description =
          "A directory restore targets lie in (repeatable): report the staging directories"
              + " interrupted restores left there (`biowerk-dr cleanup DIR` removes them).")
  List<String> restoreDirs = new ArrayList<>();

  @Mixin RepositoryOptions repositories;

  @Mixin KeyOptions keys;

  @Option(
      names = "--key-warn-after",
      paramLabel = "DAYS",
      defaultValue = "80",
      description = "Warn when the active key is older than DAYS. Default: ${DEFAULT-VALUE}.")
  int keyWarnAfterDays;

  @Option(
      names = "--key-max-age",
      paramLabel = "DAYS",
      defaultValue = "90",
      description =
          "Report a key-policy violation when the active key is older than DAYS (the runbook"
              + " rotates every 90 days). Default: ${DEFAULT-VALUE}.")
  int keyMaxAgeDays;

  /**
   * The active key's age against the policy: {@code keyId}, {@code createdAt} (recorded beside the
   * key file, else the date in a generated id), {@code ageDays} and {@code status} (OK, WARNING,
   * VIOLATED, or UNKNOWN when the creation time is not known); empty when there is no key file.
   */
  private Optional<Map<String, Object>> keyAge(Environment env, Instant now)
      throws java.io.IOException {
    if (keyMaxAgeDays < 1 || keyWarnAfterDays < 0 || keyWarnAfterDays > keyMaxAgeDays) {
      throw new UsageException(
          "status: --key-warn-after ("
              + keyWarnAfterDays
              + ") must be 0 to --key-max-age ("
              + keyMaxAgeDays
              + "), and --key-max-age at least 1 day");
    }
    KeyFile file = keys.file(env);
    if (!file.exists()) {
      return Optional.empty();
    }
    Optional<String> active = file.activeKeyId();
    if (active.isEmpty()) {
      return Optional.empty();
    }
    Optional<Instant> created = KeyPolicy.created(active.get(), KeyRecords.beside(file.path()));
    Map<String, Object> key = new LinkedHashMap<>();
    key.put("keyId", active.get());
    key.put("createdAt", created.map(Instant::toString).orElse(null));
    Long ageDays = created.map(c -> Duration.between(c, now).toDays()).orElse(null);
    key.put("ageDays", ageDays);
    key.put("warnAfterDays", keyWarnAfterDays);
    key.put("maxAgeDays", keyMaxAgeDays);
    String status;
    if (created.isEmpty()) {
      status = "UNKNOWN";
    } else if (Duration.between(created.get(), now).compareTo(Duration.ofDays(keyMaxAgeDays)) > 0) {
      status = "VIOLATED";
    } else if (Duration.between(created.get(), now).compareTo(Duration.ofDays(keyWarnAfterDays))
        > 0) {
      status = "WARNING";
    } else {
      status = "OK";
    }
    key.put("status", status);
    return Optional.of(key);
  }

  /** The text line of {@link #keyAge}. */
  private static String keyLine(Map<String, Object> key) {
    String head =
        "key "
            + key.get("keyId")
            + (key.get("createdAt") == null
                ? ": creation time unknown (not recorded, and the id carries no date)"
                : ": created " + key.get("createdAt") + ", " + key.get("ageDays") + " days old");
    return switch ((String) key.get("status")) {
      case "VIOLATED" ->
          head
              + ": POLICY VIOLATION, older than "
              + key.get("maxAgeDays")
              + " days: run `biowerk-dr keys rotate`, then `biowerk-dr keys rewrap`";
      case "WARNING" ->
          head
              + ": WARNING, rotation is due at "
              + key.get("maxAgeDays")
              + " days: plan `biowerk-dr keys rotate`";
      case "UNKNOWN" ->
          head + ": rotate it (`biowerk-dr keys rotate`) to get a key with a known age";
      default -> head + ": OK (rotation due at " + key.get("maxAgeDays") + " days)";
    };
  }

  /**
   * The archived logs of {@code source} that hold segments, each with its window; a log that cannot
   * be read shows as no window rather than failing the whole report.
   */
  private static List<PitrStatus> logStates(Catalog catalog, String source) throws IOException {
    List<PitrStatus> states = new ArrayList<>();
    List<BackupRecord> records = null;
    for (LogProvider provider : Logs.all()) {
      // names, manifests and history files; a history file needs no key until it is fetched
      LogArchive archive =
          LogArchive.of(catalog.sink(), source, provider.log(), List.of(), KeyRing.empty());
      if (archive.names().isEmpty()) {
        continue;
      }
      if (records == null) {
        records = catalog.list(source);
      }
      states.add(PitrStatus.of(archive, provider, records));
    }
    return states;
  }

  /**
   * The objectives with the RPO measured by the newest archived log segment, when the newest base
   * backup rolls forward to it without a gap: that is what point-in-time recovery loses.
   */
  private static SourceObjectives withLogRpo(
      SourceObjectives o, List<PitrStatus> states, Instant now) {
    Optional<Duration> age =
        states.stream()
            .filter(PitrStatus::newestOk)
            .map(st -> st.rpo(now))
            .flatMap(Optional::stream)
            .min(Duration::compareTo);
    if (age.isEmpty()) {
      return o;
    }
    long seconds = age.get().toSeconds();
    return new SourceObjectives(
        o.source(),
        o.kind(),
        o.backups(),
        o.newestBackupId(),
        o.newestBackupAt(),
        seconds,
        o.rpoTargetSeconds(),
        seconds > o.rpoTargetSeconds() ? Status.VIOLATED : Status.OK,
        o.lastVerifiedAt(),
        o.lastVerifiedLevel(),
        o.lastRestoreTestAt(),
        o.lastRestoreSeconds(),
        o.rtoTargetSeconds(),
        o.rtoStatus(),
        o.lastRestoreMillis());
  }

  /** One repository's scan and objectives. */
  private record Repo(
      String where,
      Catalog.Listing listing,
      List<SourceObjectives> objectives,
      Map<String, List<PitrStatus>> logs) {}

  private static String logLine(SourceObjectives o, PitrStatus st, Instant now) {
    return o.source()
        + ": "
        + st.log()
        + " newest "
        + (st.newest() == null
            ? "-"
            : st.newest()
                + " ("
                + Format.age(st.rpo(now).orElseThrow())
                + " old"
                + (st.newestOk() ? ", the RPO" : "")
                + ")")
        + "; point-in-time window "
        + (st.earliest().isPresent()
            ? Format.time(st.earliest().get()) + " .. " + Format.time(st.latest().orElseThrow())
            : "none (no base backup rolls forward without a gap: see `biowerk-dr "
                + st.log()
                + "-status --source "
                + o.source()
                + "`)")
        + st.lagText().map(t -> "; " + t).orElse("");
  }

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
    List<java.net.URI> uris = repositories.uris(env);
    // Every repository given is reported: a stale or damaged second (cloud) copy is not hidden by
    // a good first one.
    List<Catalog> catalogs = new ArrayList<>();
    if (uris.size() == 1) {
      catalogs.add(repositories.primaryCatalog(env));
    } else {
      for (io.biowerk.dr.core.Sink sink : repositories.openAllExisting(env)) {
        catalogs.add(Catalog.of(sink).withClock(env.clock()));
      }
    }
    boolean several = catalogs.size() > 1;
    Instant now = env.clock().instant();
    List<Repo> repos = new ArrayList<>();
    for (int r = 0; r < catalogs.size(); r++) {
      Catalog catalog = catalogs.get(r);
      Catalog.Listing listing = catalog.scan();
      ObjectivesReport forRepo = report;
      if (rto != null) {
        // A source's own target beats its kind's default, so the override is given per source.
        Duration target = PruneCommand.duration("--rto", rto);
        forRepo = forRepo.rto(target);
        for (String source : catalog.sources()) {
          forRepo = forRepo.rto(source, target);
        }
      }
      List<SourceObjectives> objectives = new ArrayList<>(forRepo.report(catalog, now));
      Map<String, List<PitrStatus>> logs = new LinkedHashMap<>();
      for (int i = 0; i < objectives.size(); i++) {
        SourceObjectives o = objectives.get(i);
        List<PitrStatus> states = logStates(catalog, o.source());
        logs.put(o.source(), states);
        objectives.set(i, withLogRpo(o, states, now));
      }
      repos.add(new Repo(Uris.redact(uris.get(r)), listing, objectives, logs));
    }
    List<SourceObjectives> all =
        repos.stream().flatMap(repo -> repo.objectives().stream()).toList();
    boolean violated = all.stream().anyMatch(o -> o.overall() == Status.VIOLATED);
    // An objective nobody can measure is not met: a monitor must page for it too.
    boolean unknown = all.stream().anyMatch(o -> o.overall() == Status.UNKNOWN);
    List<String> corrupt = new ArrayList<>();
    int orphans = 0;
    for (Repo repo : repos) {
      for (String key : repo.listing().corrupt()) {
        corrupt.add(several ? key + " (in " + repo.where() + ")" : key);
      }
      orphans += repo.listing().orphans().size();
    }
    boolean damaged = !corrupt.isEmpty();
    List<java.nio.file.Path> dirs = new ArrayList<>();
    for (String dir : restoreDirs) {
      dirs.add(env.resolve(dir).toAbsolutePath().normalize());
    }
    Optional<Map<String, Object>> keyAge = keyAge(env, now);
    boolean keyViolated = keyAge.map(k -> "VIOLATED".equals(k.get("status"))).orElse(false);
    List<RestoreLeftovers.Leftover> leftovers = CleanupCommand.findAll(dirs, now);
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("ok", !violated && !unknown && !damaged && !keyViolated);
      result.put("damaged", corrupt.size());
      result.put("at", now.toString());
      result.put("repository", repos.get(0).where());
      result.put("repositories", repos.stream().map(Repo::where).toList());
      List<Map<String, Object>> sources = new ArrayList<>();
      for (Repo repo : repos) {
        for (SourceObjectives o : repo.objectives()) {
          Map<String, Object> row = new LinkedHashMap<>(o.toMap());
          List<PitrStatus> states = repo.logs().getOrDefault(o.source(), List.of());
          row.put("rpoFrom", states.stream().anyMatch(PitrStatus::newestOk) ? "log" : "backup");
          row.put("logs", states.stream().map(st -> st.toMap(now)).toList());
          row.put("repository", repo.where());
          sources.add(row);
        }
      }
      result.put("sources", sources);
      result.put("corruptManifests", corrupt);
      result.put("orphans", orphans);
      result.put(
          "restoreLeftovers",
          leftovers.stream().map(l -> CleanupCommand.row(l, now, null)).toList());
      result.put("key", keyAge.orElse(null));
      printJson(result);
    } else {
      out()
          .println(
              (several ? "repositories " : "repository ")
                  + String.join(", ", repos.stream().map(Repo::where).toList())
                  + " at "
                  + Format.time(now));
      if (all.isEmpty()) {
        out().println("no backups yet: run `biowerk-dr backup <source-uri>`");
      } else {
        List<List<String>> rows = new ArrayList<>();
        for (Repo repo : repos) {
          for (SourceObjectives o : repo.objectives()) {
            List<String> cells = new ArrayList<>();
            if (several) {
              cells.add(repo.where());
            }
            cells.addAll(
                List.of(
                    o.source(),
                    String.valueOf(o.backups()),
                    o.newestBackupId() == null ? "-" : o.newestBackupId(),
                    o.rpoAgeSeconds() == null
                        ? "-"
                        : Format.age(Duration.ofSeconds(o.rpoAgeSeconds())),
                    o.rpoStatus()
                        + " ("
                        + Format.age(Duration.ofSeconds(o.rpoTargetSeconds()))
                        + ")",
                    o.lastVerifiedAt() == null
                        ? "-"
                        : Format.time(o.lastVerifiedAt()) + " " + o.lastVerifiedLevel(),
                    o.lastRestoreMillis() == null
                        ? "-"
                        : Format.duration(Duration.ofMillis(o.lastRestoreMillis())),
                    o.rtoStatus()
                        + " ("
                        + Format.age(Duration.ofSeconds(o.rtoTargetSeconds()))
                        + ")",
                    o.overall().name()));
            rows.add(cells);
          }
        }
        List<String> header = new ArrayList<>();
        if (several) {
          header.add("REPOSITORY");
        }
        header.addAll(
            List.of(
                "SOURCE",
                "BACKUPS",
                "NEWEST RESTORABLE",
                "AGE",
                "RPO",
                "LAST VERIFIED",
                "RESTORE TEST",
                "RTO",
                "STATUS"));
        out().print(Format.table(header, rows));
      }
      for (Repo repo : repos) {
        for (SourceObjectives o : repo.objectives()) {
          for (PitrStatus st : repo.logs().getOrDefault(o.source(), List.of())) {
            out().println(logLine(o, st, now) + (several ? " (in " + repo.where() + ")" : ""));
          }
        }
      }
      if (damaged) {
        out()
            .println(
                "DAMAGED: "
                    + corrupt.size()
                    + " backup(s) cannot be used (manifest does not parse or data object"
                    + " missing): "
                    + String.join(", ", corrupt));
      }
      if (orphans > 0) {
        out()
            .println(
                orphans
                    + " leftover object(s) of crashed runs; `biowerk-dr prune` removes"
                    + " them after a day");
      }
      for (RestoreLeftovers.Leftover l : leftovers) {
        out()
            .println(
                "restore leftover "
                    + l.path()
                    + " ("
                    + l.kind()
                    + ", "
                    + Format.bytes(l.bytes())
                    + ", "
                    + Format.age(Duration.between(l.modified(), now).abs())
                    + " old, "
                    + (l.stale()
                        ? "its restore is dead): `biowerk-dr cleanup " + l.path() + "` removes it"
                        : "its restore is still running)"));
      }
      keyAge.ifPresent(k -> out().println(keyLine(k)));
      out().flush();
    }
    if (failOnViolation) {
      ListCommand.failIfDamaged("status", corrupt);
      if (keyViolated) {
        throw new java.io.IOException(
            "status: the active key "
                + keyAge.get().get("keyId")
                + " is older than "
                + keyMaxAgeDays
                + " days: run `biowerk-dr keys rotate`, then `biowerk-dr keys rewrap`");
      }
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
