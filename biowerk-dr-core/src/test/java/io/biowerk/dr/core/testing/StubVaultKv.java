package io.biowerk.dr.core.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.biowerk.dr.core.internal.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A <b>stub</b> of HashiCorp Vault's KV version 2 engine, because no Vault server can run here: a
 * local HTTP server answering {@code GET /v1/<mount>/data/<path>} with Vault's response shape
 * ({@code {"data":{"data":{...},"metadata":{...}}}}), checking {@code X-Vault-Token} (403 with
 * {@code {"errors":["permission denied"]}} otherwise) and answering 404 for unknown paths. It
 * records every request. Not Vault: one token, no policies, no versions.
 */
public final class StubVaultKv implements AutoCloseable {

  /** One request as the stub received it. */
  public record Request(String method, String path, String token, String namespace) {}

  /** Every request received, in order. */
  public final List<Request> requests = new CopyOnWriteArrayList<>();

  /** The secrets served, by {@code <mount>/data/<path>}: field to value. */
  public final Map<String, Map<String, String>> secrets = new ConcurrentHashMap<>();

  private final HttpServer server;
  private final String token;

  /** Starts the stub on a free loopback port, accepting {@code token} only. */
  public StubVaultKv(String token) throws IOException {
    this.token = token;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v1/", this::handle);
    server.start();
  }

  /** The base address, {@code http://127.0.0.1:<port>}. */
  public String address() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath().substring("/v1/".length());
    String given = exchange.getRequestHeaders().getFirst("X-Vault-Token");
    requests.add(
        new Request(
            exchange.getRequestMethod(),
            path,
            given,
            exchange.getRequestHeaders().getFirst("X-Vault-Namespace")));
    if (!token.equals(given)) {
      reply(exchange, 403, errors("permission denied"));
      return;
    }
    Map<String, String> secret = secrets.get(path);
    if (!exchange.getRequestMethod().equals("GET") || secret == null) {
      reply(exchange, 404, errors());
      return;
    }
    ObjectNode answer = Json.object();
    ObjectNode data = answer.putObject("data");
    ObjectNode fields = data.putObject("data");
    secret.forEach(fields::put);
    data.putObject("metadata").put("version", 1);
    reply(exchange, 200, answer);
  }

  private static ObjectNode errors(String... messages) {
    ObjectNode body = Json.object();
    var array = body.putArray("errors");
    for (String message : messages) {
      array.add(message);
    }
    return body;
  }

  private static void reply(HttpExchange exchange, int status, ObjectNode body) throws IOException {
    byte[] bytes = Json.compact(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (var out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
