package io.biowerk.dr.cli;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupNotFoundException;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.RestoreJob;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.Sources;
import io.biowerk.dr.core.catalog.Catalog;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
      "--target-time picks the newest backup that had finished by that time (the plan's \"closest backup"
          + " before the target time\", e.g. one from before a security breach). It does not replay WAL or"
          + " oplog: true point-in-time recovery is not in scope of this command yet.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  biowerk-dr restore latest:docs file:///tmp/docs-restored",
      "  biowerk-dr restore docs_20240115_020000 /srv/config --force",
      "  biowerk-dr restore latest:config /srv/config-check \\",
      "      --target-time 2024-01-15T09:00:00Z"
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
      description = "Restore the newest backup finished by this time, e.g. 2024-01-15T09:00:00Z.")
  String targetTime;

  @Override
  public Integer call() throws Exception {
    Environment env = env();
    URI targetUri = Uris.parse(target, "target URI", env);
    Instant before = targetTime == null ? null : instant(targetTime);
    RestoreTarget restoreTarget = Sources.targetForUri(targetUri, force);
    Sink sink = repositories.openPrimary(env);
    Catalog catalog = Catalog.of(sink).withClock(env.clock());
    BackupRecord record = before == null ? catalog.resolve(backup) : pickBefore(catalog, before);
    BackupManifest manifest = record.manifest();
    if (before != null) {
      checkTimes(manifest);
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
              + "' finished by then; no WAL/oplog replay");
    }
    RestoreJob job =
        RestoreJob.of(sink, manifest, keys.usableRing(env), restoreTarget)
            .listener(progress("restore"));
    Duration took = cleanUpOnShutdown(job::run);
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("ok", true);
      result.put("id", manifest.id());
      result.put("target", Uris.redact(targetUri));
      result.put("rawSize", manifest.rawSize());
      result.put("durationMillis", took.toMillis());
      result.put("takenAt", manifest.startedAt().toString());
      result.put("targetTime", before == null ? null : before.toString());
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
                  + "; checksums verified");
      out().flush();
    }
    return ExitCodes.OK;
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
              + "'");
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

  static Instant instant(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(text).toInstant();
      } catch (DateTimeParseException again) {
        throw new UsageException(
            "--target-time '"
                + text
                + "' is not an ISO-8601 time; write e.g."
                + " 2024-01-15T09:00:00Z or 2024-01-15T10:00:00+01:00");
      }
    }
  }
}
