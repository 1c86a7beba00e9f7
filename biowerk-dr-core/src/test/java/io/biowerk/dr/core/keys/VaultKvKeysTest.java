package io.biowerk.dr.core.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.KeyServiceException;
import io.biowerk.dr.core.KeyServices;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.Recipient;
import io.biowerk.dr.core.testing.StubVaultKv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link VaultKvKeys} at the request level against {@link StubVaultKv} (a stub: no Vault runs here;
 * {@code VaultKvLiveTest} runs against a real one): the master keys are read from one KV v2 secret
 * with the token, held in memory only, and each refusal says what to do without printing a key or
 * the token.
 */
class VaultKvKeysTest {

  static final String TOKEN = "hvs.kv-stub-5519";
  static final byte[] KEY_A = new byte[32];
  static final byte[] KEY_B = new byte[32];

  static {
    for (int i = 0; i < 32; i++) {
      KEY_A[i] = (byte) (i * 7 + 1);
      KEY_B[i] = (byte) (i * 13 + 5);
    }
  }

  @TempDir Path temp;
  StubVaultKv vault;

  @BeforeEach
  void start() throws Exception {
    vault = new StubVaultKv(TOKEN);
    vault.secrets.put(
        "secret/data/biowerk-dr/master-keys",
        Map.of(
            "kv-2026q3", Base64.getEncoder().encodeToString(KEY_A),
            "kv-2026q4", Base64.getEncoder().encodeToString(KEY_B),
            "active", "kv-2026q4"));
  }

  @AfterEach
  void stop() {
    vault.close();
  }

  Map<String, String> settings() {
    Map<String, String> settings = new HashMap<>();
    settings.put(VaultTransitKeys.ADDR, vault.address());
    settings.put(VaultTransitKeys.TOKEN, TOKEN);
    settings.put(VaultKvKeys.PATH, "biowerk-dr/master-keys");
    return settings;
  }

  @Test
  void theMasterKeysAreReadOnceFromTheSecretAndWrapLikeAKeyFile() throws Exception {
    assertThat(KeyServices.find("vault-kv")).isInstanceOf(VaultKvKeyService.class);
    KeyRing ring = KeyRing.of(KeyServices.open("vault-kv", settings()::get));
    assertThat(ring.activeId()).isEqualTo("kv-2026q4");
    assertThat(ring.ids()).containsExactly("kv-2026q3", "kv-2026q4");
    assertThat(ring.active().material()).isEqualTo(KEY_B);
    assertThat(ring.wrappingKey("kv-2026q4")).isEmpty();

    Map<String, String> parameters =
        EnvelopeCodec.encryptingTo(List.of(Recipient.masterKey(ring.active()))).parameters();
    assertThat(parameters.get("wrap.kv-2026q4")).startsWith("aes256gcm-hkdf:");
    // A key file holding the same key opens it: the wrap is the master-key wrap.
    KeyRing same = KeyRing.of(new EnvironmentKeysFor(new MasterKey("kv-2026q4", KEY_B)));
    assertThat(EnvelopeCodec.openDataKey(EnvelopeCodec.wraps(parameters), same))
        .isEqualTo(EnvelopeCodec.openDataKey(EnvelopeCodec.wraps(parameters), ring));

    assertThat(vault.requests).hasSize(1);
    assertThat(vault.requests.get(0).method()).isEqualTo("GET");
    assertThat(vault.requests.get(0).path()).isEqualTo("secret/data/biowerk-dr/master-keys");
    assertThat(vault.requests.get(0).token()).isEqualTo(TOKEN);
    try (Stream<Path> files = Files.list(temp)) {
      assertThat(files).as("nothing written to disk").isEmpty();
    }
  }

  @Test
  void theActiveSettingOverridesTheSecretsFieldAndMustBeAmongTheKeys() throws Exception {
    Map<String, String> settings = settings();
    settings.put(VaultTransitKeys.KEY, "kv-2026q3");
    assertThat(KeyRing.of(VaultKvKeys.open(settings::get)).activeId()).isEqualTo("kv-2026q3");
    settings.put(VaultTransitKeys.KEY, "kv-2027q1");
    VaultKvKeys missing = VaultKvKeys.open(settings::get);
    assertThatThrownBy(missing::activeKeyId)
        .isInstanceOf(KeyServiceException.class)
        .hasMessageContaining("the active key 'kv-2027q1'")
        .hasMessageContaining(VaultTransitKeys.KEY)
        .hasMessageContaining("[kv-2026q3, kv-2026q4]");
  }

  @Test
  void refusalsSayWhatToGrantOrStoreWithoutPrintingTheTokenOrAKey() throws Exception {
    Map<String, String> wrongToken = settings();
    wrongToken.put(VaultTransitKeys.TOKEN, "hvs.not-the-token");
    assertThatThrownBy(() -> VaultKvKeys.open(wrongToken::get).keyIds())
        .isInstanceOf(KeyServiceException.class)
        .hasMessageContaining("HTTP 403")
        .hasMessageContaining("lacks the 'read' capability on secret/data/biowerk-dr/master-keys")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hvs."));

    Map<String, String> wrongPath = settings();
    wrongPath.put(VaultKvKeys.PATH, "biowerk-dr/none");
    assertThatThrownBy(() -> VaultKvKeys.open(wrongPath::get).keyIds())
        .isInstanceOf(KeyServiceException.class)
        .hasMessageContaining("HTTP 404")
        .hasMessageContaining("vault kv put -mount=secret biowerk-dr/none");

    vault.secrets.put("secret/data/biowerk-dr/short", Map.of("kv-short", "c2hvcnQta2V5LXZhbHVl"));
    Map<String, String> badValue = settings();
    badValue.put(VaultKvKeys.PATH, "biowerk-dr/short");
    assertThatThrownBy(() -> VaultKvKeys.open(badValue::get).keyIds())
        .isInstanceOf(KeyServiceException.class)
        .hasMessageContaining("field 'kv-short'")
        .hasMessageContaining("32-byte key")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("c2hvcnQta2V5LXZhbHVl"));

    Map<String, String> noPath = settings();
    noPath.remove(VaultKvKeys.PATH);
    assertThatThrownBy(() -> VaultKvKeys.open(noPath::get))
        .isInstanceOf(KeyServiceException.class)
        .hasMessageContaining(VaultKvKeys.PATH + " is not set");

    VaultKvKeys keys = VaultKvKeys.open(settings()::get);
    keys.keyIds();
    assertThat(keys.toString())
        .doesNotContain(TOKEN)
        .doesNotContain(Base64.getEncoder().encodeToString(KEY_A));
  }

  @Test
  void aLooseTokenFileIsRefused() throws Exception {
    Path token = temp.resolve("vault.token");
    Files.writeString(token, TOKEN);
    Files.setPosixFilePermissions(
        token, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    Map<String, String> settings = settings();
    settings.remove(VaultTransitKeys.TOKEN);
    settings.put(VaultTransitKeys.TOKEN_FILE, token.toString());
    assertThatThrownBy(() -> VaultKvKeys.open(settings::get))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("token file")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(TOKEN));
  }

  /** One in-memory master key, as a key file would hold it. */
  record EnvironmentKeysFor(MasterKey key) implements io.biowerk.dr.core.KeyProvider {
    @Override
    public java.util.Optional<MasterKey> key(String id) {
      return java.util.Optional.ofNullable(key.id().equals(id) ? key : null);
    }

    @Override
    public java.util.Optional<String> activeKeyId() {
      return java.util.Optional.of(key.id());
    }

    @Override
    public java.util.Set<String> keyIds() {
      return java.util.Set.of(key.id());
    }
  }
}
