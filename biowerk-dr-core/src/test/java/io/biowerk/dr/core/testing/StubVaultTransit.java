package io.biowerk.dr.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.biowerk.dr.core.internal.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A stand-in for HashiCorp Vault's Transit engine, because no Vault server can run here: a local
 * HTTP server answering {@code POST /v1/<mount>/encrypt/<key>}, {@code decrypt/<key>}, {@code
 * keys/<key>} (create) and {@code LIST <mount>/keys} with Vault's request and response shapes
 * ({@code X-Vault-Token}, {@code {"data":{"ciphertext":"vault:v1:..."}}}, {@code {"errors":[...]}}
 * with 400/403/404), sealing with real AES-256-GCM under a per-key random key. It records every
 * request so tests can check what was sent. Not Vault: no policies beyond one token, no key
 * versions past v1.
 */
public final class StubVaultTransit implements AutoCloseable {

  /** One request as the stub received it. */
  public record Request(
      String method, String path, String token, String namespace, JsonNode body) {}

  /** Every request received, in order. */
  public final List<Request> requests = new CopyOnWriteArrayList<>();

  /** The Transit keys, by name. */
  public final Map<String, byte[]> keys = new ConcurrentHashMap<>();

  private final HttpServer server;
  private final String token;
  private volatile boolean listForbidden;
  private volatile boolean createForbidden;
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * Starts the stub on a free loopback port, accepting {@code token}, holding keys {@code
   * keyNames}.
   */
  public StubVaultTransit(String token, String... keyNames) throws IOException {
    this.token = token;
    for (String name : keyNames) {
      byte[] key = new byte[32];
      RANDOM.nextBytes(key);
      keys.put(name, key);
    }
    server =
        HttpServer.create(
            new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 0);
    server.createContext("/v1/", this::handle);
    server.start();
  }

  /** The base address, {@code http://127.0.0.1:<port>}. */
  public String address() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /**
   * From now on, {@code LIST transit/keys} is refused (403), as for a token without {@code list}.
   */
  public void forbidList() {
    listForbidden = true;
  }

  /** From now on, creating a key ({@code POST transit/keys/<name>}) is refused (403). */
  public void forbidCreate() {
    createForbidden = true;
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath().substring("/v1/".length());
    byte[] raw = exchange.getRequestBody().readAllBytes();
    JsonNode body = raw.length == 0 ? null : Json.read(raw);
    String given = exchange.getRequestHeaders().getFirst("X-Vault-Token");
    requests.add(
        new Request(
            exchange.getRequestMethod(),
            path,
            given,
            exchange.getRequestHeaders().getFirst("X-Vault-Namespace"),
            body));
    if (!token.equals(given)) {
      reply(exchange, 403, errors("permission denied"));
      return;
    }
    String[] parts = path.split("/", -1);
    try {
      if (exchange.getRequestMethod().equals("LIST") && path.equals("transit/keys")) {
        if (listForbidden) {
          reply(exchange, 403, errors("permission denied"));
          return;
        }
        ObjectNode data = Json.object();
        data.putArray("keys")
            .addAll(new ArrayList<>(keys.keySet().stream().sorted().map(Json::tree).toList()));
        ObjectNode answer = Json.object();
        answer.set("data", data);
        reply(exchange, 200, answer);
        return;
      }
      if (exchange.getRequestMethod().equals("POST")
          && parts.length == 3
          && parts[0].equals("transit")
          && parts[1].equals("keys")) {
        if (createForbidden) {
          reply(exchange, 403, errors("permission denied"));
          return;
        }
        // Vault creates the key if it is new and leaves an existing one as it is.
        keys.computeIfAbsent(
            parts[2],
            name -> {
              byte[] key = new byte[32];
              RANDOM.nextBytes(key);
              return key;
            });
        exchange.sendResponseHeaders(204, -1);
        exchange.close();
        return;
      }
      if (parts.length != 3
          || !parts[0].equals("transit")
          || !exchange.getRequestMethod().equals("POST")) {
        reply(exchange, 404, errors("no handler for route \"" + path + "\""));
        return;
      }
      byte[] key = keys.get(parts[2]);
      if (key == null) {
        reply(exchange, 400, errors("encryption key not found"));
        return;
      }
      ObjectNode data = Json.object();
      if (parts[1].equals("encrypt")) {
        byte[] plain = Base64.getDecoder().decode(body.path("plaintext").asText());
        byte[] nonce = new byte[12];
        RANDOM.nextBytes(nonce);
        byte[] sealed = gcm(Cipher.ENCRYPT_MODE, key, nonce, plain);
        byte[] both = Arrays.copyOf(nonce, 12 + sealed.length);
        System.arraycopy(sealed, 0, both, 12, sealed.length);
        data.put("ciphertext", "vault:v1:" + Base64.getEncoder().encodeToString(both));
      } else if (parts[1].equals("decrypt")) {
        String ciphertext = body.path("ciphertext").asText();
        byte[] both = Base64.getDecoder().decode(ciphertext.substring("vault:v1:".length()));
        try {
          byte[] plain =
              gcm(
                  Cipher.DECRYPT_MODE,
                  key,
                  Arrays.copyOf(both, 12),
                  Arrays.copyOfRange(both, 12, both.length));
          data.put("plaintext", Base64.getEncoder().encodeToString(plain));
        } catch (GeneralSecurityException e) {
          reply(exchange, 400, errors("cipher: message authentication failed"));
          return;
        }
      } else {
        reply(exchange, 404, errors("no handler for route \"" + path + "\""));
        return;
      }
      ObjectNode answer = Json.object();
      answer.set("data", data);
      reply(exchange, 200, answer);
    } catch (GeneralSecurityException | RuntimeException e) {
      reply(exchange, 500, errors("stub: " + e));
    }
  }

  private static byte[] gcm(int mode, byte[] key, byte[] nonce, byte[] input)
      throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
    return cipher.doFinal(input);
  }

  private static ObjectNode errors(String message) {
    ObjectNode node = Json.object();
    node.putArray("errors").add(message);
    return node;
  }

  private static void reply(HttpExchange exchange, int status, ObjectNode body) throws IOException {
    byte[] bytes = Json.compact(body);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  /** The JSON body of the last request, or empty. */
  public String lastBody() {
    JsonNode body = requests.get(requests.size() - 1).body();
    return body == null
        ? ""
        : new String(body.toString().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
