package io.biowerk.dr.cli;

import io.biowerk.dr.cli.serve.ApiServer;
import io.biowerk.dr.cli.serve.ConfigException;
import io.biowerk.dr.cli.serve.ConfigReader;
import io.biowerk.dr.cli.serve.Orchestrator;
import io.biowerk.dr.cli.serve.Schedule;
import io.biowerk.dr.cli.serve.ServeConfig;
import io.biowerk.dr.cli.serve.ServeConfig.Check;
import io.biowerk.dr.cli.serve.ServeConfig.SourceConfig;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.Sinks;
import io.biowerk.dr.core.Sources;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code biowerk-dr serve}: the long-running backup orchestrator (schedules, HTTP API, Prometheus
 * metrics) from one YAML configuration file; {@code --check} validates the file and starts nothing.
 * The work is done by the {@code io.biowerk.dr.cli.serve} package, whose libraries (YAML, cron,
 * Prometheus client, HTTP server) are loaded only when this command runs.
 */
@Command(
    name = "serve",
    sortOptions = false,
    header = "Run the backup orchestrator: schedules, HTTP API, Prometheus metrics.",
    description = {
      "Runs each source's backups (each followed by a prune), verifications and restore tests on their cron"
          + " schedules, and answers POST /verify/{source}, POST /backup/{source}, GET /status, /jobs/{id},"
          + " /health, /ready and /metrics (default 127.0.0.1:8090). One instance per repository: a lease in"
          + " the repository keeps a second one on standby until the first stops renewing it.",
      "SIGTERM lets running jobs finish within server.shutdown-grace, then aborts them (nothing partial is"
          + " kept) and releases the lease.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  biowerk-dr serve --config /etc/biowerk/biowerk-dr.yml --check",
      "  BIOWERK_DR_CONFIG=/etc/biowerk/biowerk-dr.yml biowerk-dr serve",
      "  curl -X POST http://localhost:8090/verify/SOURCE?level=stored"
    })
final class ServeCommand extends CliCommand {

  /** The variable naming the configuration file when no --config is given. */
  static final String CONFIG_VARIABLE = "BIOWERK_DR_CONFIG";

  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      description =
          "The YAML configuration. Default: $"
              + CONFIG_VARIABLE
              + ". Example: deploy/biowerk-dr.yml.")
  String config;

  @Option(
      names = "--check",
      description = "Validate the configuration, print the schedule and exit.")
  boolean check;

  /** Counted down when the service has stopped (tests stop it through {@link #stop()}). */
  final CountDownLatch stopped = new CountDownLatch(1);

  private volatile Runnable stopper;

  @Override
  public Integer call() throws Exception {
    Environment env = env();
    if (!check && System.getProperty("org.slf4j.simpleLogger.log.io.biowerk.dr") == null) {
      // A service logs what it does; read by slf4j-simple as each logger is made, so this comes
      // first.
      System.setProperty("org.slf4j.simpleLogger.log.io.biowerk.dr", "info");
    }
    Path file = configFile(env);
    ServeConfig serve;
    try {
      serve = ConfigReader.read(file, Sources.schemes(), Sinks.schemes());
    } catch (ConfigException e) {
      // A configuration that cannot be used is a usage error (exit 2), like a bad option.
      throw new UsageException(e.getMessage());
    }
    KeyOptions keyOptions = new KeyOptions();
    serve.keys().file().ifPresent(path -> keyOptions.keyFile = path.toString());
    KeyRing ring = keyOptions.ring(env);
    List<String> problems = problems(serve, ring, env);
    Optional<String> token = Optional.empty();
    if (serve.server().tokenFile().isPresent()) {
      try {
        token = Optional.of(readToken(serve.server().tokenFile().get()));
      } catch (IOException e) {
        problems.add(Errors.message(e));
      }
    }
    if (check) {
      return report(serve, problems, env);
    }
    if (!problems.isEmpty()) {
      throw new UsageException(
          "serve: "
              + file
              + " cannot be used: "
              + String.join("; ", problems)
              + " (run with --check to see the whole configuration)");
    }
    String instance = hostName() + ":" + ProcessHandle.current().pid();
    Orchestrator orchestrator =
        new Orchestrator(
            serve,
            env.variables(),
            env.clock(),
            ring,
            Uris::redact,
            instance,
            d -> Thread.sleep(d.toMillis()));
    ApiServer api;
    try {
      api =
          ApiServer.start(
              orchestrator,
              serve.server().host(),
              serve.server().port(),
              token,
              serve.server().loopback());
    } catch (IOException | RuntimeException e) {
      orchestrator.shutdown();
      throw e;
    }
    Runnable shutdown =
        () -> {
          api.close();
          orchestrator.shutdown();
          stopped.countDown();
        };
    Thread hook = new Thread(shutdown, "biowerk-dr-serve-shutdown");
    stopper =
        () -> {
          Runtime.getRuntime().removeShutdownHook(hook);
          shutdown.run();
        };
    Runtime.getRuntime().addShutdownHook(hook);
    orchestrator.start();
    note(
        "serving "
            + serve.sources().size()
            + " source(s) on http://"
            + serve.server().host()
            + ":"
            + api.port()
            + "/ as "
            + instance);
    stopped.await();
    return ExitCodes.OK;
  }

  /** Stops a running service as SIGTERM would (for tests in the same JVM). */
  void stop() {
    Runnable s = stopper;
    if (s != null) {
      s.run();
    }
  }

  private Path configFile(Environment env) {
    if (config != null) {
      return env.resolve(config);
    }
    return env.variable(CONFIG_VARIABLE)
        .map(env::resolve)
        .orElseThrow(
            () ->
                new UsageException(
                    "serve: no configuration: pass --config FILE or set $"
                        + CONFIG_VARIABLE
                        + "; deploy/biowerk-dr.yml in the source tree is an example"));
  }

  /**
   * What the file's syntax cannot show: a token off loopback, secrets that resolve, a key to
   * encrypt with.
   */
  private static List<String> problems(ServeConfig serve, KeyRing ring, Environment env) {
    List<String> problems = new ArrayList<>();
    if (!serve.server().loopback() && serve.server().tokenFile().isEmpty()) {
      problems.add(
          "server.listen "
              + serve.server().host()
              + " is not a loopback address, so server.token-file"
              + " is required: a file (mode 0600) holding the bearer token for POST requests");
    }
    for (SourceConfig source : serve.sources()) {
      if (source.password().isPresent()) {
        try {
          source.password().get().value(env.variables());
        } catch (IOException e) {
          problems.add("sources." + source.name() + ".password: " + Errors.message(e));
        }
      }
    }
    for (io.biowerk.dr.cli.serve.ServeConfig.StreamConfig stream : serve.streams()) {
      try {
        io.biowerk.dr.core.log.Logs.forLog(stream.log());
      } catch (IOException e) {
        problems.add(
            "streams."
                + stream.source()
                + ".log: "
                + Errors.message(e)
                + "; use one of those, or put the module that provides it on the class path");
      }
    }
    if (serve.sources().stream().anyMatch(SourceConfig::encrypt)) {
      try {
        ring.active();
      } catch (IOException | RuntimeException e) {
        problems.add(
            "no encryption key: "
                + Errors.message(e)
                + "; create one with `biowerk-dr keys generate"
                + serve.keys().file().map(p -> " --key-file " + p).orElse("")
                + "` and keep a copy in your vault");
      }
    }
    return problems;
  }

  private static String readToken(Path path) throws IOException {
    // The same rule as secret files: group and others may neither read nor write it.
    return io.biowerk.dr.cli.serve.Secret.readPrivateFileForToken(path);
  }

  private int report(ServeConfig serve, List<String> problems, Environment env) throws IOException {
    Instant now = env.clock().instant();
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("ok", problems.isEmpty());
      result.put("config", serve.file().toString());
      result.put("problems", problems);
      List<Map<String, Object>> sources = new ArrayList<>();
      for (SourceConfig source : serve.sources()) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("source", source.name());
        row.put("uri", Uris.redact(source.uri()));
        row.put("backup", schedule(source.backup(), now));
        row.put("verify", source.verify().map(c -> check(c, now)).orElse(null));
        row.put("restoreTest", source.restoreTest().map(c -> check(c, now)).orElse(null));
        row.put("retention", source.retention().toString());
        row.put("rpoSeconds", source.rpo().toSeconds());
        row.put("rtoSeconds", source.rto().toSeconds());
        sources.add(row);
      }
      result.put("sources", sources);
      printJson(result);
    } else {
      var out = out();
      out.println("configuration " + serve.file());
      out.println(
          "  listen       "
              + serve.server().host()
              + ":"
              + serve.server().port()
              + (serve.server().tokenFile().isPresent()
                  ? " (bearer token required for POST)"
                  : ""));
      out.println(
          "  repositories "
              + String.join(", ", serve.repositories().stream().map(Uris::redact).toList()));
      out.println("  jobs         at most " + serve.server().maxConcurrentJobs() + " at once");
      for (SourceConfig source : serve.sources()) {
        out.println(
            "source "
                + source.name()
                + "  "
                + Uris.redact(source.uri())
                + source.password().map(p -> "  (password from " + p + ")").orElse(""));
        out.println(
            "  backup       " + line(source.backup(), now) + "; then prune: " + source.retention());
        source
            .verify()
            .ifPresent(
                c ->
                    out.println(
                        "  verify       " + line(c.schedule(), now) + ", level " + c.level().id()));
        source
            .restoreTest()
            .ifPresent(c -> out.println("  restore test " + line(c.schedule(), now)));
        out.println(
            "  objectives   RPO " + Format.age(source.rpo()) + ", RTO " + Format.age(source.rto()));
      }
      for (io.biowerk.dr.cli.serve.ServeConfig.StreamConfig stream : serve.streams()) {
        out.println(
            "stream "
                + stream.id()
                + "  "
                + (stream.run() ? "receiver run by the service" : "lag watched only")
                + ", max lag "
                + Format.age(stream.maxLag()));
      }
      serve
          .keys()
          .reminder()
          .ifPresent(
              r ->
                  out.println(
                      "key reminder "
                          + line(r, now)
                          + "; rotation every "
                          + Format.age(serve.keys().rotation())));
      for (String problem : problems) {
        out.println("PROBLEM: " + problem);
      }
      out.println(problems.isEmpty() ? "configuration OK" : problems.size() + " problem(s)");
      out.flush();
    }
    if (!problems.isEmpty()) {
      throw new UsageException(
          "serve: "
              + problems.size()
              + " problem(s) in "
              + serve.file()
              + ": "
              + String.join("; ", problems));
    }
    return ExitCodes.OK;
  }

  private static String line(Schedule schedule, Instant now) {
    return schedule.expression()
        + " ("
        + schedule.describe()
        + ", "
        + schedule.zone().getId()
        + "), next "
        + schedule.next(now).map(Format::time).orElse("never");
  }

  private static Map<String, Object> schedule(Schedule schedule, Instant now) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("cron", schedule.expression());
    row.put("zone", schedule.zone().getId());
    row.put("next", schedule.next(now).map(Instant::toString).orElse(null));
    return row;
  }

  private static Map<String, Object> check(Check check, Instant now) {
    Map<String, Object> row = schedule(check.schedule(), now);
    row.put("level", check.level().id());
    return row;
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
