package io.biowerk.dr.keys.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A <b>stub</b> of AWS KMS, not KMS: a loopback HTTP server that speaks the KMS JSON protocol (POST
 * {@code /}, {@code X-Amz-Target: TrentService.Encrypt} / {@code TrentService.Decrypt}, {@code
 * application/x-amz-json-1.1}, errors as {@code {"__type": ..., "message": ...}} with HTTP 400) for
 * request-level tests of {@link AwsKmsKeys}. It checks that a SigV4 {@code Authorization} header
 * for service {@code kms} is present but does not verify the signature; it encrypts with AES-GCM
 * under a per-key secret, binding the encryption context as associated data, so a blob opens only
 * with its key and context, like KMS. Refusals (access denied, throttling, ...) are set per
 * operation with {@link #fail}. {@code AwsKmsMotoIT} runs the same provider against moto's KMS
 * server, and {@code AwsKmsLiveTest} against the real service.
 */
final class StubKms implements AutoCloseable {

  /** One request as received. */
  record Request(String target, String authorization, String contentType, JsonNode body) {}

  /** A refusal the stub answers an operation with. */
  record Failure(int status, String type, String message) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, SecretKey> keys = new ConcurrentHashMap<>();
  private final Map<String, String> aliases = new ConcurrentHashMap<>();
  private final Map<String, Boolean> disabled = new ConcurrentHashMap<>();
  private final Map<String, Failure> failures = new ConcurrentHashMap<>();
  private final HttpServer server;

  StubKms() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The endpoint URL. */
  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Makes a key and returns its id (a UUID, as KMS's). */
  String createKey() {
    String id = UUID.randomUUID().toString();
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    keys.put(id, new SecretKeySpec(secret, "AES"));
    return id;
  }

  /** Points {@code alias/<name>} at {@code keyId}. */
  void alias(String name, String keyId) {
    aliases.put("alias/" + name, keyId);
  }

  /** Disables or enables a key. */
  void disable(String keyId, boolean off) {
    disabled.put(keyId, off);
  }

  /** Answers every later request for {@code operation} ({@code Encrypt}, ...) with a refusal. */
  void fail(String operation, int status, String type, String message) {
    failures.put(operation, new Failure(status, type, message));
  }

  /** Lifts the refusals. */
  void clearFailures() {
    failures.clear();
  }

  /** The requests for {@code operation}. */
  List<Request> requests(String operation) {
    synchronized (requests) {
      return requests.stream()
          .filter(r -> ("TrentService." + operation).equals(r.target()))
          .toList();
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      String authorization = exchange.getRequestHeaders().getFirst("Authorization");
      requests.add(
          new Request(
              target, authorization, exchange.getRequestHeaders().getFirst("Content-Type"), body));
      if (authorization == null || !authorization.contains("/kms/aws4_request")) {
        send(exchange, 400, error("MissingAuthenticationTokenException", "no SigV4 signature"));
        return;
      }
      String operation =
          target == null ? "" : target.substring(target.indexOf('.') + 1); // TrentService.X
      Failure failure = failures.get(operation);
      if (failure != null) {
        send(exchange, failure.status(), error(failure.type(), failure.message()));
        return;
      }
      switch (operation) {
        case "Encrypt" -> encrypt(exchange, body);
        case "Decrypt" -> decrypt(exchange, body);
        default ->
            send(exchange, 400, error("UnknownOperationException", "not stubbed: " + target));
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      send(exchange, 500, error("KMSInternalException", e.toString()));
    }
  }

  private String resolve(String keyId) {
    if (keyId == null) {
      return null;
    }
    String id = keyId;
    int slash = id.indexOf(":key/");
    if (id.startsWith("arn:") && slash >= 0) {
      id = id.substring(slash + 5);
    } else if (id.startsWith("arn:") && id.contains(":alias/")) {
      id = id.substring(id.indexOf(":alias/") + 1);
    }
    return id.startsWith("alias/") ? aliases.get(id) : keys.containsKey(id) ? id : null;
  }

  private boolean usable(HttpExchange exchange, String keyId, String resolved) throws IOException {
    if (resolved == null) {
      send(exchange, 400, error("NotFoundException", "Key '" + keyId + "' does not exist"));
      return false;
    }
    if (disabled.getOrDefault(resolved, false)) {
      send(exchange, 400, error("DisabledException", resolved + " is disabled."));
      return false;
    }
    return true;
  }

  private void encrypt(HttpExchange exchange, JsonNode body)
      throws IOException, GeneralSecurityException {
    String keyId = body.path("KeyId").asText(null);
    String resolved = resolve(keyId);
    if (!usable(exchange, keyId, resolved)) {
      return;
    }
    byte[] plaintext = Base64.getDecoder().decode(body.path("Plaintext").asText());
    byte[] iv = new byte[12];
    RANDOM.nextBytes(iv);
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(Cipher.ENCRYPT_MODE, keys.get(resolved), new GCMParameterSpec(128, iv));
    cipher.updateAAD(context(body));
    byte[] sealed = cipher.doFinal(plaintext);
    byte[] id = resolved.getBytes(StandardCharsets.US_ASCII);
    ByteBuffer blob = ByteBuffer.allocate(1 + id.length + iv.length + sealed.length);
    blob.put((byte) id.length).put(id).put(iv).put(sealed);
    ObjectNode answer = JSON.createObjectNode();
    answer.put("CiphertextBlob", Base64.getEncoder().encodeToString(blob.array()));
    answer.put("KeyId", "arn:aws:kms:eu-central-1:111122223333:key/" + resolved);
    answer.put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
    send(exchange, 200, answer);
  }

  private void decrypt(HttpExchange exchange, JsonNode body)
      throws IOException, GeneralSecurityException {
    byte[] blob = Base64.getDecoder().decode(body.path("CiphertextBlob").asText());
    ByteBuffer in = ByteBuffer.wrap(blob);
    String owner;
    byte[] iv = new byte[12];
    byte[] sealed;
    try {
      byte[] id = new byte[in.get() & 0xff];
      in.get(id).get(iv);
      owner = new String(id, StandardCharsets.US_ASCII);
      sealed = new byte[in.remaining()];
      in.get(sealed);
    } catch (RuntimeException e) {
      send(exchange, 400, error("InvalidCiphertextException", null));
      return;
    }
    if (!keys.containsKey(owner)) {
      send(exchange, 400, error("InvalidCiphertextException", null));
      return;
    }
    String keyId = body.path("KeyId").asText(null);
    if (keyId != null) {
      String resolved = resolve(keyId);
      if (!usable(exchange, keyId, resolved)) {
        return;
      }
      if (!resolved.equals(owner)) {
        send(
            exchange,
            400,
            error(
                "IncorrectKeyException",
                "The key ID in the request does not identify a KMS key that can perform this"
                    + " operation."));
        return;
      }
    }
    if (!usable(exchange, owner, owner)) {
      return;
    }
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(Cipher.DECRYPT_MODE, keys.get(owner), new GCMParameterSpec(128, iv));
    cipher.updateAAD(context(body));
    byte[] plaintext;
    try {
      plaintext = cipher.doFinal(sealed);
    } catch (GeneralSecurityException e) {
      send(exchange, 400, error("InvalidCiphertextException", null));
      return;
    }
    ObjectNode answer = JSON.createObjectNode();
    answer.put("Plaintext", Base64.getEncoder().encodeToString(plaintext));
    answer.put("KeyId", "arn:aws:kms:eu-central-1:111122223333:key/" + owner);
    answer.put("EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
    send(exchange, 200, answer);
  }

  /** The encryption context in a canonical (sorted) form, as associated data. */
  private static byte[] context(JsonNode body) throws IOException {
    Map<String, String> context = new TreeMap<>();
    for (Map.Entry<String, JsonNode> e : body.path("EncryptionContext").properties()) {
      context.put(e.getKey(), e.getValue().asText());
    }
    return JSON.writeValueAsBytes(context);
  }

  private static ObjectNode error(String type, String message) {
    ObjectNode error = JSON.createObjectNode();
    error.put("__type", type);
    if (message != null) {
      error.put("message", message);
    }
    return error;
  }

  private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
    exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
