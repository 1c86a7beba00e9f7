package io.biowerk.dr.core.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.KeyServiceException;
import io.biowerk.dr.core.KeyServices;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.KeyWrap;
import io.biowerk.dr.core.codec.Recipient;
import io.biowerk.dr.core.testing.StubVaultTransit;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link VaultTransitKeys} at the request level against {@link StubVaultTransit} (no Vault server
 * runs here; {@code VaultTransitLiveTest} runs against a real one when its settings are in the
 * environment): what is sent, what comes back, and what each refusal says.
 */
class VaultTransitKeysTest {

  static final String TOKEN = "hvs.stubtoken-81726354";

  @TempDir Path temp;
  StubVaultTransit vault;

  @BeforeEach
  void start() throws Exception {
    vault = new StubVaultTransit(TOKEN, "backups-2026q4", "backups-old");
  }

  @AfterEach
  void stop() {
    vault.close();
  }

  Map<String, String> settings(String active) {
    Map<String, String> settings = new HashMap<>();
    settings.put(VaultTransitKeys.ADDR, vault.address());
    settings.put(VaultTransitKeys.TOKEN, TOKEN);
    if (active != null) {
      settings.put(VaultTransitKeys.KEY, active);
    }
    return settings;
  }

  @Test
  void aDataKeyIsWrappedByTransitEncryptAndOpenedByDecrypt() throws Exception {
    assertThat(KeyServices.find("vault-transit")).isInstanceOf(VaultTransitKeyService.class);
    KeyRing ring = KeyRing.of(KeyServices.open("vault-transit", settings("backups-2026q4")::get));
    assertThat(ring.activeId()).isEqualTo("backups-2026q4");
    assertThat(ring.ids()).containsExactly("backups-2026q4", "backups-old");

    EnvelopeCodec codec =
        EnvelopeCodec.encryptingTo(
            List.of(Recipient.wrappingKey(ring.wrappingKey("backups-2026q4").orElseThrow())));
    String stanza = codec.parameters().get("wrap.backups-2026q4");
    assertThat(stanza).startsWith("vault-transit:");
    assertThat(new String(Base64.getDecoder().decode(stanza.substring(14)), StandardCharsets.UTF_8))
        .startsWith("vault:v1:");
    StubVaultTransit.Request encrypt = vault.requests.get(vault.requests.size() - 1);
    assertThat(encrypt.method()).isEqualTo("POST");
    assertThat(encrypt.path()).isEqualTo("transit/encrypt/backups-2026q4");
    assertThat(encrypt.token()).isEqualTo(TOKEN);
    assertThat(encrypt.body().fieldNames()).toIterable().containsExactly("plaintext");
    byte[] sent = Base64.getDecoder().decode(encrypt.body().path("plaintext").asText());
    assertThat(sent).hasSize(32);

    byte[] opened = EnvelopeCodec.openDataKey(EnvelopeCodec.wraps(codec.parameters()), ring);
    assertThat(opened).isEqualTo(sent);
    StubVaultTransit.Request decrypt = vault.requests.get(vault.requests.size() - 1);
    assertThat(decrypt.path()).isEqualTo("transit/decrypt/backups-2026q4");
    assertThat(decrypt.body().path("ciphertext").asText())
        .isEqualTo(
            new String(Base64.getDecoder().decode(stanza.substring(14)), StandardCharsets.UTF_8));
  }

  @Test
  void aStanzaUnderAnotherKeyNameIsAWrongKeyAndAMalformedOneIsDamage() throws Exception {
    VaultTransitKeys keys = VaultTransitKeys.open(settings(null)::get);
    String stanza = keys.wrappingKey("backups-2026q4").orElseThrow().wrap(KeyWrap.newDataKey());
    assertThatThrownBy(() -> keys.wrappingKey("backups-old").orElseThrow().unwrap(stanza))
        .isInstanceOf(WrongKeyException.class)
        .hasMessageContaining("could not decrypt the wrapped data key for 'backups-old'")
        .hasMessageContaining("cipher: message authentication failed");
    assertThatThrownBy(
            () ->
                keys.wrappingKey("backups-old").orElseThrow().unwrap("vault-transit:bm90IHZhdWx0"))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("is malformed");
  }

  @Test
  void aRefusedTokenNamesTheCapabilityAndNeverTheToken() throws Exception {
    Map<String, String> settings = settings("backups-2026q4");
    settings.put(VaultTransitKeys.TOKEN, "hvs.wrong-99887766");
    VaultTransitKeys keys = VaultTransitKeys.open(settings::get);
    assertThatThrownBy(() -> keys.wrappingKey("backups-2026q4").orElseThrow().wrap(new byte[32]))
        .isInstanceOf(KeyServiceException.class)
        .hasMessage(
            "vault-transit: Vault at "
                + vault.address()
                + " refused POST transit/encrypt/backups-2026q4 (HTTP 403 permission denied): the"
                + " token lacks the 'update' capability on transit/encrypt/backups-2026q4 (or has"
                + " expired); grant it in the token's policy or set a valid token")
        .hasMessageNotContaining("hvs.wrong");
    assertThat(keys.toString()).doesNotContain("hvs.");
  }

  @Test
  void aMissingMountSaysHowToCreateTheKey() throws Exception {
    Map<String, String> settings = settings("backups-2026q4");
    settings.put(VaultTransitKeys.MOUNT, "kv");
    VaultTransitKeys keys = VaultTransitKeys.open(settings::get);
    assertThatThrownBy(() -> keys.wrappingKey("backups-2026q4").orElseThrow().wrap(new byte[32]))
        .isInstanceOf(KeyServiceException.class)
        .hasMessageContaining("refused POST kv/encrypt/backups-2026q4 (HTTP 404")
        .hasMessageContaining("vault write -f kv/keys/<name>")
        .hasMessageContaining(VaultTransitKeys.MOUNT);
  }

  @Test
  void listingForbiddenLeavesTheActiveKeyAndAnUnreachableVaultSaysWhere() throws Exception {
    vault.forbidList();
    assertThat(VaultTransitKeys.open(settings("backups-2026q4")::get).keyIds())
        .containsExactly("backups-2026q4");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Map<String, String> settings = settings("backups-2026q4");
    settings.put(VaultTransitKeys.ADDR, "http://127.0.0.1:" + port);
    VaultTransitKeys keys = VaultTransitKeys.open(settings::get);
    assertThatThrownBy(() -> keys.wrappingKey("backups-2026q4").orElseThrow().wrap(new byte[32]))
        .isInstanceOf(KeyServiceException.class)
        .hasMessageContaining("vault-transit: cannot reach Vault at http://127.0.0.1:" + port)
        .hasMessageContaining("check " + VaultTransitKeys.ADDR);
  }

  @Test
  void missingSettingsAndALooseTokenFileAreRefused() throws Exception {
    Map<String, String> noAddr = settings(null);
    noAddr.remove(VaultTransitKeys.ADDR);
    assertThatThrownBy(() -> VaultTransitKeys.open(noAddr::get))
        .isInstanceOf(KeyServiceException.class)
        .hasMessageContaining("no Vault address is set; set BIOWERK_DR_VAULT_ADDR (or VAULT_ADDR)");
    Map<String, String> noToken = settings(null);
    noToken.remove(VaultTransitKeys.TOKEN);
    assertThatThrownBy(() -> VaultTransitKeys.open(noToken::get))
        .isInstanceOf(KeyServiceException.class)
        .hasMessageContaining("no Vault token is set")
        .hasMessageContaining(VaultTransitKeys.TOKEN_FILE);
    Path tokenFile = temp.resolve("token");
    Files.writeString(tokenFile, TOKEN);
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-rw-r--"));
    noToken.put(VaultTransitKeys.TOKEN_FILE, tokenFile.toString());
    assertThatThrownBy(() -> VaultTransitKeys.open(noToken::get))
        .isInstanceOf(io.biowerk.dr.core.KeyFileException.class)
        .hasMessageContaining("vault-transit: the token file named by BIOWERK_DR_VAULT_TOKEN_FILE")
        .hasMessageNotContaining(TOKEN);
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
    noToken.put(VaultTransitKeys.KEY, "backups-2026q4");
    VaultTransitKeys fromFile = VaultTransitKeys.open(noToken::get);
    fromFile.wrappingKey("backups-2026q4").orElseThrow().wrap(new byte[32]);
    assertThat(vault.requests.get(vault.requests.size() - 1).token()).isEqualTo(TOKEN);
  }
}
