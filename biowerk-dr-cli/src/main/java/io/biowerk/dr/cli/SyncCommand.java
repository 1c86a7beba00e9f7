package io.biowerk.dr.cli;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.Sinks;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.repository.RepositorySync;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code biowerk-dr sync}: copies the backups and log segments one repository holds and another
 * lacks, byte for byte, so a copy that missed backups (a cloud repository during an outage) catches
 * up. See docs/nothing-silent.md, "Fan-out and sync".
 */
@Command(
    name = "sync",
    sortOptions = false,
    header = "Copy the backups and log segments another repository lacks.",
    description = {
      "Copies every backup (data object, .sha256 side file, manifest) and every archived log"
          + " segment (data object, manifest) that --from holds and --to lacks, byte for byte: nothing is"
          + " decoded or re-encrypted, so no key is needed. Each data object's SHA-256 and size are"
          + " checked against its manifest while it is copied, and the manifest is written last, so"
          + " an interrupted sync never makes a half-copied backup visible; running it again copies"
          + " only what is still missing.",
      "An object that --to already holds under the same name with different bytes is never"
          + " overwritten: that is damage or two histories under one name, reported with exit 3."
          + " A damaged backup in --from is not copied and exits 3 too; everything else is still"
          + " copied. In-progress markers, verification logs and temp files are not copied.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  biowerk-dr sync --from /var/backups/bw --to /mnt/offsite/bw",
      "  biowerk-dr sync --from /var/backups/bw --to REPOSITORY-URI --source orders --dry-run"
    })
final class SyncCommand extends CliCommand {

  @Option(
      names = "--from",
      required = true,
      paramLabel = "URI",
      description = "The repository to copy from (read only; it must exist).")
  String from;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "URI",
      description = "The repository to copy into (a local directory is created if missing).")
  String to;

  @Option(
      names = "--source",
      paramLabel = "NAME",
      description = "Copy only the backups and log segments of this source.")
  String source;

  @Option(names = "--dry-run", description = "Only report what would be copied; write nothing.")
  boolean dryRun;

  @Override
  public Integer call() throws Exception {
    Environment env = env();
    URI fromUri = Uris.parse(from, "--from repository", env);
    URI toUri = Uris.parse(to, "--to repository", env);
    if (fromUri.equals(toUri)) {
      throw new UsageException(
          "sync: --from and --to are the same repository (" + Uris.redact(fromUri) + ")");
    }
    if (source != null) {
      BackupLayout.checkSourceName(source);
    }
    try (Sink fromSink = openExisting(fromUri);
        Sink toSink =
            dryRun && isMissingLocal(toUri)
                ? InMemorySink.named("--to (does not exist yet)")
                : Sinks.forUri(toUri)) {
      return sync(env, fromUri, toUri, fromSink, toSink);
    }
  }

  private static boolean isMissingLocal(URI uri) {
    return "file".equalsIgnoreCase(uri.getScheme()) && !Files.isDirectory(Path.of(uri));
  }

  private static Sink openExisting(URI uri) throws IOException {
    if ("file".equalsIgnoreCase(uri.getScheme())) {
      Path root = Path.of(uri);
      if (!Files.isDirectory(root)) {
        throw new StorageException(
            "sync: repository "
                + uri
                + " (--from) does not exist; give the repository to copy from",
            uri.toString(),
            StorageException.Reason.NO_SUCH_CONTAINER,
            null);
      }
      return LocalSink.existing(root);
    }
    return Sinks.forUri(uri);
  }

  private int sync(Environment env, URI fromUri, URI toUri, Sink fromSink, Sink toSink)
      throws IOException {
    String prefix = source == null ? "" : source + "/";
    var out = out();
    String verb = dryRun ? "would copy" : "copied";
    RepositorySync.Report report =
        RepositorySync.of(fromSink, "--from", toSink, "--to")
            .dryRun(dryRun)
            .onCopied(
                item -> {
                  out.println((dryRun ? "would copy  " : "copied      ") + describe(item));
                  out.flush();
                })
            .run(prefix);
    int backups = 0;
    int segments = 0;
    long bytes = 0;
    List<Map<String, Object>> copied = new ArrayList<>();
    for (RepositorySync.Item item : report.copied()) {
      if (item.isBackup()) {
        backups++;
      } else {
        segments++;
      }
      bytes += item.manifest().storedSize();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("manifest", item.manifestKey());
      row.put("kind", item.isBackup() ? "backup" : "log-segment");
      row.put("storedSize", item.manifest().storedSize());
      copied.add(row);
    }
    List<String> problems = report.problems();
    int code = report.ok() ? ExitCodes.OK : ExitCodes.INTEGRITY;
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("ok", report.ok());
      result.put("from", Uris.redact(fromUri));
      result.put("to", Uris.redact(toUri));
      result.put("dryRun", dryRun);
      result.put("backups", backups);
      result.put("logSegments", segments);
      result.put("bytes", bytes);
      result.put("alreadyPresent", report.alreadyPresent());
      result.put("copied", copied);
      result.put("problems", problems);
      result.put("notes", report.notes());
      printJson(result);
      return code;
    }
    for (String note : report.notes()) {
      out.println("note        " + note);
    }
    out.println(
        "sync "
            + Uris.redact(fromUri)
            + " -> "
            + Uris.redact(toUri)
            + ": "
            + verb
            + " "
            + backups
            + " backup(s) and "
            + segments
            + " log segment(s) ("
            + Format.bytes(bytes)
            + "); "
            + report.alreadyPresent()
            + " already there");
    out.flush();
    for (String problem : problems) {
      env.err().println("biowerk-dr: sync: " + problem);
    }
    if (!problems.isEmpty()) {
      env.err()
          .println(
              "biowerk-dr: sync: "
                  + problems.size()
                  + " problem(s); everything else was "
                  + verb
                  + " (exit 3: damage or a conflicting object; see docs/nothing-silent.md)");
    }
    env.err().flush();
    return code;
  }

  private static String describe(RepositorySync.Item item) {
    BackupManifest manifest = item.manifest();
    return (item.isBackup() ? "backup " + manifest.id() : "log segment " + manifest.id())
        + " ("
        + Format.bytes(manifest.storedSize())
        + ") "
        + manifest.dataKey();
  }
}
