package io.biowerk.dr.core.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.KeyFileException;
import io.biowerk.dr.core.KeyServiceException;
import io.biowerk.dr.core.KeyServices;
import io.biowerk.dr.core.testing.StubVaultKv;
import io.biowerk.dr.core.testing.StubVaultTransit;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link VaultConnection}, the settings and requests both Vault providers share, checked through
 * each of them ({@code vault-transit} against {@link StubVaultTransit}, {@code vault-kv} against
 * {@link StubVaultKv}; both stubs, as no Vault runs here): which address and token win, the
 * namespace header, and that every refusal starts with the provider's own id and never shows the
 * token.
 */
class VaultConnectionTest {

  static final String TOKEN = "hvs.connection-stub-2207";

  @TempDir Path temp;
  StubVaultTransit transit;
  StubVaultKv kv;

  @BeforeEach
  void start() throws Exception {
    transit = new StubVaultTransit(TOKEN, "backups");
    kv = new StubVaultKv(TOKEN);
    kv.secrets.put(
        "secret/data/biowerk-dr/master-keys",
        Map.of("kv-1", Base64.getEncoder().encodeToString(new byte[32])));
  }

  @AfterEach
  void stop() {
    transit.close();
    kv.close();
  }

  String address(String type) {
    return type.equals(VaultTransitKeys.TYPE) ? transit.address() : kv.address();
  }

  /** The token and namespace of the last request the stub of {@code type} received. */
  String[] lastRequest(String type) {
    if (type.equals(VaultTransitKeys.TYPE)) {
      var last = transit.requests.get(transit.requests.size() - 1);
      return new String[] {last.token(), last.namespace()};
    }
    var last = kv.requests.get(kv.requests.size() - 1);
    return new String[] {last.token(), last.namespace()};
  }

  Map<String, String> settings(String type) {
    Map<String, String> settings = new HashMap<>();
    settings.put(VaultTransitKeys.KEY, type.equals(VaultTransitKeys.TYPE) ? "backups" : "kv-1");
    settings.put(VaultKvKeys.PATH, "biowerk-dr/master-keys");
    return settings;
  }

  /** One request that needs the token: a Transit wrap, or the KV secret's read. */
  static void use(String type, Map<String, String> settings) throws Exception {
    var keys = KeyServices.open(type, settings::get);
    if (type.equals(VaultTransitKeys.TYPE)) {
      keys.wrappingKey("backups").orElseThrow().wrap(new byte[32]);
    } else {
      keys.keyIds();
    }
  }

  static int closedPort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {VaultTransitKeys.TYPE, VaultKvKeys.TYPE})
  void theProvidersOwnAddressWinsOverVaultAddrWhichIsTheFallback(String type) throws Exception {
    Map<String, String> settings = settings(type);
    settings.put(VaultTransitKeys.TOKEN, TOKEN);
    settings.put("VAULT_ADDR", "http://127.0.0.1:" + closedPort());
    settings.put(VaultTransitKeys.ADDR, address(type) + "/");
    use(type, settings);

    settings.remove(VaultTransitKeys.ADDR);
    settings.put("VAULT_ADDR", address(type));
    use(type, settings);
  }

  @ParameterizedTest
  @ValueSource(strings = {VaultTransitKeys.TYPE, VaultKvKeys.TYPE})
  void theTokenFileWinsThenTheProvidersTokenThenVaultToken(String type) throws Exception {
    Map<String, String> settings = settings(type);
    settings.put(VaultTransitKeys.ADDR, address(type));
    settings.put("VAULT_TOKEN", TOKEN);
    use(type, settings);
    assertThat(lastRequest(type)[0]).isEqualTo(TOKEN);

    settings.put(VaultTransitKeys.TOKEN, "hvs.second-choice");
    assertThatThrownBy(() -> use(type, settings))
        .isInstanceOf(KeyServiceException.class)
        .hasMessageStartingWith(type + ": Vault at " + address(type) + " refused")
        .hasMessageContaining("HTTP 403");
    assertThat(lastRequest(type)[0]).isEqualTo("hvs.second-choice");

    Path file = temp.resolve("vault.token");
    Files.writeString(file, TOKEN + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    settings.put(VaultTransitKeys.TOKEN_FILE, file.toString());
    use(type, settings);
    assertThat(lastRequest(type)[0]).isEqualTo(TOKEN);
  }

  @ParameterizedTest
  @ValueSource(strings = {VaultTransitKeys.TYPE, VaultKvKeys.TYPE})
  void theNamespaceIsSentWhenSet(String type) throws Exception {
    Map<String, String> settings = settings(type);
    settings.put(VaultTransitKeys.ADDR, address(type));
    settings.put(VaultTransitKeys.TOKEN, TOKEN);
    use(type, settings);
    assertThat(lastRequest(type)[1]).isNull();
    settings.put(VaultTransitKeys.NAMESPACE, "team-a/dr");
    use(type, settings);
    assertThat(lastRequest(type)[1]).isEqualTo("team-a/dr");
  }

  @ParameterizedTest
  @ValueSource(strings = {VaultTransitKeys.TYPE, VaultKvKeys.TYPE})
  void everyRefusalStartsWithTheProvidersIdAndNeverShowsTheToken(String type) throws Exception {
    Map<String, String> noAddress = settings(type);
    noAddress.put(VaultTransitKeys.TOKEN, TOKEN);
    assertThatThrownBy(() -> KeyServices.open(type, noAddress::get))
        .isInstanceOf(KeyServiceException.class)
        .hasMessage(
            type
                + ": no Vault address is set; set BIOWERK_DR_VAULT_ADDR (or VAULT_ADDR), e.g."
                + " https://vault.example.com:8200")
        .extracting(e -> ((KeyServiceException) e).service())
        .isEqualTo(type);

    Map<String, String> notHttp = settings(type);
    notHttp.put(VaultTransitKeys.TOKEN, TOKEN);
    notHttp.put(VaultTransitKeys.ADDR, "vault.example.com:8200");
    assertThatThrownBy(() -> KeyServices.open(type, notHttp::get))
        .isInstanceOf(KeyServiceException.class)
        .hasMessage(
            type
                + ": BIOWERK_DR_VAULT_ADDR (vault.example.com:8200) is not an http(s) address;"
                + " correct it");

    Map<String, String> noToken = settings(type);
    noToken.put(VaultTransitKeys.ADDR, address(type));
    assertThatThrownBy(() -> KeyServices.open(type, noToken::get))
        .isInstanceOf(KeyServiceException.class)
        .hasMessageStartingWith(type + ": no Vault token is set; put one in a file of mode 0600")
        .hasMessageContaining("BIOWERK_DR_VAULT_TOKEN_FILE");

    Path loose = temp.resolve("loose.token");
    Files.writeString(loose, TOKEN);
    Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-r--r--"));
    noToken.put(VaultTransitKeys.TOKEN_FILE, loose.toString());
    assertThatThrownBy(() -> KeyServices.open(type, noToken::get))
        .isInstanceOf(KeyFileException.class)
        .hasMessageStartingWith(type + ": the token file named by BIOWERK_DR_VAULT_TOKEN_FILE")
        .hasMessageNotContaining(TOKEN);

    int port = closedPort();
    Map<String, String> down = settings(type);
    down.put(VaultTransitKeys.TOKEN, TOKEN);
    down.put(VaultTransitKeys.ADDR, "http://127.0.0.1:" + port);
    assertThatThrownBy(() -> use(type, down))
        .isInstanceOf(KeyServiceException.class)
        .hasMessageStartingWith(type + ": cannot reach Vault at http://127.0.0.1:" + port + " for ")
        .hasMessageContaining("check BIOWERK_DR_VAULT_ADDR and that Vault is up and unsealed")
        .hasMessageNotContaining(TOKEN);
  }
}
