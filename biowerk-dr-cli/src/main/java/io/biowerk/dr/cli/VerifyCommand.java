package io.biowerk.dr.cli;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.verify.Verifier;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
      "  native   the source's own check of the decoded bytes (pg_restore --list,",
      "           RDB parse, tar walk); needs the adapter module of the source",
      "  restore  restore into a scratch target (-o scratch-uri=...), check it and",
      "           time it against the RTO",
      "Default: decode when the backup is unencrypted or its key is in the ring,",
      "else stored. Exit code 3 when a backup is damaged or the key does not",
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

  @Override
  public Integer call() throws Exception {
    Environment env = env();
    VerificationLevel wanted = level == null ? null : level(level);
    Catalog catalog = repositories.primaryCatalog(env);
    List<BackupRecord> records =
        backup.equals("all") ? catalog.list() : List.of(catalog.resolve(backup));
    KeyRing ring = keys.ring(env);
    List<VerificationResult> results = new ArrayList<>();
    int failures = 0;
    int integrityErrors = 0;
    int errors = 0;
    for (BackupRecord record : records) {
      BackupManifest manifest = record.manifest();
      VerificationLevel effective = wanted != null ? wanted : defaultLevel(manifest, ring);
      VerificationResult result;
      try {
        result = Verifier.verify(catalog.sink(), manifest, ring, effective, options, env.clock());
      } catch (IOException | RuntimeException e) {
        if (records.size() == 1) {
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
                    + Errors.oneLine(result.detail()));
        out().flush();
      }
      if (wanted == null && effective == VerificationLevel.STORED && manifest.encrypted()) {
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
      summary.put("ok", failures == 0 && integrityErrors == 0 && errors == 0);
      summary.put("verified", results.size());
      summary.put("failed", failures + integrityErrors);
      summary.put("errors", errors);
      summary.put("results", results.stream().map(VerifyCommand::json).toList());
      printJson(summary);
    }
    int bad = failures + integrityErrors;
    if (bad > 0) {
      throw new VerificationFailedException(
          "verify: "
              + bad
              + " of "
              + records.size()
              + " backup"
              + (records.size() == 1 ? "" : "s")
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
   */
  static VerificationLevel defaultLevel(BackupManifest manifest, KeyRing ring) {
    if (!manifest.encrypted()) {
      return VerificationLevel.DECODE;
    }
    try {
      return ring.ids().contains(manifest.keyId().get())
          ? VerificationLevel.DECODE
          : VerificationLevel.STORED;
    } catch (IOException e) {
      // An unreadable key file: check what needs no key; the note printed for it says how to
      // decode.
      return VerificationLevel.STORED;
    }
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
