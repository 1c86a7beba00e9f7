package io.biowerk.dr.cli.serve;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.biowerk.dr.cli.serve.Job.Kind;
import io.biowerk.dr.cli.serve.ServeConfig.Check;
import io.biowerk.dr.cli.serve.ServeConfig.SourceConfig;
import io.biowerk.dr.core.VerificationLevel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API of {@code biowerk-dr serve} on the JDK's built-in server:
 *
 * <ul>
 *   <li>{@code POST /verify/{source}?level=stored|decode|native|restore[&async=true]}: verifies the
 *       source's newest backup; answers with the result, or at once with the job id when
 *       asynchronous;
 *   <li>{@code POST /backup/{source}[?async=true]}: a backup (and its prune);
 *   <li>{@code GET /status}: the recovery objectives, as {@code biowerk-dr status --json};
 *   <li>{@code GET /jobs} and {@code GET /jobs/{id}}: jobs and their results;
 *   <li>{@code GET /health} (the process answers) and {@code GET /ready} (it holds the repository
 *       lease and runs jobs);
 *   <li>{@code GET /metrics}: Prometheus text format.
 * </ul>
 *
 * <p>POST requests need {@code Authorization: Bearer <token>} whenever a token is configured, which
 * it must be off loopback. Every error is JSON, {@code {"ok": false, "error": "..."}}, with a 4xx
 * status for a request that cannot be served as sent. Requests are handled on a small pool of
 * threads, so a client waiting for a long verification does not hold up the others.
 */
public final class ApiServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Set<String> VERIFY_PARAMETERS = Set.of("level", "async");
  private static final Set<String> BACKUP_PARAMETERS = Set.of("async");

  private final Orchestrator orchestrator;
  private final Optional<byte[]> token;
  private final HttpServer server;
  private final ExecutorService threads;

  private ApiServer(
      Orchestrator orchestrator,
      Optional<String> token,
      HttpServer server,
      ExecutorService threads) {
    this.orchestrator = orchestrator;
    this.token = token.map(t -> t.getBytes(StandardCharsets.UTF_8));
    this.server = server;
    this.threads = threads;
  }

  /**
   * Binds {@code host:port} and starts answering.
   *
   * @param token the bearer token POST requests must carry; empty for none (loopback only)
   * @throws IllegalArgumentException if the address is not loopback and there is no token
   * @throws IOException if the address cannot be bound (in use, not local)
   */
  public static ApiServer start(
      Orchestrator orchestrator, String host, int port, Optional<String> token, boolean loopback)
      throws IOException {
    requireNonNull(orchestrator, "orchestrator");
    if (!loopback && token.isEmpty()) {
      throw new IllegalArgumentException(
          "serve: refusing to listen on "
              + host
              + ":"
              + port
              + " without a"
              + " bearer token: set server.token-file to a file (mode 0600) holding one, or listen on 127.0.0.1");
    }
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 64);
    } catch (IOException e) {
      throw new IOException(
          "serve: cannot listen on "
              + host
              + ":"
              + port
              + " ("
              + e.getMessage()
              + "); is"
              + " another orchestrator running? set server.listen to a free address",
          e);
    }
    AtomicInteger n = new AtomicInteger();
    ExecutorService threads =
        Executors.newFixedThreadPool(
            4,
            r -> {
              Thread t = new Thread(r, "biowerk-dr-http-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    ApiServer api = new ApiServer(orchestrator, token, server, threads);
    server.createContext("/", api::handle);
    server.setExecutor(threads);
    server.start();
    LOG.info("serve: HTTP API on http://{}:{}/", host, api.port());
    return api;
  }

  /** The port it listens on (the one picked when 0 was asked for). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** A request that cannot be served as sent: its status and message. */
  private static final class HttpError extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;

    HttpError(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      drain(exchange.getRequestBody());
      try {
        route(exchange);
      } catch (HttpError e) {
        if (e.status == 401) {
          exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"biowerk-dr\"");
        }
        send(exchange, e.status, error(e.getMessage()));
      } catch (IOException | RuntimeException e) {
        LOG.error(
            "serve: {} {} failed",
            exchange.getRequestMethod(),
            exchange.getRequestURI().getPath(),
            e);
        send(exchange, 500, error("serve: " + Orchestrator.message(e)));
      }
    }
  }

  private void route(HttpExchange exchange) throws IOException, HttpError {
    String path = exchange.getRequestURI().getRawPath();
    Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
    String[] parts = path.replaceAll("/+$", "").split("/");
    String first = parts.length > 1 ? parts[1] : "";
    switch (first) {
      case "verify", "backup" -> {
        allow(exchange, "POST");
        if (parts.length != 3 || parts[2].isEmpty()) {
          throw new HttpError(
              404,
              "serve: "
                  + path
                  + " names no source; use POST /"
                  + first
                  + "/{source}"
                  + " with one of: "
                  + sources());
        }
        authorize(exchange);
        String source = URLDecoder.decode(parts[2], StandardCharsets.UTF_8);
        SourceConfig config =
            orchestrator
                .config()
                .source(source)
                .orElseThrow(
                    () ->
                        new HttpError(
                            404,
                            "serve: no source named '" + source + "'; configured: " + sources()));
        if (first.equals("verify")) {
          checkParameters(query, VERIFY_PARAMETERS);
          submit(
              exchange,
              Kind.VERIFY,
              config,
              verifyOptions(config, query.get("level")),
              async(query));
        } else {
          checkParameters(query, BACKUP_PARAMETERS);
          submit(exchange, Kind.BACKUP, config, Map.of(), async(query));
        }
      }
      case "status" -> {
        allow(exchange, "GET");
        exact(parts, 2, path);
        send(exchange, 200, orchestrator.status());
      }
      case "jobs" -> {
        allow(exchange, "GET");
        if (parts.length == 2) {
          send(
              exchange, 200, Map.of("jobs", orchestrator.jobs().stream().map(Job::toMap).toList()));
          return;
        }
        exact(parts, 3, path);
        Job job =
            orchestrator
                .job(parts[2])
                .orElseThrow(
                    () ->
                        new HttpError(
                            404,
                            "serve: no job '"
                                + parts[2]
                                + "'; jobs are kept until 500 newer ones have finished or the service restarts; GET /jobs lists"
                                + " them"));
        send(exchange, 200, job.toMap());
      }
      case "health" -> {
        allow(exchange, "GET");
        exact(parts, 2, path);
        boolean up = !orchestrator.stopping();
        send(exchange, up ? 200 : 503, Map.of("status", up ? "up" : "stopping"));
      }
      case "ready" -> {
        allow(exchange, "GET");
        exact(parts, 2, path);
        boolean ready = !orchestrator.stopping() && orchestrator.leader();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ready", ready);
        body.put("leader", orchestrator.leader());
        if (!ready) {
          body.put(
              "reason",
              orchestrator.stopping()
                  ? "shutting down"
                  : "standing by: another instance holds a repository lease (or it cannot be read)");
        }
        send(exchange, ready ? 200 : 503, body);
      }
      case "metrics" -> {
        allow(exchange, "GET");
        exact(parts, 2, path);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        orchestrator.metrics().write(out);
        exchange.getResponseHeaders().set("Content-Type", orchestrator.metrics().contentType());
        byte[] bytes = out.toByteArray();
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
      }
      default ->
          throw new HttpError(
              404,
              "serve: no such endpoint "
                  + path
                  + "; the API has POST /verify/{source},"
                  + " POST /backup/{source}, GET /status, GET /jobs/{id}, GET /health, GET /ready, GET /metrics");
    }
  }

  private Map<String, String> verifyOptions(SourceConfig config, String levelText)
      throws HttpError {
    VerificationLevel level;
    if (levelText == null) {
      level = config.verify().map(Check::level).orElse(VerificationLevel.DECODE);
    } else {
      try {
        level = VerificationLevel.of(levelText);
      } catch (IllegalArgumentException e) {
        throw new HttpError(
            400,
            "serve: level '"
                + levelText
                + "' is not a verification level; use one of"
                + " stored, decode, native, restore");
      }
    }
    Map<String, String> options = new LinkedHashMap<>();
    // A restore test restores where the configured one does: its scratch target is in its options.
    Optional<Check> configured =
        level == VerificationLevel.RESTORE ? config.restoreTest() : config.verify();
    configured.ifPresent(c -> options.putAll(c.options()));
    options.put("level", level.id());
    return options;
  }

  private void submit(
      HttpExchange exchange,
      Kind kind,
      SourceConfig config,
      Map<String, String> options,
      boolean async)
      throws IOException, HttpError {
    if (!orchestrator.leader()) {
      throw new HttpError(
          503,
          "serve: this instance stands by (another one holds the repository lease);"
              + " send the request to the active one, see GET /ready");
    }
    Job job;
    try {
      job = orchestrator.enqueue(kind, config.name(), "api", options);
    } catch (IllegalStateException e) {
      throw new HttpError(503, e.getMessage());
    }
    if (async) {
      exchange.getResponseHeaders().set("Location", "/jobs/" + job.id());
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("ok", true);
      body.put("job", job.id());
      body.put("location", "/jobs/" + job.id());
      body.put("state", job.toMap().get("state"));
      send(exchange, 202, body);
      return;
    }
    Duration limit =
        config
            .timeout()
            .multipliedBy(1L + config.retries())
            .plus(config.retryBackoff().multipliedBy(1L << Math.min(config.retries(), 20)))
            .plusMinutes(1);
    try {
      if (!job.await(limit.toMillis())) {
        throw new HttpError(
            504, "serve: job " + job.id() + " is still running; GET /jobs/" + job.id());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HttpError(503, "serve: shutting down; job " + job.id() + " may not have finished");
    }
    Map<String, Object> body = new LinkedHashMap<>();
    boolean ok = job.state() == Job.State.SUCCEEDED;
    body.put("ok", ok);
    if (!ok) {
      body.put("error", job.error());
    }
    body.put("job", job.toMap());
    // A damaged backup is a verification result: 422; a job that could not run at all: 500.
    boolean damaged = job.result() != null && Boolean.FALSE.equals(job.result().get("passed"));
    send(exchange, ok ? 200 : damaged ? 422 : 500, body);
  }

  private void authorize(HttpExchange exchange) throws HttpError {
    if (token.isEmpty()) {
      return;
    }
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    if (header == null || header.isBlank()) {
      throw new HttpError(
          401,
          "serve: this request changes state and needs an Authorization: Bearer <token>"
              + " header (the token is in the server's token-file)");
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new HttpError(401, "serve: the Authorization header must be 'Bearer <token>'");
    }
    byte[] given = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(given, token.get())) {
      throw new HttpError(403, "serve: the bearer token is wrong");
    }
  }

  private static void allow(HttpExchange exchange, String method) throws HttpError {
    if (!exchange.getRequestMethod().equalsIgnoreCase(method)) {
      exchange.getResponseHeaders().set("Allow", method);
      throw new HttpError(
          405,
          "serve: "
              + exchange.getRequestURI().getPath()
              + " takes "
              + method
              + ", not "
              + exchange.getRequestMethod());
    }
  }

  private static void exact(String[] parts, int length, String path) throws HttpError {
    if (parts.length != length) {
      throw new HttpError(404, "serve: no such endpoint " + path);
    }
  }

  private static boolean async(Map<String, String> query) throws HttpError {
    String value = query.get("async");
    if (value == null || value.equals("false")) {
      return false;
    }
    if (value.equals("true") || value.isEmpty()) {
      return true;
    }
    throw new HttpError(400, "serve: async must be true or false, not '" + value + "'");
  }

  private static void checkParameters(Map<String, String> query, Set<String> known)
      throws HttpError {
    for (String name : query.keySet()) {
      if (!known.contains(name)) {
        throw new HttpError(
            400,
            "serve: unknown query parameter '"
                + name
                + "'; this endpoint takes "
                + String.join(", ", known.stream().sorted().toList()));
      }
    }
  }

  private static Map<String, String> query(String raw) throws HttpError {
    Map<String, String> query = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return query;
    }
    for (String pair : raw.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name =
          URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value =
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      if (query.put(name, value) != null) {
        throw new HttpError(400, "serve: query parameter '" + name + "' is given twice");
      }
    }
    return query;
  }

  private String sources() {
    return String.join(
        ", ", orchestrator.config().sources().stream().map(SourceConfig::name).toList());
  }

  private static Map<String, Object> error(String message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ok", false);
    body.put("error", message);
    return body;
  }

  private static void send(HttpExchange exchange, int status, Object body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void drain(InputStream in) throws IOException {
    byte[] buffer = new byte[8192];
    long total = 0;
    int n;
    while ((n = in.read(buffer)) >= 0 && total < (1 << 20)) {
      total += n;
    }
  }

  /** Stops answering; requests in progress get a second to finish. */
  @Override
  public void close() {
    server.stop(1);
    threads.shutdownNow();
  }
}
