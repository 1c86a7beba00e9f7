package io.biowerk.dr.cli;

import io.biowerk.dr.cli.serve.ConfigException;
import io.biowerk.dr.cli.serve.ConfigReader;
import io.biowerk.dr.cli.serve.Drill;
import io.biowerk.dr.cli.serve.ServeConfig;
import io.biowerk.dr.core.Sinks;
import io.biowerk.dr.core.Sources;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code biowerk-dr drill}: the plan's monthly DR drill over the sources of a serve configuration.
 */
@Command(
    name = "drill",
    sortOptions = false,
    header = "Run the monthly DR drill and write its report (Markdown and JSON).",
    description = {
      "For every source of the configuration (or those named): the newest backup's files are read and"
          + " checked in every repository, its key is resolved, it is restored into the scratch target of"
          + " the source's restore-test and checked there; where a log is archived (a physical"
          + " base backup, or a backup that rolls forward with its operation log), the archive is"
          + " checked for gaps and a point-in-time restore to its newest point runs (on a private"
          + " server in a scratch directory, or into scratch databases); the slower restore is timed"
          + " against the RTO and the newest restorable point's age against the RPO; then the alert rules are loaded (promtool when"
          + " installed) and the metrics endpoint of the running orchestrator is read. The report ticks the"
          + " plan's checklist; the exit code is 1 when any check failed or target was missed.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  biowerk-dr drill --config /etc/biowerk/biowerk-dr.yml --rules deploy/prometheus/backup-alerts.yml",
      "  biowerk-dr drill -c biowerk-dr.yml config --report-dir /tmp/drill --no-metrics"
    })
final class DrillCommand extends CliCommand {

  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      description = "The serve configuration. Default: $" + ServeCommand.CONFIG_VARIABLE + ".")
  String config;

  @Parameters(
      paramLabel = "SOURCE",
      arity = "0..*",
      description = "Only these sources (default: all).")
  List<String> sources = new ArrayList<>();

  @Option(
      names = "--rules",
      paramLabel = "FILE",
      description =
          "The Prometheus alert rules to load. Default: deploy/prometheus/backup-alerts.yml here.")
  String rules;

  @Option(
      names = "--metrics-url",
      paramLabel = "URL",
      description =
          "The orchestrator's metrics endpoint. Default: from server.listen in the configuration.")
  String metricsUrl;

  @Option(
      names = "--no-metrics",
      description = "Skip the metrics check (no orchestrator runs here).")
  boolean noMetrics;

  @Option(
      names = "--fetch-command",
      paramLabel = "COMMAND",
      description =
          "For a source with an archived log: the biowerk-dr command the point-in-time restore"
              + " runs to fetch its segments (default: $"
              + RestoreCommand.FETCH_VARIABLE
              + ", else biowerk-dr on the PATH).")
  String fetchCommand;

  @Option(
      names = "--report-dir",
      paramLabel = "DIR",
      description = "Where the reports go. Default: server.drill-reports of the configuration.")
  String reportDir;

  @Override
  public Integer call() throws Exception {
    Environment env = env();
    String file =
        config != null
            ? config
            : env.variable(ServeCommand.CONFIG_VARIABLE)
                .orElseThrow(
                    () ->
                        new UsageException(
                            "drill: no configuration: pass --config FILE or set $"
                                + ServeCommand.CONFIG_VARIABLE));
    ServeConfig serve;
    try {
      serve = ConfigReader.read(env.resolve(file), Sources.schemes(), Sinks.schemes());
    } catch (ConfigException e) {
      throw new UsageException(e.getMessage());
    }
    KeyOptions keyOptions = new KeyOptions();
    serve.keys().file().ifPresent(path -> keyOptions.keyFile = path.toString());
    Path rulesFile = env.resolve(rules != null ? rules : "deploy/prometheus/backup-alerts.yml");
    Optional<URI> metrics = Optional.empty();
    if (!noMetrics) {
      metrics =
          Optional.of(
              URI.create(
                  metricsUrl != null
                      ? metricsUrl
                      : "http://"
                          + serve.server().host()
                          + ":"
                          + serve.server().port()
                          + "/metrics"));
    }
    Drill drill =
        new Drill(
            serve,
            keyOptions.ring(env),
            env.clock(),
            Uris::redact,
            Optional.of(rulesFile),
            metrics);
    String fetch =
        fetchCommand != null
            ? fetchCommand
            : env.variable(RestoreCommand.FETCH_VARIABLE).orElse(null);
    if (fetch != null && !fetch.isBlank()) {
      drill = drill.withFetchCommand(fetch);
    }
    Map<String, Object> report;
    try {
      report = drill.run(sources);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    Path dir = reportDir != null ? env.resolve(reportDir) : serve.server().drillReportDir();
    List<Path> written = Drill.write(report, dir, env.clock().instant());
    if (json) {
      printJson(report);
    } else {
      out().print(Drill.markdown(report));
      out().println();
      out().println("report: " + written.get(1) + " and " + written.get(0));
      out().flush();
    }
    if (!Boolean.TRUE.equals(report.get("ok"))) {
      throw new IOException("drill: a check failed or a target was missed; see " + written.get(1));
    }
    return ExitCodes.OK;
  }
}
