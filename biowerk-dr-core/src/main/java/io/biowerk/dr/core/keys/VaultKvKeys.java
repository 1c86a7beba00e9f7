package io.biowerk.dr.core.keys;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyServiceException;
import io.biowerk.dr.core.MasterKey;
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
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Master keys stored in HashiCorp Vault's KV version 2 engine: one secret ({@code GET
 * /v1/<mount>/data/<path>}) whose fields are key ids with the base64 of a 32-byte key as value,
 * plus an optional {@code active} field naming the key new backups use. The keys are read with the
 * token into memory when first needed and never written to disk; unlike {@link VaultTransitKeys}
 * the key bytes do leave Vault (into this process), so backups are wrapped exactly as with a key
 * file ({@code aes256gcm-hkdf}) and a key file holding the same key opens them too.
 *
 * <p>Settings: {@value VaultTransitKeys#ADDR} (else {@code VAULT_ADDR}), the token as for Transit
 * ({@value VaultTransitKeys#TOKEN_FILE}, mode 0600, or {@value VaultTransitKeys#TOKEN} or {@code
 * VAULT_TOKEN}), {@value VaultTransitKeys#NAMESPACE}, {@value #MOUNT} (default {@code secret}),
 * {@value #PATH} (required, e.g. {@code biowerk-dr/master-keys}), {@value VaultTransitKeys#KEY}
 * (the active key id, else the secret's {@code active} field). The token needs {@code read} on
 * {@code <mount>/data/<path>}.
 *
 * <p>Thread-safe. No key, token or field value appears in a message or {@link #toString()}.
 */
public final class VaultKvKeys implements KeyProvider {

  /** The service id. */
  public static final String TYPE = "vault-kv";

  /** Setting: the KV v2 engine's mount path. */
  public static final String MOUNT = "BIOWERK_DR_VAULT_KV_MOUNT";

  /** Setting: the path of the secret holding the master keys. */
  public static final String PATH = "BIOWERK_DR_VAULT_KV_PATH";

  /** The secret's field naming the active key. */
  public static final String ACTIVE_FIELD = "active";

  private final HttpClient http;
  private final URI address;
  private final String token;
  private final String namespace;
  private final String mount;
  private final String path;
  private final String activeSetting;
  private Map<String, MasterKey> keys;
  private String active;

  private VaultKvKeys(
      URI address,
      String token,
      String namespace,
      String mount,
      String path,
      String activeSetting) {
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    this.address = address;
    this.token = token;
    this.namespace = namespace;
    this.mount = mount;
    this.path = path;
    this.activeSetting = activeSetting;
  }

  /**
   * A provider reading the secret named by {@code settings}; nothing is sent until a key is used.
   *
   * @throws KeyServiceException if the address, token or path is missing or invalid
   */
  public static VaultKvKeys open(Function<String, String> settings) throws IOException {
    requireNonNull(settings, "settings");
    String addr = ServiceSettings.get(settings, VaultTransitKeys.ADDR);
    if (addr == null) {
      addr = ServiceSettings.get(settings, "VAULT_ADDR");
    }
    if (addr == null) {
      throw new KeyServiceException(
          "vault-kv: no Vault address is set; set "
              + VaultTransitKeys.ADDR
              + " (or VAULT_ADDR), e.g. https://vault.example.com:8200",
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
          "vault-kv: " + VaultTransitKeys.ADDR + " (" + addr + ") is not an http(s) address", TYPE);
    }
    String token;
    String tokenFile = ServiceSettings.get(settings, VaultTransitKeys.TOKEN_FILE);
    if (tokenFile != null) {
      Path file = Path.of(tokenFile);
      PrivateFiles.checkPrivate(
          file, "vault-kv: the token file named by " + VaultTransitKeys.TOKEN_FILE, "token");
      token = Files.readString(file, StandardCharsets.UTF_8).strip();
    } else {
      token = ServiceSettings.get(settings, VaultTransitKeys.TOKEN);
      if (token == null) {
        token = ServiceSettings.get(settings, "VAULT_TOKEN");
      }
    }
    if (token == null || token.isEmpty()) {
      throw new KeyServiceException(
          "vault-kv: no Vault token is set; put one in a file of mode 0600 named by "
              + VaultTransitKeys.TOKEN_FILE
              + " (or set "
              + VaultTransitKeys.TOKEN
              + " or VAULT_TOKEN)",
          TYPE);
    }
    String path = ServiceSettings.get(settings, PATH);
    if (path == null || path.startsWith("/") || path.contains("..")) {
      throw new KeyServiceException(
          "vault-kv: "
              + PATH
              + (path == null ? " is not set" : " (" + path + ") is not a relative secret path")
              + "; set it to the KV v2 secret holding the master keys, e.g."
              + " biowerk-dr/master-keys",
          TYPE);
    }
    String mount = Optional.ofNullable(ServiceSettings.get(settings, MOUNT)).orElse("secret");
    String active = ServiceSettings.get(settings, VaultTransitKeys.KEY);
    if (active != null) {
      MasterKey.checkId(active);
    }
    return new VaultKvKeys(
        address,
        token,
        ServiceSettings.get(settings, VaultTransitKeys.NAMESPACE),
        mount,
        path,
        active);
  }

  @Override
  public Optional<MasterKey> key(String id) throws IOException {
    return Optional.ofNullable(load().get(id));
  }

  @Override
  public Optional<String> activeKeyId() throws IOException {
    load();
    return Optional.ofNullable(active);
  }

  @Override
  public Set<String> keyIds() throws IOException {
    return new TreeSet<>(load().keySet());
  }

  @Override
  public String toString() {
    return "VaultKvKeys[" + address + ", " + mount + "/data/" + path + "]";
  }

  /** Reads the secret once; later calls use what was read. */
  private synchronized Map<String, MasterKey> load() throws IOException {
    if (keys != null) {
      return keys;
    }
    String where = mount + "/data/" + path;
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(address + "/v1/" + where))
            .timeout(Duration.ofSeconds(30))
            .header("X-Vault-Token", token)
            .GET();
    if (namespace != null) {
      request.header("X-Vault-Namespace", namespace);
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new KeyServiceException(
          "vault-kv: cannot reach Vault at "
              + address
              + " for GET "
              + where
              + " ("
              + e.getClass().getSimpleName()
              + "); check "
              + VaultTransitKeys.ADDR
              + " and that Vault is up and unsealed",
          TYPE,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("vault-kv: interrupted reading " + where);
    }
    if (response.statusCode() != 200) {
      String advice =
          switch (response.statusCode()) {
            case 403 ->
                "the token lacks the 'read' capability on "
                    + where
                    + " (or has expired); grant it in the token's policy or set a valid token";
            case 404 ->
                "no secret there (or "
                    + mount
                    + " is not a KV v2 mount); store the keys with `vault kv put -mount="
                    + mount
                    + " "
                    + path
                    + " <key-id>=<base64 of 32 random bytes> active=<key-id>` or correct "
                    + MOUNT
                    + " and "
                    + PATH;
            case 503 ->
                "Vault is sealed or in standby; unseal it or point "
                    + VaultTransitKeys.ADDR
                    + " at the leader";
            default -> "see Vault's server log";
          };
      throw new KeyServiceException(
          "vault-kv: Vault at "
              + address
              + " refused GET "
              + where
              + " (HTTP "
              + response.statusCode()
              + "): "
              + advice,
          TYPE);
    }
    JsonNode data = Json.read(response.body()).path("data").path("data");
    if (!data.isObject()) {
      throw new KeyServiceException(
          "vault-kv: the answer for "
              + where
              + " has no data.data object; is "
              + mount
              + " a KV version 2 mount? (version 1 is not supported)",
          TYPE);
    }
    Map<String, MasterKey> read = new TreeMap<>();
    String activeField = null;
    for (Map.Entry<String, JsonNode> field : data.properties()) {
      if (field.getKey().equals(ACTIVE_FIELD)) {
        activeField = field.getValue().asText(null);
        continue;
      }
      byte[] material;
      try {
        MasterKey.checkId(field.getKey());
        material = Base64.getDecoder().decode(field.getValue().asText(""));
      } catch (IllegalArgumentException e) {
        material = new byte[0];
      }
      if (material.length != MasterKey.LENGTH) {
        Arrays.fill(material, (byte) 0);
        throw new KeyServiceException(
            "vault-kv: field '"
                + field.getKey()
                + "' of "
                + where
                + " is not a key id with the base64 of a "
                + MasterKey.LENGTH
                + "-byte key as value; correct it (the value is not shown)",
            TYPE);
      }
      read.put(field.getKey(), new MasterKey(field.getKey(), material));
      Arrays.fill(material, (byte) 0);
    }
    String chosen = activeSetting != null ? activeSetting : activeField;
    if (chosen != null && !read.containsKey(chosen)) {
      throw new KeyServiceException(
          "vault-kv: the active key '"
              + chosen
              + "' (from "
              + (activeSetting != null ? VaultTransitKeys.KEY : "the secret's active field")
              + ") is not among the keys of "
              + where
              + " "
              + read.keySet()
              + "; add it or correct the setting",
          TYPE);
    }
    if (chosen == null && read.size() == 1) {
      chosen = read.keySet().iterator().next();
    }
    this.active = chosen;
    this.keys = Map.copyOf(read);
    return keys;
  }
}
