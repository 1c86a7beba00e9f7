package io.biowerk.dr.cli;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupOutcome;
import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.Sources;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.ZstdCodec;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code biowerk-dr backup}: one backup of a source into every repository. */
@Command(
    name = "backup",
    sortOptions = false,
    header = "Back up a source into the repositories.",
    description = {
      "Streams the source's native bytes through zstd and AES-256-GCM into every repository, with"
          + " SHA-256 of the raw and the stored bytes; the manifest is written last, so an interrupted run"
          + " leaves no backup. Memory stays bounded whatever the size. Prints the backup id, stored name,"
          + " sizes, ratio and duration.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  biowerk-dr backup file:///etc/biowerk",
      "  biowerk-dr backup docs --repo /var/backups/bw --repo /mnt/offsite/bw",
      "  JAVA_OPTS=-Xmx64m biowerk-dr backup file:///srv/data"
    })
final class BackupCommand extends CliCommand {

  @Parameters(
      index = "0",
      paramLabel = "SOURCE-URI",
      description =
          "What to back up: a plain path, or a URI of a scheme listed under 'Sources' below.")
  String source;

  @Mixin RepositoryOptions repositories;

  @Mixin KeyOptions keys;

  @Option(
      names = "--compression",
      paramLabel = "zstd:LEVEL|none",
      defaultValue = "zstd:3",
      description = "Compression: zstd at LEVEL 1-22, or none. Default: ${DEFAULT-VALUE}.")
  String compression;

  @Option(
      names = "--workers",
      paramLabel = "N",
      description = {
        "zstd worker threads: 0 compresses on the reading thread. Default: one per core, one fewer"
            + " for a source on this host that needs the CPU itself (a local database), at most 8;"
            + " the number is recorded in the manifest."
      })
  Integer workers;

  @Option(
      names = "--no-encrypt",
      description = "Store the backup unencrypted (no key is needed or created).")
  boolean noEncrypt;

  @Option(
      names = "--recipient",
      paramLabel = "FILE",
      description = {
        "Also wrap the backup's data key to the public keys in FILE (from `keys"
            + " generate-recipient`); repeatable. With --recipient the master key is used only if one"
            + " is configured, never created: a host with no key file can write backups it cannot read."
      })
  List<String> recipients = new ArrayList<>();

  @Option(
      names = "--tier",
      paramLabel = "daily|weekly|monthly",
      defaultValue = BackupLayout.DAILY,
      description = "The layout folder to write into. Default: ${DEFAULT-VALUE}.")
  String tier;

  @Override
  public Integer call() throws Exception {
    try {
      return backUp();
    } finally {
      if (opened != null) {
        opened.close();
      }
    }
  }

  /** The source {@link #backUp()} made, closed when the command is done. */
  private Source opened;

  private Integer backUp() throws Exception {
    Environment env = env();
    if (!BackupLayout.BACKUP_TIERS.contains(tier)) {
      throw new UsageException(
          "--tier must be one of "
              + String.join(", ", BackupLayout.BACKUP_TIERS)
              + ", not '"
              + tier
              + "'");
    }
    URI uri = Uris.parse(source, "source URI", env);
    List<Codec> codecs = new ArrayList<>(compression(compression));
    if (workers != null && (workers < 0 || workers > 64)) {
      throw new UsageException("--workers must be a whole number 0-64, not " + workers);
    }
    int chosen =
        workers != null
            ? workers
            : ZstdCodec.automaticWorkers(uri, Runtime.getRuntime().availableProcessors());
    codecs.replaceAll(c -> c instanceof ZstdCodec zstd ? zstd.withWorkers(chosen) : c);
    // Resolve the source before anything is created (repository, key): a wrong URI changes nothing.
    Source src = Sources.forUri(uri);
    opened = src;
    List<URI> repositoryUris = repositories.urisForWriting(env);
    DangerousTargets.checkBackup(uri, repositoryUris);
    String keyId = null;
    if (!noEncrypt) {
      EnvelopeCodec envelope = Envelopes.forBackup(env, keys, recipients);
      codecs.add(envelope);
      keyId = envelope.keyId();
    }
    // A repository that cannot even be opened is a failed copy like one that fails mid-way: the
    // others still get the backup (see docs/nothing-silent.md, "Fan-out").
    List<Sink> sinks = new ArrayList<>();
    java.util.IdentityHashMap<Sink, URI> uriOf = new java.util.IdentityHashMap<>();
    Map<URI, String> failed = new LinkedHashMap<>();
    Exception firstOpenFailure = null;
    for (URI repository : repositoryUris) {
      try {
        Sink sink = repositories.open(repository);
        sinks.add(sink);
        uriOf.put(sink, repository);
      } catch (java.io.IOException | RuntimeException e) {
        if (repositoryUris.size() == 1) {
          throw e;
        }
        firstOpenFailure = firstOpenFailure == null ? e : firstOpenFailure;
        failed.put(repository, "cannot be opened: " + reason(e));
      }
    }
    if (sinks.isEmpty()) {
      throw new java.io.IOException(
          "backup: no repository can be opened ("
              + failed.entrySet().stream()
                  .map(e -> Uris.redact(e.getKey()) + ": " + e.getValue())
                  .collect(java.util.stream.Collectors.joining("; "))
              + "); nothing was backed up",
          firstOpenFailure);
    }
    BackupJob job =
        BackupJob.of(src)
            .codecs(codecs)
            .sinks(sinks)
            .tier(tier)
            .clock(env.clock())
            .sourceUri(Uris.redact(uri))
            .listener(progress("backup"))
            .build();
    BackupOutcome outcome = cleanUpOnShutdown(job::runEach);
    BackupManifest manifest = outcome.manifest();
    for (Map.Entry<Sink, java.io.IOException> failure : outcome.failed().entrySet()) {
      failed.put(uriOf.get(failure.getKey()), reason(failure.getValue()));
    }
    List<URI> kept = outcome.succeeded().stream().map(uriOf::get).toList();
    int leftovers = removeLeftoversOfDeadRuns(env, outcome.succeeded());
    int code = failed.isEmpty() ? ExitCodes.OK : ExitCodes.FAILURE;

    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("ok", failed.isEmpty());
      result.put("id", manifest.id());
      result.put("source", manifest.sourceUri());
      result.put("sourceName", manifest.sourceName());
      result.put("storedName", manifest.fileName());
      result.put("storedKey", manifest.dataKey());
      result.put("repositories", kept.stream().map(Uris::redact).toList());
      List<Map<String, Object>> failures = new ArrayList<>();
      for (Map.Entry<URI, String> failure : failed.entrySet()) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("repository", Uris.redact(failure.getKey()));
        row.put("error", failure.getValue());
        row.put("sync", syncCommand(kept.get(0), failure.getKey(), manifest.sourceName()));
        failures.add(row);
      }
      result.put("failedRepositories", failures);
      result.put("rawSize", manifest.rawSize());
      result.put("storedSize", manifest.storedSize());
      result.put(
          "ratio",
          manifest.storedSize() == 0 ? null : (double) manifest.rawSize() / manifest.storedSize());
      result.put("durationMillis", manifest.duration().toMillis());
      result.put("keyId", keyId);
      result.put("manifest", Json.manifest(manifest));
      result.put("leftoversRemoved", leftovers);
      printJson(result);
      return code;
    }
    var out = out();
    out.println("backup " + manifest.id() + " done in " + Format.duration(manifest.duration()));
    out.println("  source      " + manifest.sourceUri() + " (" + manifest.sourceKind() + ")");
    out.println("  stored as   " + manifest.fileName());
    for (URI repository : kept) {
      out.println("  in          " + Uris.redact(repository) + "/" + manifest.dataKey());
    }
    for (Map.Entry<URI, String> failure : failed.entrySet()) {
      out.println("  NOT in      " + Uris.redact(failure.getKey()) + " (failed; see below)");
    }
    out.println(
        "  size        "
            + Format.bytes(manifest.rawSize())
            + " raw -> "
            + Format.bytes(manifest.storedSize())
            + " stored (ratio "
            + Format.ratio(manifest.rawSize(), manifest.storedSize())
            + ")");
    out.println(
        "  encryption  " + (keyId == null ? "none (--no-encrypt)" : "aes-256-gcm, key " + keyId));
    out.println("  sha256      " + manifest.storedSha256() + " (stored)");
    if (leftovers > 0) {
      out.println(
          "  cleaned     removed "
              + leftovers
              + " leftover object(s) of crashed runs (their process is gone or their lease ran out)");
    }
    out.flush();
    if (!failed.isEmpty()) {
      var err = env.err();
      for (Map.Entry<URI, String> failure : failed.entrySet()) {
        err.println(
            "biowerk-dr: backup: "
                + manifest.id()
                + " FAILED in "
                + Uris.redact(failure.getKey())
                + ": "
                + failure.getValue()
                + "; nothing of it is listed there. Once that repository works again, copy the"
                + " backup with: "
                + syncCommand(kept.get(0), failure.getKey(), manifest.sourceName()));
      }
      err.println(
          "biowerk-dr: backup: "
              + manifest.id()
              + " is complete only in "
              + kept.stream().map(Uris::redact).collect(java.util.stream.Collectors.joining(", "))
              + " (exit 1: not every repository has it)");
      err.flush();
    }
    return code;
  }

  /** The command that copies the backups of {@code source} that {@code to} lacks. */
  static String syncCommand(URI from, URI to, String source) {
    return "biowerk-dr sync --from "
        + Uris.redact(from)
        + " --to "
        + Uris.redact(to)
        + " --source "
        + source;
  }

  private static String reason(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  /**
   * Removes what runs known to be dead left in each repository (markers, temp files, data and side
   * files without a manifest; see {@link io.biowerk.dr.core.RunMarker}); other orphans wait for
   * {@code prune}. A failure here does not fail the backup, which is complete: it is reported.
   */
  private static int removeLeftoversOfDeadRuns(Environment env, List<Sink> sinks) {
    int removed = 0;
    for (Sink sink : sinks) {
      try {
        // A grace no orphan outlives: only leftovers of dead runs, which skip the grace, go.
        removed +=
            io.biowerk.dr.core.catalog.Catalog.of(sink)
                .withClock(env.clock())
                .cleanOrphans(DEAD_RUNS_ONLY, env.clock().instant());
      } catch (java.io.IOException e) {
        env.err()
            .println(
                "biowerk-dr: backup: the backup is complete, but leftovers of crashed runs in "
                    + sink
                    + " could not be removed ("
                    + e.getMessage()
                    + "); `biowerk-dr prune` removes them later");
      }
    }
    return removed;
  }

  /** See {@link #removeLeftoversOfDeadRuns}. */
  private static final java.time.Duration DEAD_RUNS_ONLY = java.time.Duration.ofDays(365L * 1000);

  /** The compression codecs for {@code spec}: {@code zstd}, {@code zstd:LEVEL} or {@code none}. */
  static List<Codec> compression(String spec) {
    String value = spec.strip().toLowerCase(Locale.ROOT);
    if (value.equals("none")) {
      return List.of();
    }
    if (value.equals("zstd")) {
      return List.of(ZstdCodec.defaults());
    }
    if (value.startsWith("zstd:")) {
      String level = value.substring("zstd:".length());
      try {
        return List.of(ZstdCodec.of(Integer.parseInt(level), 0, 0));
      } catch (NumberFormatException e) {
        throw new UsageException(
            "--compression zstd:LEVEL needs a whole number 1-22, not '" + level + "'");
      }
    }
    throw new UsageException(
        "--compression must be zstd, zstd:LEVEL (1-22) or none, not '" + spec + "'");
  }
}
