package io.biowerk.dr.core.keys;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyServiceException;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.internal.Json;
import java.io.IOException;
import java.net.http.HttpResponse;
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
public final class VaultKvKeys implements KeyProvider, ServiceRotation {

  /** The service id. */
  public static final String TYPE = "vault-kv";

  /** Setting: the KV v2 engine's mount path. */
  public static final String MOUNT = "BIOWERK_DR_VAULT_KV_MOUNT";

  /** Setting: the path of the secret holding the master keys. */
  public static final String PATH = "BIOWERK_DR_VAULT_KV_PATH";

  /** The secret's field naming the active key. */
  public static final String ACTIVE_FIELD = "active";

  private final VaultConnection vault;
  private final String mount;
  private final String path;
  private final String activeSetting;
  private Map<String, MasterKey> keys;
  private String active;

  private VaultKvKeys(VaultConnection vault, String mount, String path, String activeSetting) {
    this.vault = vault;
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
    VaultConnection vault = VaultConnection.open(settings, TYPE);
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
    return new VaultKvKeys(vault, mount, path, active);
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

  /** {@value VaultTransitKeys#KEY}, which overrides the secret's {@code active} field. */
  @Override
  public String activeKeySetting() {
    return VaultTransitKeys.KEY;
  }

  /**
   * The {@code vault} command that adds key {@code id} to the secret and makes it active: this
   * provider only reads the secret (its token needs no write capability), so the key is made
   * outside this process.
   */
  @Override
  public Optional<String> createKey(String id) {
    MasterKey.checkId(id);
    return Optional.of(
        "add a new key to the secret and make it active: `vault kv patch -mount="
            + mount
            + " "
            + path
            + " "
            + id
            + "=\"$(head -c 32 /dev/urandom | base64)\" active="
            + id
            + "` (and unset "
            + VaultTransitKeys.KEY
            + " or set it to "
            + id
            + ")");
  }

  /**
   * The {@code vault} commands that remove key {@code id} from the secret and from its older
   * versions, which KV version 2 keeps.
   */
  @Override
  public Optional<String> removeKey(String id) {
    MasterKey.checkId(id);
    return Optional.of(
        "remove the field '"
            + id
            + "' from "
            + mount
            + "/data/"
            + path
            + " by writing the secret again without it (`vault kv put -mount="
            + mount
            + " "
            + path
            + " <the other fields>`), then destroy the older versions that still hold it:"
            + " `vault kv metadata get -mount="
            + mount
            + " "
            + path
            + "` lists them, `vault kv destroy -mount="
            + mount
            + " -versions=<those versions> "
            + path
            + "` destroys them");
  }

  @Override
  public String toString() {
    return "VaultKvKeys[" + vault + ", " + mount + "/data/" + path + "]";
  }

  /** Reads the secret once; later calls use what was read. */
  private synchronized Map<String, MasterKey> load() throws IOException {
    if (keys != null) {
      return keys;
    }
    String where = mount + "/data/" + path;
    HttpResponse<String> response = vault.send("GET", where, null);
    if (response.statusCode() != 200) {
      throw vault.refused(
          "GET",
          where,
          response,
          "read",
          "no secret there (or "
              + mount
              + " is not a KV v2 mount); store the keys with `vault kv put -mount="
              + mount
              + " "
              + path
              + " <key-id>=<base64 of 32 random bytes> active=<key-id>` or correct "
              + MOUNT
              + " and "
              + PATH);
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
