package io.biowerk.dr.cli.serve;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.biowerk.dr.cli.serve.ServeConfig.Check;
import io.biowerk.dr.cli.serve.ServeConfig.SourceConfig;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.Sinks;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogProvider;
import io.biowerk.dr.core.log.LogRecovery;
import io.biowerk.dr.core.log.Logs;
import io.biowerk.dr.core.log.RecoveryWindow;
import io.biowerk.dr.core.verify.Verifier;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The plan's monthly DR drill as one run ({@code biowerk-dr drill}): for every configured source,
 * the newest backup's stored bytes are read and checked in every repository (files accessible), its
 * key is resolved (keys available), it is restored into the scratch target of the source's restore
 * test and checked there (restore and data integrity); where the source archives a log (a
 * PostgreSQL physical base backup with archived WAL, a MongoDB backup taken with {@code oplog=true}
 * with the archived oplog), the archive is checked for gaps from the backup to its newest segment
 * and a point-in-time restore to that newest point runs: PostgreSQL on a private server in a
 * scratch directory, which must answer; MongoDB into scratch databases on the restore test's {@code
 * scratch-uri} server, replaying every archived segment (fetched with {@code oplog-fetch} like
 * PostgreSQL's WAL) to the newest entry, with the collections counted afterwards; the slower
 * restore is measured against the source's RTO and the newest restorable point's age (the newest
 * archived WAL, else the newest backup) against its RPO; then the alerting path is checked (the
 * rules file loads; the metrics endpoint answers). The result is the plan's checklist, ticked or
 * not, as Markdown and JSON.
 *
 * <p>Items a program cannot prove ("Application functionality confirmed", "Documentation updated
 * with findings") are listed as left to a person, never ticked.
 */
public final class Drill {

  /** The plan's checklist, in its order. */
  public static final List<String> CHECKLIST =
      List.of(
          "All backup files are accessible",
          "Encryption keys are available",
          "Restore scripts execute successfully",
          "Data integrity verified post-restore",
          "Application functionality confirmed",
          "RTO/RPO targets met",
          "Monitoring and alerting operational",
          "Documentation updated with findings");

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final ServeConfig config;
  private final KeyRing keys;
  private final Clock clock;
  private final Function<URI, String> redactor;
  private final Optional<Path> rules;
  private final Optional<URI> metrics;
  private final String fetchCommand;

  /**
   * @param rules the alert rules file to load, if any
   * @param metrics the metrics endpoint of the running orchestrator, if any
   */
  public Drill(
      ServeConfig config,
      KeyRing keys,
      Clock clock,
      Function<URI, String> redactor,
      Optional<Path> rules,
      Optional<URI> metrics) {
    this.config = requireNonNull(config, "config");
    this.keys = requireNonNull(keys, "keys");
    this.clock = requireNonNull(clock, "clock");
    this.redactor = requireNonNull(redactor, "redactor");
    this.rules = requireNonNull(rules, "rules");
    this.metrics = requireNonNull(metrics, "metrics");
    this.fetchCommand =
        Optional.ofNullable(System.getenv(FETCH_VARIABLE))
            .filter(c -> !c.isBlank())
            .orElse("biowerk-dr");
  }

  /** The variable naming the command a recovering server runs to fetch WAL. */
  static final String FETCH_VARIABLE = "BIOWERK_DR_COMMAND";

  private Drill(Drill other, String fetchCommand) {
    this.config = other.config;
    this.keys = other.keys;
    this.clock = other.clock;
    this.redactor = other.redactor;
    this.rules = other.rules;
    this.metrics = other.metrics;
    this.fetchCommand = fetchCommand;
  }

  /**
   * The same drill whose private servers fetch WAL with {@code command} ({@code biowerk-dr} or a
   * launcher of it; default $BIOWERK_DR_COMMAND, else {@code biowerk-dr} on the PATH).
   */
  public Drill withFetchCommand(String command) {
    if (command == null || command.isBlank()) {
      throw new IllegalArgumentException("fetch command (" + command + ") must not be blank");
    }
    return new Drill(this, command.strip());
  }

  /** One checked item: passed or not, and what was seen. */
  record Item(boolean ok, String detail) {
    Map<String, Object> toMap() {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("ok", ok);
      map.put("detail", detail);
      return map;
    }
  }

  /**
   * Runs the drill over {@code sources} (every configured source when empty).
   *
   * @return the report, JSON-compatible; {@code ok} is false when any check failed or target was
   *     missed
   * @throws IllegalArgumentException if a source named is not configured
   * @throws IOException if a repository cannot be opened
   */
  public Map<String, Object> run(List<String> sources) throws IOException {
    Instant started = clock.instant();
    List<SourceConfig> chosen = new ArrayList<>();
    for (String name : sources) {
      chosen.add(
          config
              .source(name)
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "drill: no source named '" + name + "' in " + config.file())));
    }
    if (chosen.isEmpty()) {
      chosen.addAll(config.sources());
    }
    List<Sink> sinks = new ArrayList<>();
    for (URI uri : config.repositories()) {
      sinks.add(Sinks.forUri(uri));
    }
    try {
      return run(chosen, sinks, started);
    } finally {
      for (Sink sink : sinks) {
        sink.close();
      }
    }
  }

  private Map<String, Object> run(List<SourceConfig> chosen, List<Sink> sinks, Instant started) {
    List<Map<String, Object>> results = new ArrayList<>();
    boolean accessible = true;
    boolean keysOk = true;
    boolean restored = true;
    boolean integrity = true;
    boolean targets = true;
    for (SourceConfig source : chosen) {
      Map<String, Object> result = source(source, sinks);
      results.add(result);
      accessible &= ok(result, "accessible");
      keysOk &= ok(result, "keys");
      restored &= ok(result, "restore") && (!result.containsKey("pitr") || ok(result, "pitr"));
      integrity &= ok(result, "integrity");
      targets &= ok(result, "rto") && ok(result, "rpo");
    }
    Item rulesItem = rules();
    Item metricsItem = metricsEndpoint();
    Map<String, Object> checklist = new LinkedHashMap<>();
    checklist.put(CHECKLIST.get(0), accessible);
    checklist.put(CHECKLIST.get(1), keysOk);
    checklist.put(CHECKLIST.get(2), restored);
    checklist.put(CHECKLIST.get(3), integrity);
    checklist.put(CHECKLIST.get(4), null);
    checklist.put(CHECKLIST.get(5), targets);
    // Without a metrics endpoint to read (--no-metrics) the item is left to a person, not failed.
    boolean metricsOk = metrics.isEmpty() || metricsItem.ok();
    checklist.put(
        CHECKLIST.get(6),
        !rulesItem.ok() ? Boolean.FALSE : metrics.isEmpty() ? null : metricsItem.ok());
    checklist.put(CHECKLIST.get(7), null);
    Map<String, Object> report = new LinkedHashMap<>();
    report.put(
        "ok",
        accessible && keysOk && restored && integrity && targets && rulesItem.ok() && metricsOk);
    report.put("startedAt", started.toString());
    report.put("finishedAt", clock.instant().toString());
    report.put("config", config.file().toString());
    report.put("repositories", config.repositories().stream().map(redactor).toList());
    report.put("checklist", checklist);
    report.put("sources", results);
    Map<String, Object> alerting = new LinkedHashMap<>();
    alerting.put("rules", rulesItem.toMap());
    alerting.put("metrics", metricsItem.toMap());
    report.put("alerting", alerting);
    return report;
  }

  private static boolean ok(Map<String, Object> result, String key) {
    @SuppressWarnings("unchecked")
    Map<String, Object> item = (Map<String, Object>) result.get(key);
    return item != null && Boolean.TRUE.equals(item.get("ok"));
  }

  private Map<String, Object> source(SourceConfig source, List<Sink> sinks) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("source", source.name());
    Catalog catalog = Catalog.of(sinks.get(0)).withClock(clock);
    Optional<BackupRecord> newest;
    try {
      newest = catalog.latest(source.name());
    } catch (IOException | RuntimeException e) {
      newest = Optional.empty();
      result.put(
          "accessible",
          new Item(false, "the repository cannot be read: " + Orchestrator.message(e)).toMap());
    }
    if (newest.isEmpty()) {
      result.putIfAbsent(
          "accessible",
          new Item(
                  false,
                  "no backup of "
                      + source.name()
                      + " in "
                      + redactor.apply(config.repositories().get(0)))
              .toMap());
      result.put("rpo", new Item(false, "no backup: nothing to restore").toMap());
      return result;
    }
    BackupManifest manifest = newest.get().manifest();
    result.put("backupId", manifest.id());
    result.put("backupFinishedAt", manifest.finishedAt().toString());

    // All backup files are accessible: the stored bytes of the newest backup, in every repository.
    List<String> seen = new ArrayList<>();
    boolean accessible = true;
    for (int i = 0; i < sinks.size(); i++) {
      String repository = redactor.apply(config.repositories().get(i));
      try {
        VerificationResult stored =
            Verifier.verify(
                sinks.get(i), manifest, null, VerificationLevel.STORED, Map.of(), clock);
        accessible &= stored.passed();
        seen.add(repository + ": " + stored.detail());
      } catch (IOException | RuntimeException e) {
        accessible = false;
        seen.add(repository + ": " + Orchestrator.message(e));
      }
    }
    result.put("accessible", new Item(accessible, String.join("; ", seen)).toMap());

    // Encryption keys are available.
    Item keyItem;
    if (manifest.keyId().isEmpty()) {
      keyItem = new Item(true, "not encrypted");
    } else {
      try {
        keys.resolve(manifest.keyId().get());
        keyItem = new Item(true, "key " + manifest.keyId().get() + " is in the key ring");
      } catch (IOException | RuntimeException e) {
        keyItem = new Item(false, Orchestrator.message(e));
      }
    }
    result.put("keys", keyItem.toMap());

    // Restore into the scratch target, checked there; timed against the RTO.
    Map<String, String> options =
        new LinkedHashMap<>(source.restoreTest().map(Check::options).orElse(Map.of()));
    Optional<LogProvider> log = logOf(manifest);
    if (log.isPresent() && !options.containsKey(log.get().log() + "-fetch-command")) {
      options.put(log.get().log() + "-fetch-command", fetchCommand(log.get().log(), manifest));
    }
    Item restore;
    Item integrity;
    Long seconds = null;
    try {
      VerificationResult restoreResult =
          Verifier.verify(
              catalog.sink(), manifest, keys, VerificationLevel.RESTORE, options, clock);
      record(catalog, restoreResult);
      seconds = restoreResult.duration().toSeconds();
      result.put("restoreMillis", restoreResult.duration().toMillis());
      restore =
          new Item(
              true,
              "restored into a scratch target in " + restoreResult.duration().toMillis() + " ms");
      integrity = new Item(restoreResult.passed(), restoreResult.detail());
      if (!restoreResult.passed()) {
        restore = new Item(false, "the restore stopped: the backup is damaged");
      }
    } catch (IOException | RuntimeException e) {
      restore = new Item(false, Orchestrator.message(e));
      integrity = new Item(false, "not checked: the restore did not run");
    }
    result.put("restore", restore.toMap());
    result.put("integrity", integrity.toMap());

    // Point-in-time restore to the newest archived point, where a write-ahead log is archived.
    Instant newestPoint = manifest.finishedAt();
    String newestWhat = "the newest backup";
    boolean pitrOk = true;
    Long pitrSeconds = null;
    if (log.isPresent()) {
      String logName = log.get().log();
      String what = log.get().displayName();
      Map<String, Object> pitr = new LinkedHashMap<>();
      LogRecovery recovery = log.get().recovery(manifest).orElseThrow();
      Item item;
      try {
        RecoveryWindow window = recovery.window(manifest, archive(catalog, source, logName));
        pitr.put("windowFrom", window.from().toString());
        pitr.put("windowTo", window.to().toString());
        pitr.put("segments", window.segments());
        Map<String, String> toEnd = new LinkedHashMap<>(options);
        toEnd.put("recovery-target", "end");
        toEnd.put("expect-" + logName + "-through", window.lastSegment());
        if (recovery.replaysListedSegments()) {
          // A log replayed by the check itself rather than by a server that asks for each
          // segment: the segments from the window's first to its last, in order.
          toEnd.put(
              logName + "-segments",
              String.join(",", segmentsOf(archive(catalog, source, logName), window)));
        }
        VerificationResult replayed =
            Verifier.verify(
                catalog.sink(), manifest, keys, VerificationLevel.RESTORE, toEnd, clock);
        pitrSeconds = replayed.duration().toSeconds();
        pitr.put("millis", replayed.duration().toMillis());
        item =
            new Item(
                replayed.passed(),
                "to "
                    + window.to()
                    + " (the newest archived "
                    + what
                    + "; "
                    + window.segments()
                    + " segments from "
                    + window.from()
                    + ") in "
                    + replayed.duration().toMillis()
                    + " ms: "
                    + replayed.detail());
        if (replayed.passed()) {
          newestPoint = window.to();
          newestWhat = "the newest archived " + what;
        }
      } catch (IOException | RuntimeException e) {
        item = new Item(false, Orchestrator.message(e));
      }
      pitrOk = item.ok();
      pitr.putAll(item.toMap());
      result.put("pitr", pitr);
    }

    Long slowest = seconds;
    if (seconds != null && pitrSeconds != null) {
      slowest = Math.max(seconds, pitrSeconds);
    }
    Map<String, Object> rto =
        new Item(
                slowest != null && slowest <= source.rto().toSeconds() && restore.ok() && pitrOk,
                slowest == null
                    ? "not measured"
                    : slowest
                        + " s"
                        + (pitrSeconds == null
                            ? ""
                            : " (the slower of restore and point-in-time restore)")
                        + " against a target of "
                        + source.rto().toSeconds()
                        + " s")
            .toMap();
    rto.put("targetSeconds", source.rto().toSeconds());
    rto.put("measuredSeconds", slowest);
    result.put("rto", rto);

    long age = Math.max(0, Duration.between(newestPoint, clock.instant()).toSeconds());
    Map<String, Object> rpo =
        new Item(
                age <= source.rpo().toSeconds(),
                age
                    + " s since "
                    + newestWhat
                    + ", against a target of "
                    + source.rpo().toSeconds()
                    + " s")
            .toMap();
    rpo.put("targetSeconds", source.rpo().toSeconds());
    rpo.put("measuredSeconds", age);
    result.put("rpo", rpo);
    return result;
  }

  private LogArchive archive(Catalog catalog, SourceConfig source, String log) {
    return LogArchive.of(catalog.sink(), source.name(), log, List.of(), keys).withClock(clock);
  }

  /** The archived segment names from the window's first to its last, in name (= time) order. */
  private static List<String> segmentsOf(LogArchive archive, RecoveryWindow window)
      throws IOException {
    List<String> names = new ArrayList<>();
    if (window.segments() == 0) {
      return names;
    }
    for (String name : archive.names()) {
      if (name.compareTo(window.firstSegment()) >= 0 && name.compareTo(window.lastSegment()) <= 0) {
        names.add(name);
      }
    }
    return names;
  }

  /** The log whose archive {@code manifest} can be rolled forward with, if any. */
  private static Optional<LogProvider> logOf(BackupManifest manifest) {
    for (LogProvider provider : Logs.all()) {
      if (provider.recovery(manifest).isPresent()) {
        return Optional.of(provider);
      }
    }
    return Optional.empty();
  }

  /**
   * The command a private server runs to fetch one segment of {@code log} from the first repository
   * with the configured key file, shell-quoted ({@code %f "%p"} is appended by the check).
   */
  private String fetchCommand(String log, BackupManifest manifest) {
    List<String> parts = new ArrayList<>(List.of(fetchCommand.split("\\s+")));
    parts.addAll(
        List.of(
            log + "-fetch",
            "--source",
            manifest.sourceName(),
            "--repo",
            config.repositories().get(0).toString()));
    config
        .keys()
        .file()
        .ifPresent(file -> parts.addAll(List.of("--key-file", file.toAbsolutePath().toString())));
    return String.join(
        " ",
        parts.stream()
            .map(p -> p.matches("[A-Za-z0-9_./:=@+-]+") ? p : "'" + p.replace("'", "'\\''") + "'")
            .toList());
  }

  private void record(Catalog catalog, VerificationResult result) {
    try {
      catalog.record(result);
    } catch (IOException e) {
      // The drill's report has the result; the repository may be read-only on the drill machine.
    }
  }

  private Item rules() {
    if (rules.isEmpty()) {
      return new Item(false, "no rules file given (--rules deploy/prometheus/backup-alerts.yml)");
    }
    Path file = rules.get();
    Optional<String> promtool = onPath("promtool");
    if (promtool.isPresent()) {
      try {
        Process process =
            new ProcessBuilder(promtool.get(), "check", "rules", file.toString())
                .redirectErrorStream(true)
                .start();
        String output =
            new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          return new Item(false, "promtool check rules did not finish within 60 s");
        }
        return new Item(
            process.exitValue() == 0, "promtool check rules: " + output.replace('\n', ' '));
      } catch (IOException e) {
        return new Item(false, "promtool could not run: " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Item(false, "interrupted");
      }
    }
    try {
      var tree = new YAMLMapper().readTree(file.toFile());
      int count = 0;
      for (var group : tree.path("groups")) {
        count += group.path("rules").size();
      }
      return new Item(
          count > 0,
          file
              + " parses with "
              + count
              + " rules (promtool is not installed, so the"
              + " expressions were not checked)");
    } catch (IOException e) {
      return new Item(false, file + " does not load: " + Orchestrator.message(e));
    }
  }

  private Item metricsEndpoint() {
    if (metrics.isEmpty()) {
      return new Item(false, "not checked: no metrics endpoint given");
    }
    try {
      HttpURLConnection connection = (HttpURLConnection) metrics.get().toURL().openConnection();
      connection.setConnectTimeout(5000);
      connection.setReadTimeout(10000);
      int status = connection.getResponseCode();
      String body;
      try (InputStream in =
          status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
        body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      boolean ok = status == 200 && body.contains("biowerk_dr_up 1");
      return new Item(
          ok,
          metrics.get()
              + " answered "
              + status
              + (ok
                  ? " with biowerk_dr_up 1"
                  : body.contains("biowerk_dr_up") ? "" : " without biowerk_dr_up"));
    } catch (IOException e) {
      return new Item(
          false,
          metrics.get()
              + " does not answer: "
              + Orchestrator.message(e)
              + "; is biowerk-dr serve running?");
    }
  }

  private static Optional<String> onPath(String tool) {
    for (String folder : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator, -1)) {
      if (!folder.isEmpty() && Files.isExecutable(Path.of(folder, tool))) {
        return Optional.of(Path.of(folder, tool).toString());
      }
    }
    return Optional.empty();
  }

  /**
   * Writes the report as {@code drill-<UTC time>.json} and {@code .md} in {@code dir}.
   *
   * @return the two files, JSON first
   */
  public static List<Path> write(Map<String, Object> report, Path dir, Instant at)
      throws IOException {
    Files.createDirectories(dir);
    String stamp =
        DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(at);
    Path json = dir.resolve("drill-" + stamp + ".json");
    Path markdown = dir.resolve("drill-" + stamp + ".md");
    Files.write(json, JSON.writeValueAsBytes(report));
    Files.writeString(markdown, markdown(report), StandardCharsets.UTF_8);
    return List.of(json, markdown);
  }

  /**
   * The report as Markdown: the plan's checklist ticked or not, then per source what was measured.
   */
  @SuppressWarnings("unchecked")
  public static String markdown(Map<String, Object> report) {
    StringBuilder md = new StringBuilder();
    md.append("# DR drill ").append(report.get("startedAt")).append("\n\n");
    md.append(
            Boolean.TRUE.equals(report.get("ok"))
                ? "**Result: every check passed and every target was met.**"
                : "**Result: FAILED: a check failed or a target was missed (see below).**")
        .append("\n\n");
    md.append("Configuration `")
        .append(report.get("config"))
        .append("`, repositories ")
        .append(report.get("repositories"))
        .append(".\n\n");
    md.append("## Checklist (plan: \"Checklist for DR Testing\")\n\n");
    for (Map.Entry<String, Object> item :
        ((Map<String, Object>) report.get("checklist")).entrySet()) {
      Object value = item.getValue();
      md.append(Boolean.TRUE.equals(value) ? "- [x] " : "- [ ] ")
          .append(item.getKey())
          .append(
              value == null
                  ? " (for a person to confirm)"
                  : Boolean.FALSE.equals(value) ? " **FAILED**" : "")
          .append('\n');
    }
    md.append("\n## Recovery objectives\n\n");
    md.append(
        "| source | backup | restore (RTO) | target | met | newest backup age (RPO) | target | met |\n");
    md.append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (Map<String, Object> source : (List<Map<String, Object>>) report.get("sources")) {
      Map<String, Object> rto = (Map<String, Object>) source.getOrDefault("rto", Map.of());
      Map<String, Object> rpo = (Map<String, Object>) source.getOrDefault("rpo", Map.of());
      md.append("| ")
          .append(source.get("source"))
          .append(" | ")
          .append(source.getOrDefault("backupId", "none"))
          .append(" | ")
          .append(seconds(rto.get("measuredSeconds")))
          .append(" | ")
          .append(seconds(rto.get("targetSeconds")))
          .append(" | ")
          .append(yes(rto.get("ok")))
          .append(" | ")
          .append(seconds(rpo.get("measuredSeconds")))
          .append(" | ")
          .append(seconds(rpo.get("targetSeconds")))
          .append(" | ")
          .append(yes(rpo.get("ok")))
          .append(" |\n");
    }
    md.append("\n## Checks per source\n");
    for (Map<String, Object> source : (List<Map<String, Object>>) report.get("sources")) {
      md.append("\n### ").append(source.get("source")).append("\n\n");
      for (String key :
          List.of("accessible", "keys", "restore", "integrity", "pitr", "rto", "rpo")) {
        Map<String, Object> item = (Map<String, Object>) source.get(key);
        if (item != null) {
          md.append("- ")
              .append(key)
              .append(": ")
              .append(yes(item.get("ok")))
              .append(" - ")
              .append(item.get("detail"))
              .append('\n');
        }
      }
    }
    Map<String, Object> alerting = (Map<String, Object>) report.get("alerting");
    md.append("\n## Monitoring and alerting\n\n");
    for (Map.Entry<String, Object> entry : alerting.entrySet()) {
      Map<String, Object> item = (Map<String, Object>) entry.getValue();
      md.append("- ")
          .append(entry.getKey())
          .append(": ")
          .append(yes(item.get("ok")))
          .append(" - ")
          .append(item.get("detail"))
          .append('\n');
    }
    return md.toString();
  }

  private static String yes(Object ok) {
    return Boolean.TRUE.equals(ok) ? "yes" : "**no**";
  }

  private static String seconds(Object value) {
    return value == null ? "-" : value + " s";
  }
}
