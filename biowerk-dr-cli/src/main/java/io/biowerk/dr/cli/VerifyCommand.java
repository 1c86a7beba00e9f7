package io.biowerk.dr.cli;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.KeyNotFoundException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.log.LogProvider;
import io.biowerk.dr.core.log.Logs;
import io.biowerk.dr.core.verify.Verifier;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code biowerk-dr verify}: checks backups at a verification level and records the outcome. */
@Command(
    name = "verify",
    sortOptions = false,
    header = "Verify backups (checksums, decoding, native checks).",
    description = {
      "Verifies backups and records the outcome beside them (list and status show it).",
      "Levels, each including the ones before it:",
      "  stored   SHA-256 of the stored bytes against the manifest; needs no key",
      "  decode   decrypt and decompress everything, check the raw SHA-256",
      "  native   the source's own check of the decoded bytes (the database's tool lists the",
      "           dump, a snapshot is parsed, a tar walked); needs the adapter module of the source",
      "  restore  restore into a scratch target (-o scratch-uri=...), check it and",
      "           time it against the RTO",
      "Default: decode when the backup is unencrypted, its key is in the ring or a",
      "key file was named; else stored, and the command exits 3 because the backup",
      "cannot be restored with the keys at hand. A named key file that cannot be",
      "used exits 1. Exit code 3 when a backup is damaged or the key does not",
      "decrypt it.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  biowerk-dr verify latest",
      "  biowerk-dr verify all --level stored      # every backup, no key needed",
      "  biowerk-dr verify latest:SOURCE --level native"
    })
final class VerifyCommand extends CliCommand {

  @Parameters(
      index = "0",
      paramLabel = "BACKUP",
      description =
          "A backup id, 'latest', 'latest:SOURCE', or 'all' (every backup in the repository).")
  String backup;

  @Option(
      names = "--level",
      paramLabel = "stored|decode|native|restore",
      description = "How deeply to verify (see above).")
  String level;

  @Mixin RepositoryOptions repositories;

  @Mixin KeyOptions keys;

  @Option(
      names = {"-o", "--option"},
      paramLabel = "KEY=VALUE",
      description = {
        "An option for the native verifier (repeatable), e.g. for a restore test:",
        "scratch-uri=URI of a scratch server or database the verifier may overwrite"
      })
  Map<String, String> options = new LinkedHashMap<>();

  @Option(
      names = "--fetch-command",
      paramLabel = "COMMAND",
      description =
          "For --level restore of a physical base backup: the biowerk-dr command the private server"
              + " runs to fetch the archived log (default: $BIOWERK_DR_COMMAND, else biowerk-dr on"
              + " the PATH).")
  String fetchCommand;

  /**
   * The verifier options, plus for a restore-level check of a base backup that replays a log the
   * command that fetches its segments from the same repository with the same key.
   */
  private Map<String, String> withFetchCommand(
      Environment env, BackupManifest manifest, VerificationLevel level, java.net.URI repository) {
    if (level != VerificationLevel.RESTORE) {
      return options;
    }
    for (LogProvider provider : Logs.all()) {
      String option = provider.log() + "-fetch-command";
      if (options.containsKey(option)) {
        return options;
      }
      if (provider.recovery(manifest).isPresent()) {
        List<String> fetch =
            RestoreCommand.fetchCommand(
                env, fetchCommand, provider.log(), manifest, repository, keys, this::note);
        Map<String, String> more = new LinkedHashMap<>(options);
        more.put(
            option,
            String.join(
                " ",
                fetch.stream()
                    .map(
                        p ->
                            p.matches("[A-Za-z0-9_./:=@+-]+")
                                ? p
                                : "'" + p.replace("'", "'\\''") + "'")
                    .toList()));
        return more;
      }
    }
    return options;
  }

  @Override
  public Integer call() throws Exception {
    Environment env = env();
    VerificationLevel wanted = level == null ? null : level(level);
    // Every repository given is checked: the cloud copy too, not only the first.
    List<java.net.URI> uris = repositories.uris(env);
    List<Sink> sinks = repositories.openAllExisting(env);
    boolean several = sinks.size() > 1;
    List<Catalog> catalogs = new ArrayList<>();
    List<java.net.URI> repoUris = new ArrayList<>();
    List<String> places = new ArrayList<>();
    List<BackupRecord> records = new ArrayList<>();
    List<String> damaged = new ArrayList<>();
    int errors = 0;
    for (int i = 0; i < sinks.size(); i++) {
      Catalog catalog = Catalog.of(sinks.get(i)).withClock(env.clock());
      String where = several ? " (in " + Uris.redact(uris.get(i)) + ")" : "";
      if (backup.equals("all")) {
        Catalog.Listing listing = catalog.scan();
        for (BackupRecord record : listing.backups()) {
          catalogs.add(catalog);
          repoUris.add(uris.get(i));
          places.add(where);
          records.add(record);
        }
        for (String key : listing.corrupt()) {
          damaged.add(key);
          if (!json) {
            out()
                .println(
                    "DAMAGED "
                        + ListCommand.damagedId(key)
                        + "  "
                        + key
                        + "  manifest or data unusable"
                        + where);
          }
        }
      } else {
        try {
          records.add(catalog.resolve(backup));
          catalogs.add(catalog);
          repoUris.add(uris.get(i));
          places.add(where);
        } catch (IOException e) {
          if (!several) {
            throw e;
          }
          errors++;
          note("cannot verify " + backup + where + ": " + Errors.message(e));
        }
      }
    }
    KeyRing ring = keys.usableRing(env);
    boolean keyAskedFor = keys.explicit(env);
    List<VerificationResult> results = new ArrayList<>();
    int failures = 0;
    int integrityErrors = 0;
    Set<String> missingKeys = new TreeSet<>();
    for (int r = 0; r < records.size(); r++) {
      Catalog catalog = catalogs.get(r);
      BackupManifest manifest = records.get(r).manifest();
      String where = places.get(r);
      VerificationLevel effective =
          wanted != null
              ? wanted
              : keyAskedFor ? VerificationLevel.DECODE : defaultLevel(manifest, ring);
      VerificationResult result;
      try {
        result =
            Verifier.verify(
                catalog.sink(),
                manifest,
                ring,
                effective,
                withFetchCommand(env, manifest, effective, repoUris.get(r)),
                env.clock());
      } catch (IOException | RuntimeException e) {
        if (records.size() == 1 && !several) {
          throw e;
        }
        // With several backups, one that cannot be checked (its key is missing) must not stop the
        // others.
        if (ExitCodes.of(e) == ExitCodes.INTEGRITY) {
          integrityErrors++;
        } else {
          errors++;
        }
        note(manifest.id() + ": cannot verify: " + Errors.message(e));
        continue;
      }
      record(catalog, result);
      results.add(result);
      if (!result.passed()) {
        failures++;
      }
      if (!json) {
        out()
            .println(
                (result.passed() ? "ok      " : "FAILED  ")
                    + manifest.id()
                    + "  "
                    + effective.id()
                    + "  "
                    + Format.duration(result.duration())
                    + "  "
                    + Errors.oneLine(result.detail())
                    + where);
        out().flush();
      }
      if (wanted == null && effective == VerificationLevel.STORED && manifest.encrypted()) {
        missingKeys.add(manifest.keyId().orElse("?"));
        note(
            manifest.id()
                + ": key "
                + manifest.keyId().orElse("?")
                + " is not in the ring, so only the stored"
                + " bytes were checked; pass --key-file to decode it");
      }
    }
    if (json) {
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put(
          "ok",
          failures == 0
              && integrityErrors == 0
              && errors == 0
              && missingKeys.isEmpty()
              && damaged.isEmpty());
      summary.put("verified", results.size());
      summary.put("damaged", damaged.size());
      summary.put("damagedManifests", damaged);
      summary.put("failed", failures + integrityErrors);
      summary.put("errors", errors);
      summary.put("missingKeys", List.copyOf(missingKeys));
      summary.put("results", results.stream().map(VerifyCommand::json).toList());
      printJson(summary);
    }
    int bad = failures + integrityErrors + damaged.size();
    if (bad > 0) {
      throw new VerificationFailedException(
          "verify: "
              + bad
              + " of "
              + (records.size() + damaged.size())
              + " backup"
              + (records.size() + damaged.size() == 1 ? "" : "s")
              + " FAILED verification; do not rely on "
              + (bad == 1 ? "it" : "them")
              + ": restore from another copy or take a new backup now");
    }
    if (errors > 0) {
      throw new IOException(
          "verify: "
              + errors
              + " of "
              + records.size()
              + " backups could not be verified"
              + " (see above)");
    }
    if (!missingKeys.isEmpty()) {
      throw new KeyNotFoundException(
          "verify: the ring lacks key"
              + (missingKeys.size() == 1 ? " " : "s ")
              + String.join(", ", missingKeys)
              + ", so only the stored bytes were checked and the backups encrypted with "
              + (missingKeys.size() == 1 ? "it" : "them")
              + " cannot be restored with the keys here; pass --key-file with the key from your"
              + " vault (or --level stored to check only the stored bytes)",
          missingKeys.iterator().next());
    }
    return ExitCodes.OK;
  }

  /**
   * Records the result beside the backup; a read-only repository gets a warning, not a failed
   * verify.
   */
  private void record(Catalog catalog, VerificationResult result) {
    try {
      catalog.record(result);
    } catch (IOException e) {
      note(
          result.backupId()
              + ": the result could not be recorded in the repository: "
              + Errors.message(e));
    }
  }

  /**
   * {@code decode} when the backup is unencrypted or its key is in the ring, else {@code stored}.
   * Used only when no key file was named: a named key is used or the verify fails.
   */
  static VerificationLevel defaultLevel(BackupManifest manifest, KeyRing ring) throws IOException {
    if (!manifest.encrypted()) {
      return VerificationLevel.DECODE;
    }
    return ring.ids().contains(manifest.keyId().get())
        ? VerificationLevel.DECODE
        : VerificationLevel.STORED;
  }

  static VerificationLevel level(String text) {
    try {
      return VerificationLevel.of(text);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--level: " + e.getMessage());
    }
  }

  static Map<String, Object> json(VerificationResult result) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("backupId", result.backupId());
    row.put("level", result.level().id());
    row.put("passed", result.passed());
    row.put("at", result.at().toString());
    row.put("durationMillis", result.duration().toMillis());
    row.put("detail", result.detail());
    return row;
  }
}
