package io.biowerk.dr.cli;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupNotFoundException;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.RestoreJob;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.Sources;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.codec.ManifestAuthentication;
import io.biowerk.dr.core.files.RestoreLeftovers;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogProvider;
import io.biowerk.dr.core.log.LogRecovery;
import io.biowerk.dr.core.log.Logs;
import io.biowerk.dr.core.log.RecoveryTarget;
import io.biowerk.dr.core.log.RecoveryWindow;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code biowerk-dr restore}: one backup into a target, committed only after every checksum
 * matched.
 */
@Command(
    name = "restore",
    sortOptions = false,
    header = "Restore a backup into a target.",
    description = {
      "The stored bytes are checked against the manifest first, then decrypted, decompressed and"
          + " checked again while they stream; the target is committed only when every checksum matched. A"
          + " target that holds data is refused unless --force is given.",
      "",
      "Point-in-time recovery: for a source with physical base backups and an archived log, --target-time"
          + " (or --target-lsn, --target-name, --target immediate) picks the newest base backup that ended"
          + " before the target, checks that every log segment from its start to the target is archived,"
          + " lays it down into the data directory TARGET and writes the recovery settings (the restore"
          + " command fetches the log from the same repository with the same key); starting the database"
          + " then replays the log to the target and promotes. A physical backup restored without a target"
          + " recovers to the end of the archived log.",
      "",
      "For a source with only logical dumps, --target-time picks the newest dump that had finished by then"
          + " (the plan's \"closest backup before the target time\"); a dump cannot be replayed to the exact"
          + " time.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  biowerk-dr restore latest:docs file:///tmp/docs-restored",
      "  biowerk-dr restore docs_20240115_020000 /srv/config --force",
      "  biowerk-dr restore latest:config /srv/config-check \\",
      "      --target-time 2024-01-15T09:00:00Z",
      "  biowerk-dr restore latest:orders /srv/db/restored \\",
      "      --target-time 2024-01-15T14:30:00+01:00"
    })
final class RestoreCommand extends CliCommand {

  @Parameters(
      index = "0",
      paramLabel = "BACKUP",
      description = "A backup id, 'latest' (newest of any source) or 'latest:SOURCE'.")
  String backup;

  @Parameters(
      index = "1",
      paramLabel = "TARGET-URI",
      description =
          "Where to restore: a plain path, or a URI of a scheme listed under 'Restore targets'"
              + " below.")
  String target;

  @Mixin RepositoryOptions repositories;

  @Mixin KeyOptions keys;

  @Option(names = "--force", description = "Overwrite a target that already holds data.")
  boolean force;

  @Option(
      names = "--target-time",
      paramLabel = "ISO-8601",
      description =
          "Recover to this time (a physical base backup and the archived log), or restore the newest"
              + " logical backup finished by then. ISO-8601 with an offset, e.g. 2024-01-15T09:00:00Z.")
  String targetTime;

  @Option(
      names = "--target-lsn",
      paramLabel = "POSITION",
      description =
          "Recover to this log position (in the log's own notation, e.g. an LSN 0/3000060).")
  String targetLsn;

  @Option(
      names = "--target-name",
      paramLabel = "NAME",
      description = "Recover to this named restore point.")
  String targetName;

  @Option(
      names = "--target",
      paramLabel = "immediate",
      description = "immediate: recover only until the base backup is consistent.")
  String targetKind;

  @Option(
      names = "--target-timeline",
      paramLabel = "latest|current|N",
      description = "The timeline recovery follows (default: the database's, latest).")
  String targetTimeline;

  @Option(
      names = "--fetch-command",
      paramLabel = "COMMAND",
      description =
          "How the recovering database runs this command to fetch the log. Default: $"
              + FETCH_VARIABLE
              + ", else biowerk-dr (on the database user's PATH).")
  String fetchCommand;

  /** The variable naming the command a recovering database runs to fetch the log. */
  static final String FETCH_VARIABLE = "BIOWERK_DR_COMMAND";

  /**
   * The command (and its arguments) a database runs to fetch one segment of {@code log} of {@code
   * base}'s source from {@code repository} with the same key; the segment name and destination are
   * appended by the caller. Restore writes it into the recovery settings; a restore-level check
   * gives it to the private server.
   *
   * @param prefix the {@code biowerk-dr} command, or null for $BIOWERK_DR_COMMAND or the PATH's
   */
  static List<String> fetchCommand(
      Environment env,
      String prefix,
      String log,
      BackupManifest base,
      java.net.URI repository,
      KeyOptions keys,
      java.util.function.Consumer<String> note) {
    List<String> fetch = new ArrayList<>();
    String command = prefix != null ? prefix : env.variable(FETCH_VARIABLE).orElse("biowerk-dr");
    fetch.addAll(List.of(command.strip().split("\\s+")));
    fetch.addAll(
        List.of(log + "-fetch", "--source", base.sourceName(), "--repo", repository.toString()));
    Path keyFile = keys.path(env);
    if (Files.exists(keyFile)) {
      fetch.addAll(List.of("--key-file", keyFile.toAbsolutePath().toString()));
    } else if (base.encrypted()) {
      note.accept(
          "the key is not in a key file; the database's restore command must find it in $BIOWERK_DR_KEY");
    }
    return fetch;
  }

  @Override
  public Integer call() throws Exception {
    Environment env = env();
    URI targetUri = Uris.parse(target, "target URI", env);
    Instant before = targetTime == null ? null : instant("--target-time", targetTime);
    RecoveryTarget recoveryTarget = recoveryTarget(before);
    boolean pointInTime =
        targetLsn != null || targetName != null || targetKind != null || targetTimeline != null;
    Sink sink = repositories.openPrimary(env);
    Catalog catalog = Catalog.of(sink).withClock(env.clock());
    Optional<PointInTime> recovery;
    if (before == null && !pointInTime) {
      recovery = recoverable(catalog.resolve(backup).manifest());
    } else {
      recovery = pickRecoverable(sink, catalog, recoveryTarget, pointInTime);
    }
    if (recovery.isPresent()) {
      return recover(env, sink, recovery.get(), recoveryTarget, targetUri);
    }
    RestoreTarget restoreTarget = Sources.targetForUri(targetUri, force);
    BackupRecord record = before == null ? catalog.resolve(backup) : pickBefore(catalog, before);
    BackupManifest manifest = record.manifest();
    if (before != null) {
      checkTimes(manifest);
      storedTimeWarning(sink, manifest).ifPresent(this::note);
    }
    DangerousTargets.checkRestoreTarget(
        targetUri, repositories.uris(env), manifest.sourceUri(), force);
    if (before != null) {
      note(
          "--target-time "
              + before
              + ": picked "
              + manifest.id()
              + " (finished "
              + manifest.finishedAt()
              + "), the newest backup of '"
              + manifest.sourceName()
              + "' finished by then; a logical backup cannot be replayed to the exact time: for"
              + " point-in-time recovery take physical base backups and archive the log (see the"
              + " adapter's guide under docs/)");
    }
    List<RestoreLeftovers.Leftover> cleaned = removeDeadLeftovers(targetUri, env);
    RestoreJob job =
        RestoreJob.of(sink, manifest, keys.usableRing(env), restoreTarget)
            .listener(progress("restore"));
    Duration took = cleanUpOnShutdown(job::run);
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("ok", true);
      result.put("id", manifest.id());
      result.put("leftoversRemoved", cleaned.stream().map(l -> l.path().toString()).toList());
      result.put("target", Uris.redact(targetUri));
      result.put("rawSize", manifest.rawSize());
      result.put("durationMillis", took.toMillis());
      result.put("takenAt", manifest.startedAt().toString());
      result.put("targetTime", before == null ? null : before.toString());
      result.put("manifestAuthenticated", ManifestAuthentication.covers(manifest));
      result.put("targetEffect", restoreTarget.effect().orElse(null));
      printJson(result);
    } else {
      out()
          .println(
              "restored "
                  + manifest.id()
                  + " ("
                  + Format.bytes(manifest.rawSize())
                  + ", taken "
                  + Format.time(manifest.startedAt())
                  + ") into "
                  + Uris.redact(targetUri)
                  + " in "
                  + Format.duration(took)
                  + "; checksums verified; "
                  + ManifestAuthentication.describe(manifest));
      restoreTarget.effect().ifPresent(effect -> out().println("  target      " + effect));
      for (RestoreLeftovers.Leftover gone : cleaned) {
        out()
            .println(
                "  cleaned     removed "
                    + gone.path()
                    + " ("
                    + Format.bytes(gone.bytes())
                    + "), left by a restore that did not finish");
      }
      out().flush();
    }
    return ExitCodes.OK;
  }

  /**
   * Removes what dead restores left beside a {@code file:} target (their staging directories, an
   * old tree moved aside and already replaced), so the caller can say so; other targets have none.
   */
  static List<RestoreLeftovers.Leftover> removeDeadLeftovers(URI targetUri, Environment env)
      throws java.io.IOException {
    if (!"file".equalsIgnoreCase(targetUri.getScheme()) || targetUri.getPath() == null) {
      return List.of();
    }
    Path parent = Path.of(targetUri.getPath()).toAbsolutePath().normalize().getParent();
    return parent == null ? List.of() : RestoreLeftovers.removeStale(parent, env.clock().instant());
  }

  private BackupRecord pickBefore(Catalog catalog, Instant before) throws Exception {
    String source;
    if (backup.startsWith("latest:")) {
      source = ListCommand.source(backup.substring("latest:".length()));
    } else if (backup.equals("latest")) {
      List<String> sources = catalog.sources();
      if (sources.size() != 1) {
        throw new UsageException(
            "--target-time with 'latest' needs the source when the repository holds "
                + (sources.isEmpty() ? "none" : "several (" + String.join(", ", sources) + ")")
                + "; write latest:SOURCE");
      }
      source = sources.get(0);
    } else {
      throw new UsageException(
          "--target-time picks a backup itself; give 'latest' or 'latest:SOURCE', not the"
              + " id '"
              + backup
              + "', which is a logical backup that cannot be replayed to a time (restore it without"
              + " --target-time, or take physical base backups and archive the log for point-in-time"
              + " recovery; see the adapter's guide under docs/)");
    }
    return catalog
        .latestBefore(source, before)
        .orElseThrow(
            () ->
                new BackupNotFoundException(
                    "restore: no backup of '"
                        + source
                        + "' had finished by "
                        + before
                        + "; see `biowerk-dr list "
                        + source
                        + "` for the oldest one",
                    "latest:" + source));
  }

  /** A base backup with the log recovery that rolls it forward. */
  private record PointInTime(BackupManifest base, LogProvider provider, LogRecovery recovery) {}

  private RecoveryTarget recoveryTarget(Instant before) {
    if (targetKind != null && !targetKind.equals("immediate")) {
      throw new UsageException("--target must be 'immediate', not '" + targetKind + "'");
    }
    int kinds =
        (before != null ? 1 : 0)
            + (targetLsn != null ? 1 : 0)
            + (targetName != null ? 1 : 0)
            + (targetKind != null ? 1 : 0);
    if (kinds > 1) {
      throw new UsageException(
          "give one of --target-time, --target-lsn, --target-name and --target immediate, not "
              + kinds);
    }
    return new RecoveryTarget(
        Optional.ofNullable(before),
        Optional.ofNullable(targetLsn),
        Optional.ofNullable(targetName),
        targetKind != null,
        Optional.ofNullable(targetTimeline));
  }

  /**
   * The log recovery of {@code manifest}, if it is a base backup some installed adapter rolls
   * forward.
   */
  private static Optional<PointInTime> recoverable(BackupManifest manifest) {
    Object log = manifest.facts().get("log");
    if (log == null) {
      return Optional.empty();
    }
    for (LogProvider provider : Logs.all()) {
      if (provider.log().equals(log)) {
        return provider.recovery(manifest).map(r -> new PointInTime(manifest, provider, r));
      }
    }
    return Optional.empty();
  }

  /** The newest base backup that ended before {@code target}, if the source has base backups. */
  private Optional<PointInTime> pickRecoverable(
      Sink sink, Catalog catalog, RecoveryTarget target, boolean required) throws Exception {
    List<BackupRecord> candidates;
    String source;
    if (backup.startsWith("latest")) {
      source = sourceOf(catalog);
      candidates = catalog.list(source);
    } else {
      BackupRecord record = catalog.resolve(backup);
      source = record.manifest().sourceName();
      candidates = List.of(record);
    }
    boolean anyBase = false;
    PointInTime oldest = null;
    for (BackupRecord record : candidates) {
      Optional<PointInTime> found = recoverable(record.manifest());
      if (found.isEmpty()) {
        continue;
      }
      anyBase = true;
      oldest = found.get();
      if (found.get().recovery().endsBefore(record.manifest(), target)) {
        return found;
      }
    }
    if (anyBase) {
      throw new BackupNotFoundException(
          "restore: no base backup of '"
              + source
              + "' had ended before the recovery target ("
              + target
              + ")"
              + window(sink, oldest)
              + "; see `biowerk-dr list "
              + source
              + "` for the oldest one, and pick a later target",
          backup);
    }
    if (required) {
      throw new UsageException(
          "restore: '"
              + backup
              + "' has no base backup that can be rolled forward to a target (logical backups only);"
              + " restore a logical backup without a target, or take physical base backups and archive"
              + " the log for point-in-time recovery (see the adapter's guide under docs/)");
    }
    return Optional.empty();
  }

  /**
   * {@code "; recoverable: from ... to ..."} for the oldest base backup, or nothing when the window
   * cannot be read (the refusal stands either way).
   */
  private String window(Sink sink, PointInTime oldest) {
    if (oldest == null || sink == null) {
      return "";
    }
    try {
      RecoveryWindow window =
          oldest
              .recovery()
              .window(
                  oldest.base(),
                  LogArchive.of(
                      sink,
                      oldest.base().sourceName(),
                      oldest.provider().log(),
                      List.of(),
                      keys.ring(env())));
      return "; recoverable: from "
          + window.from()
          + " (the end of the oldest base backup, "
          + oldest.base().id()
          + ") to "
          + window.to()
          + " (the newest archived entry reached without a gap)";
    } catch (Exception e) {
      return "";
    }
  }

  private String sourceOf(Catalog catalog) throws Exception {
    if (backup.startsWith("latest:")) {
      return ListCommand.source(backup.substring("latest:".length()));
    }
    List<String> sources = catalog.sources();
    if (sources.size() != 1) {
      throw new UsageException(
          "a recovery target with 'latest' needs the source when the repository holds "
              + (sources.isEmpty() ? "none" : "several (" + String.join(", ", sources) + ")")
              + "; write latest:SOURCE");
    }
    return sources.get(0);
  }

  private int recover(
      Environment env, Sink sink, PointInTime pit, RecoveryTarget recoveryTarget, URI targetUri)
      throws Exception {
    if (!"file".equalsIgnoreCase(targetUri.getScheme())) {
      Optional<RestoreTarget> into =
          pit.recovery()
              .prepareInto(
                  pit.base(),
                  recoveryTarget,
                  LogArchive.of(
                      sink,
                      pit.base().sourceName(),
                      pit.provider().log(),
                      List.of(),
                      keys.ring(env)),
                  targetUri,
                  force);
      if (into.isPresent()) {
        return recoverInto(env, sink, pit.base(), into.get(), recoveryTarget, targetUri);
      }
      throw new UsageException(
          "restore: "
              + pit.base().id()
              + " is a physical base backup: give the data directory to lay it down into (a path),"
              + " not "
              + Uris.redact(targetUri));
    }
    Path directory = Path.of(targetUri);
    BackupManifest base = pit.base();
    String log = pit.provider().log();
    KeyRing ring = keys.ring(env);
    LogArchive archive = LogArchive.of(sink, base.sourceName(), log, List.of(), ring);
    List<String> fetch =
        fetchCommand(env, fetchCommand, log, base, repositories.uris(env).get(0), keys, this::note);
    RestoreTarget restoreTarget =
        pit.recovery().prepare(base, recoveryTarget, archive, directory, force, fetch);
    RestoreJob job = RestoreJob.of(sink, base, ring, restoreTarget).listener(progress("restore"));
    Duration took = cleanUpOnShutdown(job::run);
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("ok", true);
      result.put("id", base.id());
      result.put("target", directory.toString());
      result.put("recoveryTarget", recoveryTarget.toString());
      result.put("durationMillis", took.toMillis());
      result.put("restoreTarget", restoreTarget.toString());
      result.put("manifestAuthenticated", ManifestAuthentication.covers(base));
      printJson(result);
    } else {
      out()
          .println(
              "restored base backup "
                  + base.id()
                  + " into "
                  + directory
                  + " in "
                  + Format.duration(took)
                  + "; checksums verified; "
                  + ManifestAuthentication.describe(base));
      out().println("  recovery to " + recoveryTarget + ": " + restoreTarget);
      out()
          .println(
              "  next: start the database on "
                  + directory
                  + "; it fetches the log with '"
                  + log
                  + "-fetch', replays it to the target and promotes");
      out().flush();
    }
    return ExitCodes.OK;
  }

  /** A point-in-time restore into a running database: the log is replayed when it returns. */
  private int recoverInto(
      Environment env,
      Sink sink,
      BackupManifest base,
      RestoreTarget restoreTarget,
      RecoveryTarget recoveryTarget,
      URI targetUri)
      throws Exception {
    DangerousTargets.checkRestoreTarget(targetUri, repositories.uris(env), base.sourceUri(), force);
    RestoreJob job =
        RestoreJob.of(sink, base, keys.usableRing(env), restoreTarget)
            .listener(progress("restore"));
    Duration took = cleanUpOnShutdown(job::run);
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("ok", true);
      result.put("id", base.id());
      result.put("target", Uris.redact(targetUri));
      result.put("recoveryTarget", recoveryTarget.toString());
      result.put("durationMillis", took.toMillis());
      result.put("restoreTarget", restoreTarget.toString());
      printJson(result);
    } else {
      out()
          .println(
              "restored base backup "
                  + base.id()
                  + " into "
                  + Uris.redact(targetUri)
                  + " in "
                  + Format.duration(took)
                  + "; checksums verified");
      out()
          .println(
              recoveryTarget.equals(RecoveryTarget.end())
                  ? "  " + restoreTarget
                  : "  recovery to " + recoveryTarget + ": " + restoreTarget);
      out().flush();
    }
    return ExitCodes.OK;
  }

  private static final java.util.regex.Pattern ID_STAMP =
      java.util.regex.Pattern.compile("(\\d{8}_\\d{6})");

  /**
   * Cross-checks the times a manifest records against the start time its id carries: a backup
   * cannot finish before it started. A manifest whose {@code finishedAt} was moved back (to be
   * picked by {@code --target-time} as if taken before a breach) is refused.
   *
   * @throws IntegrityException if they disagree
   */
  static void checkTimes(BackupManifest manifest) throws IntegrityException {
    java.util.regex.Matcher matcher = ID_STAMP.matcher(manifest.id());
    Instant fromId = null;
    while (matcher.find()) {
      fromId =
          java.time.LocalDateTime.parse(
                  matcher.group(1), java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss"))
              .toInstant(java.time.ZoneOffset.UTC);
    }
    boolean disagree =
        manifest.finishedAt().isBefore(manifest.startedAt())
            || (fromId != null
                && (manifest.finishedAt().isBefore(fromId)
                    || manifest.startedAt().isBefore(fromId.minusSeconds(1))));
    if (disagree) {
      throw new IntegrityException(
          "restore: the manifest of "
              + manifest.id()
              + " records startedAt "
              + manifest.startedAt()
              + " and finishedAt "
              + manifest.finishedAt()
              + ", which disagree with the time in its id"
              + (fromId == null ? "" : " (" + fromId + ")")
              + "; its manifest was changed, so --target-time cannot trust it. Pick a backup by"
              + " id after checking it, or restore from another copy of the repository");
    }
  }

  /** How far the repository's own time of a data object may be from the manifest's times. */
  static final java.time.Duration STORED_TIME_SLACK = java.time.Duration.ofMinutes(10);

  /**
   * Cross-checks an unauthenticated manifest's times against the repository's own timestamp of the
   * backup's data object, which is written while the backup runs: a data object stored well after
   * the recorded finish (or before the start) means the manifest's times, or the backup's name,
   * were changed, or that the backup was copied here later ({@code sync}, a retention tier move, a
   * copy of the repository), which rewrites that timestamp. Since the honest cases cannot be told
   * apart, this is a warning, not a refusal. An encrypted backup's times are authenticated (a
   * change is refused with exit 3 before anything is restored), so it is not checked.
   *
   * @return the warning, or empty when the times agree or are authenticated
   * @throws IOException if the repository cannot be listed
   */
  static Optional<String> storedTimeWarning(Sink sink, BackupManifest manifest)
      throws java.io.IOException {
    if (manifest.mac().isPresent()) {
      return Optional.empty();
    }
    Instant stored = null;
    for (io.biowerk.dr.core.StoredObject object : sink.list(manifest.dataKey())) {
      if (object.key().equals(manifest.dataKey())) {
        stored = object.lastModified();
      }
    }
    if (stored == null
        || (!stored.isAfter(manifest.finishedAt().plus(STORED_TIME_SLACK))
            && !stored.isBefore(manifest.startedAt().minus(STORED_TIME_SLACK)))) {
      return Optional.empty();
    }
    return Optional.of(
        "WARNING: --target-time picked "
            + manifest.id()
            + ", whose manifest says it ran "
            + manifest.startedAt()
            + " .. "
            + manifest.finishedAt()
            + ", but the repository stored its data at "
            + stored
            + ". Either the backup was copied here later (sync, a retention tier move, a copy of"
            + " the repository), or its manifest's times were changed: the manifest of an"
            + " unencrypted backup is not authenticated. If the time matters (a breach), check"
            + " the backup's time in another copy of the repository before trusting it");
  }

  /** {@code text} as an instant, or a usage error naming {@code option}. */
  static Instant instant(String option, String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(text).toInstant();
      } catch (DateTimeParseException again) {
        throw new UsageException(
            option
                + " '"
                + text
                + "' is not an ISO-8601 time; write e.g."
                + " 2024-01-15T09:00:00Z or 2024-01-15T10:00:00+01:00");
      }
    }
  }
}
