package io.biowerk.dr.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped alert rules against real Prometheus tools: {@code promtool check rules} and {@code
 * promtool test rules} (unit tests of every alert, firing and not), every metric the rules and the
 * dashboard use is exported by a running orchestrator, and a real Prometheus scraping a running
 * {@code serve} sees BackupFailed go to firing when a backup fails. Prometheus and promtool come
 * from Debian's {@code prometheus} package, which {@code .ci/services.sh} installs.
 */
class AlertingIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern METRIC = Pattern.compile("\\bbiowerk_dr_[a-z_]+");

  @TempDir Path dir;

  static Path root() {
    return Path.of(System.getProperty("biowerk.root", "..")).toAbsolutePath().normalize();
  }

  static Path rules() {
    return root().resolve("deploy/prometheus/backup-alerts.yml");
  }

  static String tool(String name) {
    for (String folder :
        System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator, -1)) {
      if (Files.isExecutable(Path.of(folder, name))) {
        return Path.of(folder, name).toString();
      }
    }
    throw new AssertionError(
        name
            + " is not on the PATH: install Debian's prometheus package (bash .ci/services.sh does)");
  }

  static String run(Path workDir, String... command) throws Exception {
    Process process =
        new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(String.join(" ", command) + "\n" + output).isZero();
    return output;
  }

  @Test
  void promtoolChecksTheRulesAndPassesTheirUnitTests() throws Exception {
    Path folder = rules().getParent();
    assertThat(run(folder, tool("promtool"), "check", "rules", "backup-alerts.yml"))
        .contains("SUCCESS: 12 rules found");
    assertThat(run(folder, tool("promtool"), "test", "rules", "backup-alerts.test.yml"))
        .contains("SUCCESS");
  }

  @Test
  void everyAlertHasAUnitTestAndARunbookSection() throws IOException {
    String rules = Files.readString(rules());
    String tests = Files.readString(rules().resolveSibling("backup-alerts.test.yml"));
    String runbook = Files.readString(root().resolve("docs/runbook.md"));
    Matcher alert = Pattern.compile("- alert: (\\w+)").matcher(rules);
    int count = 0;
    while (alert.find()) {
      String name = alert.group(1);
      count++;
      assertThat(tests).as("a unit test of " + name).contains("alertname: " + name);
      assertThat(rules).contains("docs/runbook.md#" + name.toLowerCase(java.util.Locale.ROOT));
      assertThat(runbook).as("a runbook section for " + name).contains("### " + name);
    }
    assertThat(count).isEqualTo(12);
  }

  /** Every biowerk_dr_ metric named in the rules and the dashboard. */
  static Set<String> usedMetrics() throws IOException {
    Set<String> used = new TreeSet<>();
    for (Path file : List.of(rules(), root().resolve("deploy/grafana/backup-monitoring.json"))) {
      if (!Files.exists(file)) {
        continue;
      }
      Matcher matcher = METRIC.matcher(Files.readString(file));
      while (matcher.find()) {
        used.add(matcher.group());
      }
    }
    return used;
  }

  @Test
  void everyMetricTheRulesAndTheDashboardUseIsExportedAndPrometheusFiresBackupFailed()
      throws Exception {
    ServeFixture fixture = new ServeFixture(dir);
    fixture.data("docs", 0);
    Path scratch = Files.createDirectories(dir.resolve("scratch"));
    ServeConfig config =
        fixture.config(
            "repositories: [repo]\n"
                + "keys: {file: key}\n"
                + "sources:\n"
                + "  docs:\n"
                + "    uri: data/docs\n"
                + "    backup: \"0 2 * * *\"\n"
                + "    verify: {schedule: \"0 3 * * *\", level: native}\n"
                + "    restore-test: {schedule: \"0 4 * * SUN\", options: {scratch-dir: \""
                + scratch
                + "\"}}\n"
                + "  broken:\n"
                + "    uri: data/missing\n"
                + "    backup: \"0 2 * * *\"\n"
                + "    retries: 0\n"
                // A stream whose receiver cannot run (the wal provider serves no directory): its
                // lag
                // is +Inf and it is restarted with backoff, so every stream metric is exported.
                + "streams:\n"
                + "  docs: {log: wal, restart-backoff: 1s}\n");
    Orchestrator orchestrator =
        new Orchestrator(
            config,
            java.util.Map.of(),
            java.time.Clock.systemUTC(),
            fixture.keys(java.time.Clock.systemUTC()),
            uri -> uri.toString(),
            "it",
            d -> {});
    // One archived WAL segment of docs, an hour old, so the log metrics have values.
    Path segment = Files.writeString(dir.resolve("segment"), "wal bytes");
    try (io.biowerk.dr.core.local.LocalSink sink =
        io.biowerk.dr.core.local.LocalSink.existing(fixture.repo)) {
      io.biowerk.dr.core.log.LogArchive.of(
              sink, "docs", "wal", List.of(), fixture.keys(java.time.Clock.systemUTC()))
          .push(
              new io.biowerk.dr.core.log.LogSegmentInfo(
                  "000000010000000000000001",
                  "0/1000000",
                  "0/2000000",
                  Optional.empty(),
                  Optional.of(java.time.Instant.now().minus(Duration.ofHours(1))),
                  java.util.Map.of()),
              segment);
    }
    Process prometheus = null;
    try (ApiServer api = ApiServer.start(orchestrator, "127.0.0.1", 0, Optional.empty(), true)) {
      orchestrator
          .tick(); // the lease; catch-up backups of both sources, then verify and restore test of
      // docs
      assertThat(orchestrator.awaitIdle(Duration.ofSeconds(60))).isTrue();
      assertThat(orchestrator.jobs())
          .filteredOn(j -> j.source().equals("docs"))
          .allMatch(j -> j.state() == Job.State.SUCCEEDED, "every docs job succeeded");
      String scrape = ApiServerTest.send(api.port(), "GET", "/metrics", null).body();

      Set<String> exported = new TreeSet<>();
      Matcher matcher = Pattern.compile("(?m)^(biowerk_dr_[a-z_]+)[{ ]").matcher(scrape);
      while (matcher.find()) {
        exported.add(matcher.group(1));
      }
      Set<String> used = usedMetrics();
      assertThat(used).hasSizeGreaterThan(10);
      assertThat(exported).containsAll(used);
      assertThat(ServeMetrics.NAMES).containsAll(used);
      assertThat(exported).containsAll(ServeMetrics.NAMES);

      // A real Prometheus scrapes the running service with the shipped rules.
      int port;
      try (ServerSocket socket =
          new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        port = socket.getLocalPort();
      }
      Path prometheusYml = dir.resolve("prometheus.yml");
      Files.writeString(
          prometheusYml,
          "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
              + "rule_files: [\""
              + rules()
              + "\"]\n"
              + "scrape_configs:\n"
              + "  - job_name: biowerk-dr\n"
              + "    static_configs: [{targets: [\"127.0.0.1:"
              + api.port()
              + "\"]}]\n");
      List<String> command = new ArrayList<>();
      command.add(tool("prometheus"));
      command.add("--config.file=" + prometheusYml);
      command.add("--storage.tsdb.path=" + dir.resolve("tsdb"));
      command.add("--web.listen-address=127.0.0.1:" + port);
      prometheus =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("prometheus.log").toFile())
              .start();

      JsonNode firing = null;
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (firing == null && System.nanoTime() < end) {
        Thread.sleep(500);
        ApiServerTest.Reply alerts;
        try {
          alerts = ApiServerTest.send(port, "GET", "/api/v1/alerts", null);
        } catch (IOException notUpYet) {
          continue;
        }
        for (JsonNode alert : JSON.readTree(alerts.body()).at("/data/alerts")) {
          if (alert.at("/labels/alertname").asText().equals("BackupFailed")
              && alert.get("state").asText().equals("firing")) {
            firing = alert;
          }
        }
      }
      assertThat(firing)
          .as(
              "BackupFailed firing in Prometheus; its log:\n"
                  + Files.readString(dir.resolve("prometheus.log")))
          .isNotNull();
      assertThat(firing.at("/labels/source").asText()).isEqualTo("broken");
      assertThat(firing.at("/annotations/runbook_url").asText())
          .isEqualTo("docs/runbook.md#backupfailed");
    } finally {
      if (prometheus != null) {
        prometheus.destroy();
        if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
          prometheus.destroyForcibly();
        }
      }
      orchestrator.shutdown();
    }
  }
}
