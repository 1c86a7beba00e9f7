package io.biowerk.dr.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.CodecSpec;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.catalog.Catalog;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code biowerk-dr show}: one backup's manifest and verification history, as restic's {@code cat
 * snapshot}.
 */
@Command(
    name = "show",
    sortOptions = false,
    header = "Show one backup: manifest, facts, verifications.",
    description = {
      "Prints what the manifest of a backup records (source, times, codec chain, key id, sizes,"
          + " SHA-256 of the raw and stored bytes, the facts the source reported) and every verification"
          + " recorded for it. Reads only the small documents, never the data.",
      ""
    })
final class ShowCommand extends CliCommand {

  @Parameters(
      index = "0",
      paramLabel = "BACKUP",
      description = "A backup id, 'latest' or 'latest:SOURCE'.")
  String backup;

  @Mixin RepositoryOptions repositories;

  @Override
  public Integer call() throws Exception {
    Catalog catalog = repositories.primaryCatalog(env());
    BackupRecord record = catalog.resolve(backup);
    BackupManifest m = record.manifest();
    if (json) {
      ObjectNode node = (ObjectNode) Json.manifest(m);
      node.set(
          "verifications",
          Json.tree(record.verifications().stream().map(VerifyCommand::json).toList()));
      printJson(node);
      return ExitCodes.OK;
    }
    var out = out();
    out.println("backup      " + m.id());
    out.println("source      " + m.sourceName() + " (" + m.sourceKind() + ") " + m.sourceUri());
    out.println(
        "taken       "
            + Format.time(m.startedAt())
            + " - "
            + Format.time(m.finishedAt())
            + " ("
            + Format.duration(m.duration())
            + ")");
    out.println("stored      " + m.dataKey() + " (" + m.tier() + ")");
    StringBuilder chain = new StringBuilder(m.format());
    for (CodecSpec codec : m.codecs()) {
      chain.append(" -> ").append(codec);
    }
    out.println("chain       " + chain);
    out.println("key         " + m.keyId().orElse("none (not encrypted)"));
    out.println(
        "raw         "
            + Format.bytes(m.rawSize())
            + " ("
            + m.rawSize()
            + " bytes), sha256 "
            + m.rawSha256());
    out.println(
        "stored      "
            + Format.bytes(m.storedSize())
            + " ("
            + m.storedSize()
            + " bytes), sha256 "
            + m.storedSha256()
            + " (ratio "
            + Format.ratio(m.rawSize(), m.storedSize())
            + ")");
    for (Map.Entry<String, Object> fact : m.facts().entrySet()) {
      out.println("fact        " + fact.getKey() + " = " + fact.getValue());
    }
    if (record.verifications().isEmpty()) {
      out.println("verified    never; run `biowerk-dr verify " + m.id() + "`");
    }
    for (VerificationResult v : record.verifications()) {
      out.println(
          "verified    "
              + Format.time(v.at())
              + " "
              + v.level().id()
              + " "
              + (v.passed() ? "ok" : "FAILED")
              + " in "
              + Format.duration(v.duration())
              + ": "
              + Errors.oneLine(v.detail()));
    }
    out.flush();
    return ExitCodes.OK;
  }
}
