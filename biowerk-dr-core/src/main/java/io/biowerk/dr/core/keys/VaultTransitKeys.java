package io.biowerk.dr.core.keys;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyServiceException;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.WrappingKey;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.internal.Json;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
public final class VaultTransitKeys implements KeyProvider, ServiceRotation {

  /** The stanza type and the service id. */
  public static final String TYPE = "vault-transit";

  /** Setting: Vault's address, e.g. {@code https://vault.example.com:8200}. */
  public static final String ADDR = VaultConnection.ADDR;

  /** Setting: the Vault token. */
  public static final String TOKEN = VaultConnection.TOKEN;

  /** Setting: a private file holding the Vault token. */
  public static final String TOKEN_FILE = VaultConnection.TOKEN_FILE;

  /** Setting: the Transit engine's mount path. */
  public static final String MOUNT = "BIOWERK_DR_VAULT_TRANSIT_MOUNT";

  /** Setting: the Vault namespace. */
  public static final String NAMESPACE = VaultConnection.NAMESPACE;

  /** Setting: the Transit key new backups are wrapped to. */
  public static final String KEY = "BIOWERK_DR_VAULT_KEY";

  private final VaultConnection vault;
  private final String mount;
  private final String active;

  private VaultTransitKeys(VaultConnection vault, String mount, String active) {
    this.vault = vault;
    this.mount = mount;
    this.active = active;
  }

  /**
   * A provider talking to the Vault named by {@code settings}; nothing is sent until a key is used.
   *
   * @throws KeyServiceException if the address or token is missing or invalid
   */
  public static VaultTransitKeys open(Function<String, String> settings) throws IOException {
    requireNonNull(settings, "settings");
    VaultConnection vault = VaultConnection.open(settings, TYPE);
    String mount = Optional.ofNullable(ServiceSettings.get(settings, MOUNT)).orElse("transit");
    String active = ServiceSettings.get(settings, KEY);
    if (active != null) {
      MasterKey.checkId(active);
    }
    return new VaultTransitKeys(vault, mount, active);
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
    HttpResponse<String> response = vault.send("LIST", mount + "/keys", null);
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
  public String activeKeySetting() {
    return KEY;
  }

  /**
   * Creates Transit key {@code id} ({@code POST /v1/<mount>/keys/<id>}, type {@code aes256-gcm96},
   * not exportable); when the token may not create keys, the {@code vault} command that does.
   */
  @Override
  public Optional<String> createKey(String id) throws IOException {
    MasterKey.checkId(id);
    String path = mount + "/keys/" + id;
    ObjectNode body = Json.object();
    body.put("type", "aes256-gcm96");
    HttpResponse<String> response = vault.send("POST", path, body);
    if (response.statusCode() == 200 || response.statusCode() == 204) {
      return Optional.empty();
    }
    if (response.statusCode() == 403) {
      return Optional.of(
          "the Vault token may not create Transit keys (HTTP 403 on POST "
              + path
              + "); create the key with `vault write -f "
              + path
              + "` (or grant the token 'create' and 'update' on "
              + path
              + ") and set "
              + KEY
              + "="
              + id);
    }
    throw refused("POST", path, response, "create");
  }

  /**
   * The {@code vault} commands that delete Transit key {@code id}: Vault refuses to delete a
   * Transit key until its configuration allows it, and deleting it destroys every version for good,
   * so that step stays the operator's.
   */
  @Override
  public Optional<String> removeKey(String id) {
    MasterKey.checkId(id);
    return Optional.of(
        "delete the Transit key once no copy of any repository needs it (it cannot be undone):"
            + " `vault write "
            + mount
            + "/keys/"
            + id
            + "/config deletion_allowed=true` then `vault delete "
            + mount
            + "/keys/"
            + id
            + "`; revoke the Vault tokens that could use it (`vault token revoke ...`)");
  }

  @Override
  public Optional<WrappingKey> wrappingKey(String id) {
    MasterKey.checkId(id);
    return Optional.of(new TransitKey(id));
  }

  @Override
  public String toString() {
    return "VaultTransitKeys[" + vault + ", mount " + mount + ", active " + active + "]";
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
      HttpResponse<String> response = vault.send("POST", path, body);
      if (response.statusCode() != 200) {
        throw refused("POST", path, response, "update");
      }
      String ciphertext = Json.read(response.body()).path("data").path("ciphertext").asText("");
      if (!ciphertext.startsWith("vault:")) {
        throw new KeyServiceException(
            "vault-transit: Vault at "
                + vault.address()
                + " answered POST "
                + path
                + " without a ciphertext; is "
                + mount
                + " a Transit mount?",
            TYPE);
      }
      return ServiceStanzas.of(TYPE, ciphertext.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public byte[] unwrap(String stanza) throws IOException {
      String ciphertext =
          new String(
              ServiceStanzas.body(
                  TYPE,
                  id,
                  stanza,
                  "the base64 of a vault:v<n>: ciphertext",
                  bytes ->
                      new String(bytes, StandardCharsets.UTF_8)
                          .matches("vault:v[0-9]+:[A-Za-z0-9+/=]+")),
              StandardCharsets.UTF_8);
      ObjectNode body = Json.object();
      body.put("ciphertext", ciphertext);
      String path = mount + "/decrypt/" + id;
      HttpResponse<String> response = vault.send("POST", path, body);
      if (response.statusCode() == 400) {
        throw new WrongKeyException(
            "vault-transit: Vault at "
                + vault.address()
                + " could not decrypt the wrapped data key for '"
                + id
                + "' with Transit key "
                + mount
                + "/"
                + id
                + " ("
                + VaultConnection.errors(response)
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
      ServiceStanzas.checkDataKey(TYPE, "Vault", id, dataKey);
      return dataKey;
    }

    @Override
    public String toString() {
      return "vault-transit key " + mount + "/" + id;
    }
  }

  private KeyServiceException refused(
      String method, String path, HttpResponse<String> response, String capability) {
    return vault.refused(
        method,
        path,
        response,
        capability,
        "no such Transit key or mount; create the key with `vault write -f "
            + mount
            + "/keys/<name>` or correct "
            + MOUNT
            + " and "
            + KEY);
  }
}
