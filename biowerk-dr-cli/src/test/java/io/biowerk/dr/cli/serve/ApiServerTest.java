package io.biowerk.dr.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biowerk.dr.core.BackupRecord;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API over a real orchestrator, real backups and the JDK's HTTP client. */
class ApiServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  ServeFixture fixture;
  TestClock clock = new TestClock("2024-01-15T01:00:00Z");
  Orchestrator orchestrator;
  ApiServer api;

  @BeforeEach
  void setUp() throws IOException {
    fixture = new ServeFixture(dir);
    fixture.data("docs", 0);
    ServeConfig config =
        fixture.config(
            """
            repositories: [repo]
            keys: {file: key}
            sources:
              docs:
                uri: data/docs
                backup: "0 2 * * *"
                verify: {schedule: "0 3 * * *", level: native}
            """);
    orchestrator = fixture.orchestrator(config, clock, "a");
  }

  @AfterEach
  void tearDown() {
    if (api != null) {
      api.close();
    }
    orchestrator.shutdown();
  }

  private void start(Optional<String> token) throws IOException {
    api = ApiServer.start(orchestrator, "127.0.0.1", 0, token, true);
  }

  /** An answer: status, body, headers, and the body as JSON when it is JSON. */
  record Reply(int status, JsonNode json, String body, Map<String, List<String>> headers) {
    Optional<String> header(String name) {
      return headers.entrySet().stream()
          .filter(e -> name.equalsIgnoreCase(e.getKey()))
          .map(e -> e.getValue().get(0))
          .findFirst();
    }
  }

  /**
   * One request with the JDK's HttpURLConnection (java.base: the module reads nothing more for
   * tests).
   */
  static Reply send(int port, String method, String path, String authorization) throws IOException {
    HttpURLConnection connection =
        (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
    connection.setRequestMethod(method);
    connection.setConnectTimeout(10_000);
    connection.setReadTimeout(120_000);
    if (authorization != null) {
      connection.setRequestProperty("Authorization", authorization);
    }
    int status = connection.getResponseCode();
    InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
    String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    JsonNode json = null;
    String type = connection.getContentType();
    if (type != null && type.startsWith("application/json")) {
      json = JSON.readTree(body);
    }
    Reply reply = new Reply(status, json, body, connection.getHeaderFields());
    connection.disconnect();
    return reply;
  }

  private Reply send(String method, String path, String token) throws Exception {
    return send(api.port(), method, path, token);
  }

  private Reply send(String method, String path) throws Exception {
    return send(method, path, null);
  }

  @Test
  void healthReadyAndStandby() throws Exception {
    start(Optional.empty());
    assertThat(send("GET", "/health").status()).isEqualTo(200);
    Reply notYet = send("GET", "/ready");
    assertThat(notYet.status()).isEqualTo(503);
    assertThat(notYet.json().get("reason").asText()).contains("standing by");
    assertThat(send("POST", "/backup/docs").status()).isEqualTo(503);
    orchestrator.tick();
    assertThat(send("GET", "/ready").status()).isEqualTo(200);
  }

  @Test
  void backupThenVerifyAtTheStoredLevelAnswersWithTheResult() throws Exception {
    start(Optional.empty());
    orchestrator.tick(); // takes the lease; catches up with the missed backup
    assertThat(orchestrator.awaitIdle(Duration.ofSeconds(30))).isTrue();

    Reply backup = send("POST", "/backup/docs");
    assertThat(backup.status()).as(backup.body()).isEqualTo(200);
    assertThat(backup.json().get("ok").asBoolean()).isTrue();
    assertThat(backup.json().at("/job/result/storedKey").asText()).startsWith("docs/daily/docs_");

    Reply verify = send("POST", "/verify/docs?level=stored");
    assertThat(verify.status()).as(verify.body()).isEqualTo(200);
    assertThat(verify.json().at("/job/result/passed").asBoolean()).isTrue();
    assertThat(verify.json().at("/job/result/level").asText()).isEqualTo("stored");
    assertThat(verify.json().at("/job/result/backupId").asText())
        .isEqualTo(backup.json().at("/job/result/id").asText());

    // No level: the configured verification's (native).
    Reply configured = send("POST", "/verify/docs");
    assertThat(configured.json().at("/job/result/level").asText()).isEqualTo("native");

    Reply async = send("POST", "/verify/docs?level=decode&async=true");
    assertThat(async.status()).isEqualTo(202);
    String id = async.json().get("job").asText();
    assertThat(async.header("Location")).contains("/jobs/" + id);
    assertThat(orchestrator.job(id).orElseThrow().await(30_000)).isTrue();
    Reply job = send("GET", "/jobs/" + id);
    assertThat(job.status()).isEqualTo(200);
    assertThat(job.json().get("state").asText()).isEqualTo("succeeded");
    assertThat(job.json().at("/result/passed").asBoolean()).isTrue();

    Reply status = send("GET", "/status");
    assertThat(status.status()).isEqualTo(200);
    assertThat(status.json().at("/sources/0/source").asText()).isEqualTo("docs");
    assertThat(status.json().at("/sources/0/backups").asInt()).isEqualTo(2);
    // The catch-up backup and verification at the first tick, then the four asked for.
    assertThat(send("GET", "/jobs").json().get("jobs").size()).isEqualTo(6);
  }

  @Test
  void aDamagedBackupIs422AndShowsInTheMetrics() throws Exception {
    start(Optional.empty());
    orchestrator.tick();
    assertThat(orchestrator.awaitIdle(Duration.ofSeconds(30))).isTrue();
    BackupRecord newest = fixture.catalog(clock).latest("docs").orElseThrow();
    try (FileChannel data =
        FileChannel.open(
            fixture.repo.resolve(newest.manifest().dataKey()), StandardOpenOption.WRITE)) {
      data.write(ByteBuffer.wrap(new byte[] {0x55, 0x55, 0x55}), 40);
    }
    Reply verify = send("POST", "/verify/docs?level=stored");
    assertThat(verify.status()).as(verify.body()).isEqualTo(422);
    assertThat(verify.json().get("ok").asBoolean()).isFalse();
    assertThat(verify.json().at("/job/result/passed").asBoolean()).isFalse();
    assertThat(verify.json().get("error").asText()).contains("SHA-256");

    Reply metrics = send("GET", "/metrics");
    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.header("Content-Type").orElseThrow()).startsWith("text/plain");
    assertThat(metrics.body())
        .contains("biowerk_dr_verification_last_result{level=\"stored\",source=\"docs\"} 0.0")
        .contains("biowerk_dr_verification_failures_total{level=\"stored\",source=\"docs\"} 1.0")
        .contains("biowerk_dr_backup_last_result{source=\"docs\"} 1.0")
        .contains("biowerk_dr_rpo_target_seconds{source=\"docs\"} 3600.0")
        .contains("jvm_threads_current")
        .contains("process_cpu_seconds_total");
  }

  @Test
  void badRequestsGet4xxJsonThatSaysWhatIsWrong() throws Exception {
    start(Optional.empty());
    orchestrator.tick();
    assertThat(orchestrator.awaitIdle(Duration.ofSeconds(30))).isTrue();

    Reply level = send("POST", "/verify/docs?level=deep");
    assertThat(level.status()).isEqualTo(400);
    assertThat(level.json().get("error").asText())
        .isEqualTo(
            "serve: level 'deep' is not a verification level; use one of stored, decode, native, restore");
    Reply parameter = send("POST", "/verify/docs?levle=stored");
    assertThat(parameter.status()).isEqualTo(400);
    assertThat(parameter.json().get("error").asText()).contains("unknown query parameter 'levle'");
    assertThat(send("POST", "/verify/docs?async=maybe").json().get("error").asText())
        .contains("async must be true or false");
    assertThat(send("POST", "/verify/docs?level=stored&level=decode").status()).isEqualTo(400);
    Reply source = send("POST", "/verify/orders");
    assertThat(source.status()).isEqualTo(404);
    assertThat(source.json().get("error").asText())
        .isEqualTo("serve: no source named 'orders'; configured: docs");
    assertThat(send("POST", "/verify").status()).isEqualTo(404);
    Reply method = send("GET", "/verify/docs");
    assertThat(method.status()).isEqualTo(405);
    assertThat(method.header("Allow")).contains("POST");
    assertThat(send("DELETE", "/status").status()).isEqualTo(405);
    assertThat(send("GET", "/nothing").json().get("error").asText())
        .contains("the API has POST /verify/{source}");
    assertThat(send("GET", "/jobs/nope").status()).isEqualTo(404);
    assertThat(send("GET", "/status/extra").status()).isEqualTo(404);
  }

  @Test
  void postNeedsTheBearerTokenWhenOneIsConfigured() throws Exception {
    start(Optional.of("s3cret-token"));
    orchestrator.tick();
    assertThat(orchestrator.awaitIdle(Duration.ofSeconds(30))).isTrue();

    Reply missing = send("POST", "/verify/docs?level=stored");
    assertThat(missing.status()).isEqualTo(401);
    assertThat(missing.header("WWW-Authenticate")).contains("Bearer realm=\"biowerk-dr\"");
    assertThat(missing.json().get("error").asText())
        .contains("needs an Authorization: Bearer <token> header");
    Reply basic = send("POST", "/verify/docs?level=stored", "Basic dXNlcjpwYXNz");
    assertThat(basic.status()).isEqualTo(401);
    Reply wrong = send("POST", "/verify/docs?level=stored", "Bearer guess");
    assertThat(wrong.status()).isEqualTo(403);
    assertThat(wrong.body()).doesNotContain("s3cret-token");
    assertThat(send("POST", "/verify/docs?level=stored", "Bearer s3cret-token").status())
        .isEqualTo(200);
    // Reading needs no token.
    assertThat(send("GET", "/status").status()).isEqualTo(200);
    assertThat(send("GET", "/metrics").status()).isEqualTo(200);
  }

  @Test
  void refusesANonLoopbackAddressWithoutAToken() {
    assertThatThrownBy(() -> ApiServer.start(orchestrator, "0.0.0.0", 0, Optional.empty(), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "serve: refusing to listen on 0.0.0.0:0 without a bearer token: set server.token-file to a file"
                + " (mode 0600) holding one, or listen on 127.0.0.1");
  }
}
