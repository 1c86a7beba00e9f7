package io.biowerk.dr.core.keys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.biowerk.dr.core.KeyServiceException;
import io.biowerk.dr.core.internal.Json;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/**
 * How the two Vault providers ({@link VaultTransitKeys}, {@link VaultKvKeys}) reach Vault: the
 * address, token and namespace read from their shared settings, and the requests sent with them.
 * Every message starts with the provider's component ({@code vault-transit:} or {@code vault-kv:}).
 *
 * <p>Thread-safe. The token is sent only in the {@code X-Vault-Token} header and appears in no
 * message and no {@link #toString()}.
 */
final class VaultConnection {

  /** Setting: Vault's address, e.g. {@code https://vault.example.com:8200}. */
  static final String ADDR = "BIOWERK_DR_VAULT_ADDR";

  /** Setting: the Vault token. */
  static final String TOKEN = "BIOWERK_DR_VAULT_TOKEN";

  /** Setting: a private file holding the Vault token. */
  static final String TOKEN_FILE = "BIOWERK_DR_VAULT_TOKEN_FILE";

  /** Setting: the Vault namespace (Vault Enterprise). */
  static final String NAMESPACE = "BIOWERK_DR_VAULT_NAMESPACE";

  private final String component;
  private final HttpClient http;
  private final URI address;
  private final String token;
  private final String namespace;

  private VaultConnection(String component, URI address, String token, String namespace) {
    this.component = component;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    this.address = address;
    this.token = token;
    this.namespace = namespace;
  }

  /**
   * Reads the address ({@value #ADDR}, else {@code VAULT_ADDR}), the token ({@value #TOKEN_FILE}, a
   * file of mode 0600, else {@value #TOKEN}, else {@code VAULT_TOKEN}) and the namespace ({@value
   * #NAMESPACE}) from {@code settings}; {@code type} is the provider's id, which starts every
   * message and names the service in exceptions.
   *
   * @throws KeyServiceException if the address or token is missing or invalid
   * @throws IOException if the token file is not private or cannot be read
   */
  static VaultConnection open(Function<String, String> settings, String type) throws IOException {
    String addr = ServiceSettings.get(settings, ADDR);
    if (addr == null) {
      addr = ServiceSettings.get(settings, "VAULT_ADDR");
    }
    if (addr == null) {
      throw new KeyServiceException(
          type
              + ": no Vault address is set; set "
              + ADDR
              + " (or VAULT_ADDR), e.g. https://vault.example.com:8200",
          type);
    }
    URI address;
    try {
      address = URI.create(addr.endsWith("/") ? addr.substring(0, addr.length() - 1) : addr);
    } catch (IllegalArgumentException e) {
      address = null;
    }
    if (address == null
        || !("https".equals(address.getScheme()) || "http".equals(address.getScheme()))) {
      throw new KeyServiceException(
          type + ": " + ADDR + " (" + addr + ") is not an http(s) address; correct it", type);
    }
    String token;
    String tokenFile = ServiceSettings.get(settings, TOKEN_FILE);
    if (tokenFile != null) {
      Path file = Path.of(tokenFile);
      PrivateFiles.checkPrivate(file, type + ": the token file named by " + TOKEN_FILE, "token");
      token = Files.readString(file, StandardCharsets.UTF_8).strip();
    } else {
      token = ServiceSettings.get(settings, TOKEN);
      if (token == null) {
        token = ServiceSettings.get(settings, "VAULT_TOKEN");
      }
    }
    if (token == null || token.isEmpty()) {
      throw new KeyServiceException(
          type
              + ": no Vault token is set; put one in a file of mode 0600 named by "
              + TOKEN_FILE
              + " (or set "
              + TOKEN
              + " or VAULT_TOKEN)",
          type);
    }
    return new VaultConnection(type, address, token, ServiceSettings.get(settings, NAMESPACE));
  }

  /** Vault's address, without a trailing slash (not secret). */
  URI address() {
    return address;
  }

  /**
   * Sends {@code method} to {@code /v1/<path>} with the token (and namespace), and the JSON {@code
   * body} if not null.
   *
   * @throws KeyServiceException if Vault cannot be reached
   * @throws InterruptedIOException if interrupted (the interrupt flag is set again)
   */
  HttpResponse<String> send(String method, String path, ObjectNode body) throws IOException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(address + "/v1/" + path))
            .timeout(Duration.ofSeconds(30))
            .header("X-Vault-Token", token)
            .header("Content-Type", "application/json");
    if (namespace != null) {
      request.header("X-Vault-Namespace", namespace);
    }
    request.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(Json.compact(body)));
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new KeyServiceException(
          component
              + ": cannot reach Vault at "
              + address
              + " for "
              + method
              + " "
              + path
              + " ("
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : ": " + e.getMessage())
              + "); check "
              + ADDR
              + " and that Vault is up and unsealed",
          component,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(component + ": interrupted during " + method + " " + path);
    }
  }

  /**
   * The refusal of {@code method path}: the status, Vault's error text and what to do: grant {@code
   * capability} (403), {@code notFound} (404, or a 400 saying "not found"), unseal (503).
   */
  KeyServiceException refused(
      String method,
      String path,
      HttpResponse<String> response,
      String capability,
      String notFound) {
    int status = response.statusCode();
    if (status == 400 && errors(response).contains("not found")) {
      status = 404; // Transit's answer to encrypt with a key that does not exist (no upsert)
    }
    String advice =
        switch (status) {
          case 403 ->
              "the token lacks the '"
                  + capability
                  + "' capability on "
                  + path
                  + " (or has expired); grant it in the token's policy or set a valid token";
          case 404 -> notFound;
          case 503 ->
              "Vault is sealed or in standby; unseal it or point " + ADDR + " at the leader";
          default -> "see Vault's server log";
        };
    return new KeyServiceException(
        component
            + ": Vault at "
            + address
            + " refused "
            + method
            + " "
            + path
            + " (HTTP "
            + response.statusCode()
            + " "
            + errors(response)
            + "): "
            + advice,
        component);
  }

  /** Vault's {@code errors} array, which names what failed and holds no secret. */
  static String errors(HttpResponse<String> response) {
    try {
      JsonNode errors = Json.read(response.body()).path("errors");
      if (errors.isArray() && errors.size() > 0) {
        StringBuilder text = new StringBuilder();
        for (JsonNode error : errors) {
          text.append(text.length() == 0 ? "" : "; ").append(error.asText());
        }
        String all = text.toString();
        return all.length() > 200 ? all.substring(0, 200) + "..." : all;
      }
    } catch (IOException | RuntimeException e) {
      // Not Vault's JSON: the status alone says enough.
    }
    return "no error text";
  }

  @Override
  public String toString() {
    return address.toString();
  }
}
