package io.biowerk.dr.cli;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.catalog.Catalog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code biowerk-dr list}: the backups in the repository, newest first. */
@Command(
    name = "list",
    sortOptions = false,
    header = "List the backups, newest first.",
    description = {
      "Lists the backups in the primary repository from their manifests, newest first, with"
          + " sizes, key and the last verification. Objects of interrupted runs are never listed.",
      ""
    })
final class ListCommand extends CliCommand {

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "SOURCE",
      description = "Only backups of this source.")
  String source;

  @Mixin RepositoryOptions repositories;

  @Override
  public Integer call() throws Exception {
    Environment env = env();
    List<java.net.URI> uris = repositories.uris(env);
    // Every repository given is listed: a damaged second (cloud) copy is not hidden by a good
    // first one.
    List<io.biowerk.dr.core.Sink> sinks =
        uris.size() == 1
            ? List.of(repositories.primaryCatalog(env).sink())
            : repositories.openAllExisting(env);
    boolean several = sinks.size() > 1;
    List<Map<String, Object>> jsonRows = new ArrayList<>();
    List<List<String>> rows = new ArrayList<>();
    List<String> damaged = new ArrayList<>();
    for (int i = 0; i < sinks.size(); i++) {
      String where = Uris.redact(uris.get(i));
      Catalog catalog = Catalog.of(sinks.get(i)).withClock(env.clock());
      Catalog.Listing listing = source == null ? catalog.scan() : catalog.scan(source(source));
      if (!listing.corrupt().isEmpty()) {
        // Never silent: a manifest that cannot be used hides a backup someone may be counting on.
        note(
            listing.corrupt().size()
                + " manifest(s) cannot be used and are not listed"
                + (several ? " in " + where : "")
                + ": "
                + String.join(", ", listing.corrupt())
                + "; restore them from another copy of the repository");
        damaged.addAll(listing.corrupt());
      }
      for (BackupRecord record : listing.backups()) {
        Map<String, Object> row = row(record);
        if (several) {
          row.put("repository", where);
        }
        jsonRows.add(row);
        BackupManifest m = record.manifest();
        List<String> cells =
            new ArrayList<>(
                List.of(
                    m.id(),
                    m.sourceName(),
                    Format.time(m.startedAt()),
                    m.tier(),
                    Format.bytes(m.rawSize()),
                    Format.bytes(m.storedSize()),
                    m.keyId().orElse("-"),
                    verified(record)));
        if (several) {
          cells.add(where);
        }
        rows.add(cells);
      }
      for (String key : listing.corrupt()) {
        Map<String, Object> row = damagedRow(key);
        if (several) {
          row.put("repository", where);
        }
        jsonRows.add(row);
        List<String> cells =
            new ArrayList<>(List.of(damagedId(key), "-", "-", "-", "-", "-", "-", "DAMAGED"));
        if (several) {
          cells.add(where);
        }
        rows.add(cells);
      }
    }
    if (json) {
      printJson(jsonRows);
      failIfDamaged("list", damaged);
      return ExitCodes.OK;
    }
    if (rows.isEmpty()) {
      note(
          "no backups"
              + (source == null ? "" : " of '" + source + "'")
              + " in "
              + String.join(", ", uris.stream().map(Uris::redact).toList()));
      return ExitCodes.OK;
    }
    List<String> header =
        new ArrayList<>(
            List.of("ID", "SOURCE", "TAKEN (UTC)", "TIER", "RAW", "STORED", "KEY", "VERIFIED"));
    if (several) {
      header.add("REPOSITORY");
    }
    out().print(Format.table(header, rows));
    out().flush();
    failIfDamaged("list", damaged);
    return ExitCodes.OK;
  }

  /**
   * The backup id a damaged manifest's key names: {@code s/daily/s_20240115_020000.tar.zst} ->
   * {@code s_20240115_020000}.
   */
  static String damagedId(String manifestKey) {
    String name = manifestKey.substring(manifestKey.lastIndexOf('/') + 1);
    int dot = name.indexOf('.');
    return dot < 0 ? name : name.substring(0, dot);
  }

  /** The JSON row of a damaged backup: counted, never left out. */
  static Map<String, Object> damagedRow(String manifestKey) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", damagedId(manifestKey));
    row.put("damaged", true);
    row.put("manifestKey", manifestKey);
    return row;
  }

  /**
   * Exit 3 when the repository holds backups that cannot be used.
   *
   * @throws IntegrityException naming them
   */
  static void failIfDamaged(String command, Catalog.Listing listing) throws IntegrityException {
    failIfDamaged(command, listing.corrupt());
  }

  /**
   * Exit 3 when {@code corrupt} (keys of manifests that cannot be used) is not empty.
   *
   * @throws IntegrityException naming them
   */
  static void failIfDamaged(String command, List<String> corrupt) throws IntegrityException {
    if (!corrupt.isEmpty()) {
      throw new IntegrityException(
          command
              + ": "
              + corrupt.size()
              + " backup(s) are DAMAGED (their manifest does not parse or their data object is"
              + " missing): "
              + String.join(", ", corrupt)
              + "; restore them from another copy of the repository, or take a new backup");
    }
  }

  /** A source name as typed, checked. */
  static String source(String name) {
    try {
      return BackupLayout.checkSourceName(name);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  private static String verified(BackupRecord record) {
    return record
        .lastVerification()
        .map(v -> (v.passed() ? "ok " : "FAILED ") + v.level().id() + " " + Format.time(v.at()))
        .orElse("-");
  }

  static Map<String, Object> row(BackupRecord record) {
    BackupManifest m = record.manifest();
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("id", m.id());
    row.put("source", m.sourceName());
    row.put("sourceKind", m.sourceKind());
    row.put("sourceUri", m.sourceUri());
    row.put("takenAt", m.startedAt().toString());
    row.put("finishedAt", m.finishedAt().toString());
    row.put("tier", m.tier());
    row.put("format", m.format());
    row.put("storedKey", m.dataKey());
    row.put("rawSize", m.rawSize());
    row.put("storedSize", m.storedSize());
    row.put("keyId", m.keyId().orElse(null));
    row.put("rawSha256", m.rawSha256());
    row.put("storedSha256", m.storedSha256());
    List<Map<String, Object>> verifications = new ArrayList<>();
    for (VerificationResult v : record.verifications()) {
      verifications.add(VerifyCommand.json(v));
    }
    row.put("verifications", verifications);
    return row;
  }
}
