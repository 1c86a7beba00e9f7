package io.biowerk.dr.core.keys;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyServiceException;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.WrappingKey;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.codec.KeyWrap;
import io.biowerk.dr.core.internal.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Master keys in HashiCorp Vault's Transit secrets engine: each backup's data key is sent to {@code
 * POST /v1/<mount>/encrypt/<key>} and the ciphertext Vault returns ({@code vault:v<n>:...}) is the
 * stanza {@code vault-transit:<base64 of that ciphertext>}; restore sends it to {@code decrypt}.
 * The Transit key never leaves Vault, and Vault's key versions make rotation there transparent.
 *
 * <p>Settings: {@value #ADDR} (else {@code VAULT_ADDR}), {@value #TOKEN_FILE} (mode 0600) or
 * {@value #TOKEN} (else {@code VAULT_TOKEN}), {@value #MOUNT} (default {@code transit}), {@value
 * #NAMESPACE} (Vault Enterprise, optional), {@value #KEY} (the Transit key new backups wrap to).
 * The token needs {@code update} on {@code <mount>/encrypt/<key>} and {@code
 * <mount>/decrypt/<key>}, and {@code list} on {@code <mount>/keys} to restore backups wrapped to
 * keys other than the active one.
 *
 * <p>Thread-safe. The token is sent only in the {@code X-Vault-Token} header and appears in no
 * message and no {@link #toString()}; data keys appear in no message.
 */
public final class VaultTransitKeys implements KeyProvider {

  /** The stanza type and the service id. */
  public static final String TYPE = "vault-transit";

  /** Setting: Vault's address, e.g. {@code https://vault.example.com:8200}. */
  public static final String ADDR = "BIOWERK_DR_VAULT_ADDR";

  /** Setting: the Vault token. */
  public static final String TOKEN = "BIOWERK_DR_VAULT_TOKEN";

  /** Setting: a private file holding the Vault token. */
  public static final String TOKEN_FILE = "BIOWERK_DR_VAULT_TOKEN_FILE";

  /** Setting: the Transit engine's mount path. */
  public static final String MOUNT = "BIOWERK_DR_VAULT_TRANSIT_MOUNT";

  /** Setting: the Vault namespace. */
  public static final String NAMESPACE = "BIOWERK_DR_VAULT_NAMESPACE";

  /** Setting: the Transit key new backups are wrapped to. */
  public static final String KEY = "BIOWERK_DR_VAULT_KEY";

  private final HttpClient http;
  private final URI address;
  private final String token;
  private final String mount;
  private final String namespace;
  private final String active;

  private VaultTransitKeys(
      URI address, String token, String mount, String namespace, String active) {
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    this.address = address;
    this.token = token;
    this.mount = mount;
    this.namespace = namespace;
    this.active = active;
  }

  /**
   * A provider talking to the Vault named by {@code settings}; nothing is sent until a key is used.
   *
   * @throws KeyServiceException if the address or token is missing or invalid
   */
  public static VaultTransitKeys open(Function<String, String> settings) throws IOException {
    requireNonNull(settings, "settings");
    String addr = ServiceSettings.get(settings, ADDR);
    if (addr == null) {
      addr = ServiceSettings.get(settings, "VAULT_ADDR");
    }
    if (addr == null) {
      throw new KeyServiceException(
          "vault-transit: no Vault address is set; set "
              + ADDR
              + " (or VAULT_ADDR), e.g."
              + " https://vault.example.com:8200",
          TYPE);
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
          "vault-transit: " + ADDR + " (" + addr + ") is not an http(s) address; correct it", TYPE);
    }
    String token;
    String tokenFile = ServiceSettings.get(settings, TOKEN_FILE);
    if (tokenFile != null) {
      Path path = Path.of(tokenFile);
      PrivateFiles.checkPrivate(
          path, "vault-transit: the token file named by " + TOKEN_FILE, "token");
      token = Files.readString(path, StandardCharsets.UTF_8).strip();
    } else {
      token = ServiceSettings.get(settings, TOKEN);
      if (token == null) {
        token = ServiceSettings.get(settings, "VAULT_TOKEN");
      }
    }
    if (token == null || token.isEmpty()) {
      throw new KeyServiceException(
          "vault-transit: no Vault token is set; put one in a file of mode 0600 named by "
              + TOKEN_FILE
              + " (or set "
              + TOKEN
              + " or VAULT_TOKEN)",
          TYPE);
    }
    String mount = Optional.ofNullable(ServiceSettings.get(settings, MOUNT)).orElse("transit");
    String active = ServiceSettings.get(settings, KEY);
    if (active != null) {
      MasterKey.checkId(active);
    }
    return new VaultTransitKeys(
        address, token, mount, ServiceSettings.get(settings, NAMESPACE), active);
  }

  @Override
  public Optional<MasterKey> key(String id) {
    return Optional.empty(); // the key stays in Vault: see wrappingKey
  }

  @Override
  public Optional<String> activeKeyId() {
    return Optional.ofNullable(active);
  }

  /**
   * The Transit keys the token may list, plus the active one; only the active one when listing is
   * not permitted.
   */
  @Override
  public Set<String> keyIds() throws IOException {
    Set<String> ids = new TreeSet<>();
    if (active != null) {
      ids.add(active);
    }
    HttpResponse<String> response = send("LIST", mount + "/keys", null);
    if (response.statusCode() == 200) {
      for (JsonNode key : Json.read(response.body()).path("data").path("keys")) {
        ids.add(key.asText());
      }
    } else if (response.statusCode() != 403 && response.statusCode() != 404) {
      throw refused("LIST", mount + "/keys", response, "list");
    }
    return ids;
  }

  @Override
  public Optional<WrappingKey> wrappingKey(String id) {
    MasterKey.checkId(id);
    return Optional.of(new TransitKey(id));
  }

  @Override
  public String toString() {
    return "VaultTransitKeys[" + address + ", mount " + mount + ", active " + active + "]";
  }

  /** One Transit key. */
  private final class TransitKey implements WrappingKey {
    private final String id;

    TransitKey(String id) {
      this.id = id;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public String type() {
      return TYPE;
    }

    @Override
    public String wrap(byte[] dataKey) throws IOException {
      ObjectNode body = Json.object();
      body.put("plaintext", Base64.getEncoder().encodeToString(dataKey));
      String path = mount + "/encrypt/" + id;
      HttpResponse<String> response = send("POST", path, body);
      if (response.statusCode() != 200) {
        throw refused("POST", path, response, "update");
      }
      String ciphertext = Json.read(response.body()).path("data").path("ciphertext").asText("");
      if (!ciphertext.startsWith("vault:")) {
        throw new KeyServiceException(
            "vault-transit: Vault at "
                + address
                + " answered POST "
                + path
                + " without a ciphertext; is "
                + mount
                + " a Transit mount?",
            TYPE);
      }
      return TYPE
          + ":"
          + Base64.getEncoder().encodeToString(ciphertext.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public byte[] unwrap(String stanza) throws IOException {
      String ciphertext;
      try {
        ciphertext =
            KeyWrap.type(stanza).equals(TYPE)
                ? new String(
                    Base64.getDecoder().decode(stanza.substring(TYPE.length() + 1)),
                    StandardCharsets.UTF_8)
                : "";
      } catch (IllegalArgumentException e) {
        ciphertext = "";
      }
      if (!ciphertext.matches("vault:v[0-9]+:[A-Za-z0-9+/=]+")) {
        throw new IntegrityException(
            "vault-transit: the wrapped data key for '"
                + id
                + "' is malformed (expected '"
                + TYPE
                + ":' and the base64 of a vault:v<n>: ciphertext); the manifest is damaged:"
                + " restore it from another copy");
      }
      ObjectNode body = Json.object();
      body.put("ciphertext", ciphertext);
      String path = mount + "/decrypt/" + id;
      HttpResponse<String> response = send("POST", path, body);
      if (response.statusCode() == 400) {
        throw new WrongKeyException(
            "vault-transit: Vault at "
                + address
                + " could not decrypt the wrapped data key for '"
                + id
                + "' with Transit key "
                + mount
                + "/"
                + id
                + " ("
                + errors(response)
                + "): it was wrapped with another key of that name, or the manifest was damaged;"
                + " restore the manifest from another copy",
            id);
      }
      if (response.statusCode() != 200) {
        throw refused("POST", path, response, "update");
      }
      byte[] dataKey;
      try {
        dataKey =
            Base64.getDecoder()
                .decode(Json.read(response.body()).path("data").path("plaintext").asText(""));
      } catch (IllegalArgumentException e) {
        dataKey = new byte[0];
      }
      if (dataKey.length != KeyWrap.KEY_LENGTH) {
        Arrays.fill(dataKey, (byte) 0);
        throw new IntegrityException(
            "vault-transit: Vault decrypted the wrapped data key for '"
                + id
                + "' to "
                + dataKey.length
                + " bytes, not 32: the stanza was not written by BIOwerk DR");
      }
      return dataKey;
    }

    @Override
    public String toString() {
      return "vault-transit key " + mount + "/" + id;
    }
  }

  private HttpResponse<String> send(String method, String path, ObjectNode body)
      throws IOException {
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
          "vault-transit: cannot reach Vault at "
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
          TYPE,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("vault-transit: interrupted during " + path);
    }
  }

  private KeyServiceException refused(
      String method, String path, HttpResponse<String> response, String capability) {
    int status = response.statusCode();
    if (status == 400 && errors(response).contains("not found")) {
      status = 404; // Vault's answer to encrypt with a key that does not exist (no upsert)
    }
    String advice =
        switch (status) {
          case 403 ->
              "the token lacks the '"
                  + capability
                  + "' capability on "
                  + path
                  + " (or has expired); grant it in the token's policy or set a valid token";
          case 404 ->
              "no such Transit key or mount; create the key with `vault write -f "
                  + mount
                  + "/keys/<name>` or correct "
                  + MOUNT
                  + " and "
                  + KEY;
          case 503 ->
              "Vault is sealed or in standby; unseal it or point " + ADDR + " at the leader";
          default -> "see Vault's server log";
        };
    return new KeyServiceException(
        "vault-transit: Vault at "
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
        TYPE);
  }

  /** Vault's {@code errors} array, which names what failed and holds no secret. */
  private static String errors(HttpResponse<String> response) {
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
}
