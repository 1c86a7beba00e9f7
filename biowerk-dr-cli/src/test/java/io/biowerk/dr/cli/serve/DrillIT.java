package io.biowerk.dr.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.cli.serve.Job.Kind;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drill against real databases: a Redis server of its own (restored into a second, scratch one)
 * and a small database on the machine's PostgreSQL (restored into a scratch database on the same
 * server by the adapter), besides a directory; every source is backed up by the orchestrator, then
 * drilled.
 */
class DrillIT {

  @TempDir Path dir;

  final List<Process> started = new ArrayList<>();
  String database;

  @AfterEach
  void cleanUp() throws Exception {
    for (Process process : started) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    if (database != null) {
      run("psql", "-h", "127.0.0.1", "-U", "postgres", "-c", "DROP DATABASE IF EXISTS " + database);
    }
  }

  static String run(String... command) throws Exception {
    return input(null, command);
  }

  static String input(String stdin, String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (stdin != null) {
      process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    process.getOutputStream().close();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
    return out;
  }

  int redisServer(String name) throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    Path data = Files.createDirectories(dir.resolve(name));
    started.add(
        new ProcessBuilder(
                "redis-server",
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                data.toString(),
                "--logfile",
                data.resolve("log").toString())
            .start());
    for (int i = 0; i < 200; i++) {
      try {
        if (run("redis-cli", "-p", Integer.toString(port), "PING").equals("PONG")) {
          return port;
        }
      } catch (AssertionError notYet) {
        // not listening yet
      }
      Thread.sleep(25);
    }
    throw new IOException(
        "redis-server on port " + port + " did not start; see " + data.resolve("log"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void drillsADirectoryRedisAndPostgresqlAgainstTheirTargets() throws Exception {
    int source = redisServer("source");
    int scratch = redisServer("scratch");
    StringBuilder load = new StringBuilder();
    for (int i = 0; i < 500; i++) {
      load.append("SET key:").append(i).append(" value-").append(i).append('\n');
    }
    input(load.toString(), "redis-cli", "-p", Integer.toString(source));
    database = "serve_drill_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    run("psql", "-h", "127.0.0.1", "-U", "postgres", "-c", "CREATE DATABASE " + database);
    run(
        "psql",
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-d",
        database,
        "-c",
        "CREATE TABLE orders (id int primary key, total numeric); INSERT INTO orders SELECT g, g * 1.5 FROM"
            + " generate_series(1, 1000) g");

    ServeFixture fixture = new ServeFixture(dir);
    fixture.data("docs", 0);
    TestClock clock = new TestClock(java.time.Instant.now());
    ServeConfig config =
        fixture.config(
            "repositories: [repo]\n"
                + "keys: {file: key}\n"
                + "sources:\n"
                + "  docs: {uri: data/docs, backup: \"0 2 * * *\", rto: 2h}\n"
                + "  cache:\n"
                + "    uri: redis://127.0.0.1:"
                + source
                + "\n"
                + "    backup: \"0 */3 * * *\"\n"
                + "    rto: 1h\n"
                + "    restore-test: {schedule: \"0 4 * * SUN\", options: {scratch-uri: \"redis://127.0.0.1:"
                + scratch
                + "\"}}\n"
                + "  orders:\n"
                + "    uri: postgresql://postgres@127.0.0.1:5432/"
                + database
                + "\n"
                + "    backup: \"0 2 * * *\"\n"
                + "    rto: 2h\n");
    try (Orchestrator orchestrator = fixture.orchestrator(config, clock, "drill")) {
      for (String name : List.of("docs", "cache", "orders")) {
        Job job = orchestrator.enqueue(Kind.BACKUP, name, "test", Map.of());
        assertThat(job.await(120_000)).isTrue();
        assertThat(job.state()).as(name + ": " + job.error()).isEqualTo(Job.State.SUCCEEDED);
      }
    }
    Map<String, Object> report =
        new Drill(
                config,
                fixture.keys(clock),
                clock,
                URI::toString,
                Optional.of(AlertingIT.rules()),
                Optional.empty())
            .run(List.of());
    assertThat(report.get("ok")).as(report.toString()).isEqualTo(true);
    for (Map<String, Object> row : (List<Map<String, Object>>) report.get("sources")) {
      Map<String, Object> integrity = (Map<String, Object>) row.get("integrity");
      Map<String, Object> rto = (Map<String, Object>) row.get("rto");
      assertThat(integrity.get("ok")).as(row.toString()).isEqualTo(true);
      assertThat(rto.get("ok")).as(row.toString()).isEqualTo(true);
      if (row.get("source").equals("cache")) {
        assertThat(integrity.get("detail").toString()).contains("500 keys");
      }
    }
    assertThat(run("redis-cli", "-p", Integer.toString(scratch), "DBSIZE")).isEqualTo("500");
  }
}
