package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.internal.Json;
import io.biowerk.dr.core.testing.StubVaultKv;
import io.biowerk.dr.core.testing.StubVaultTransit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keys compromised} with a key service chosen, through the command against the Vault stubs
 * of core's test jar ({@link StubVaultTransit}, {@link StubVaultKv}: stubs, as no Vault runs here):
 * a compromised Transit key is replaced by a new Transit key made in Vault, every backup moves to
 * it, and the commands that delete the old one are printed; where no key can be made from here (a
 * token without the right, or KV, whose keys this process only reads) the command prints the exact
 * steps and changes nothing; a compromised key file key moves into the service's key. {@code
 * KeysPkcs11CliIT} does the same with a real SoftHSM, where the old key is also destroyed.
 */
class KeysCompromisedServiceTest {

  static final String TOKEN = "hvs.incident-stub-4410";
  static final byte[] KV_OLD = new byte[32];
  static final byte[] KV_NEW = new byte[32];

  static {
    for (int i = 0; i < 32; i++) {
      KV_OLD[i] = (byte) (i * 3 + 11);
      KV_NEW[i] = (byte) (i * 17 + 2);
    }
  }

  @TempDir Path dir;
  Cli cli;
  Path config;
  StubVaultTransit transit;
  StubVaultKv kv;

  @BeforeEach
  void start() throws Exception {
    cli = new Cli(dir);
    config = Files.createDirectories(cli.work.resolve("config"));
    Files.write(config.resolve("data.bin"), Fixtures.data(200_000, 7));
    transit = new StubVaultTransit(TOKEN, "backups");
    kv = new StubVaultKv(TOKEN);
    cli.variables.put("BIOWERK_DR_VAULT_TOKEN", TOKEN);
  }

  @AfterEach
  void stop() {
    transit.close();
    kv.close();
  }

  void useTransit(String key) {
    cli.variables.put("BIOWERK_DR_KEY_PROVIDER", "vault-transit");
    cli.variables.put("BIOWERK_DR_VAULT_ADDR", transit.address());
    cli.variables.put("BIOWERK_DR_VAULT_KEY", key);
  }

  void useKv(Map<String, String> secret) {
    kv.secrets.put("secret/data/biowerk-dr/master-keys", secret);
    cli.variables.put("BIOWERK_DR_KEY_PROVIDER", "vault-kv");
    cli.variables.put("BIOWERK_DR_VAULT_ADDR", kv.address());
    cli.variables.put("BIOWERK_DR_VAULT_KV_PATH", "biowerk-dr/master-keys");
  }

  Cli.Result ok(String... args) {
    Cli.Result result = cli.run(args);
    assertThat(result.code()).as(result.toString()).isZero();
    assertThat(result.out() + result.err()).doesNotContain(TOKEN);
    return result;
  }

  Path manifestPath() throws Exception {
    try (Stream<Path> files = Files.walk(cli.defaultRepo())) {
      List<Path> manifests =
          files.filter(p -> p.toString().endsWith(BackupManifest.MANIFEST_SUFFIX)).toList();
      assertThat(manifests).hasSize(1);
      return manifests.get(0);
    }
  }

  /** The wrapped keys of the one backup: key id to stanza. */
  Map<String, String> wraps() throws Exception {
    Path path = manifestPath();
    BackupManifest manifest = Manifests.parse(Files.readAllBytes(path), path.toString());
    Map<String, String> wraps = new TreeMap<>();
    manifest.codecs().get(manifest.codecs().size() - 1).parameters().entrySet().stream()
        .filter(e -> e.getKey().startsWith("wrap."))
        .forEach(e -> wraps.put(e.getKey().substring(5), e.getValue()));
    return wraps;
  }

  void restoresWithTheCurrentSettings(String name) throws Exception {
    Path target = cli.work.resolve(name);
    ok("restore", "latest", target.toString());
    assertThat(Files.readAllBytes(target.resolve("data.bin")))
        .isEqualTo(Files.readAllBytes(config.resolve("data.bin")));
  }

  static List<String> texts(JsonNode array) {
    return java.util.stream.StreamSupport.stream(array.spliterator(), false)
        .map(JsonNode::asText)
        .toList();
  }

  @Test
  void aCompromisedTransitKeyIsReplacedInVaultAndTheCommandsThatDeleteItArePrinted()
      throws Exception {
    useTransit("backups");
    ok("backup", "config");
    assertThat(wraps()).containsOnlyKeys("backups");
    byte[] dataObject = dataObjectBytes();

    Cli.Result incident =
        ok("keys", "compromised", "backups", "--since", "2026-11-01T00:00:00Z", "--json");
    JsonNode json = Json.read(incident.out());
    String fresh = json.get("createdKey").asText();
    assertThat(fresh).matches("k20261130-[0-9a-f]{4}");
    assertThat(transit.keys).containsKey(fresh);
    assertThat(json.get("ok").asBoolean()).isTrue();
    assertThat(json.get("activeKeyId").asText()).isEqualTo(fresh);
    assertThat(json.get("rewrapped").asInt()).isEqualTo(1);
    assertThat(json.get("retired").asBoolean()).as("Transit keys are deleted by hand").isFalse();
    assertThat(json.get("suspect")).hasSize(1);
    assertThat(texts(json.get("operatorSteps")))
        .anySatisfy(
            step ->
                assertThat(step)
                    .contains("vault write transit/keys/backups/config deletion_allowed=true")
                    .contains("vault delete transit/keys/backups"))
        .anySatisfy(step -> assertThat(step).startsWith("set BIOWERK_DR_VAULT_KEY=" + fresh));
    assertThat(incident.err())
        .contains("created key " + fresh)
        .contains("STILL TO DO: set BIOWERK_DR_VAULT_KEY=" + fresh);
    assertThat(wraps())
        .containsOnlyKeys(fresh)
        .hasEntrySatisfying(fresh, stanza -> assertThat(stanza).startsWith("vault-transit:"));
    assertThat(dataObjectBytes()).as("no data object is rewritten").isEqualTo(dataObject);

    // The operator deletes the old Transit key and points the setting at the new one.
    transit.keys.remove("backups");
    useTransit(fresh);
    restoresWithTheCurrentSettings("restored");
  }

  @Test
  void aTokenThatMayNotCreateKeysGetsTheVaultCommandAndNothingChangesUntilTheKeyExists()
      throws Exception {
    useTransit("backups");
    ok("backup", "config");
    byte[] manifest = Files.readAllBytes(manifestPath());
    transit.forbidCreate();

    Cli.Result refused = cli.run("keys", "compromised", "backups", "--new-key", "backups-2");
    assertThat(refused.code()).as(refused.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(refused.err())
        .contains("'backups' is the active key of VaultTransitKeys[")
        .contains("HTTP 403 on POST transit/keys/backups-2")
        .contains("vault write -f transit/keys/backups-2")
        .contains("then run `biowerk-dr keys compromised backups` again. Nothing was changed.")
        .doesNotContain(TOKEN);
    assertThat(Files.readAllBytes(manifestPath())).isEqualTo(manifest);

    // The operator makes the key with vault and points the setting at it; the second run moves
    // every backup to it and prints how to delete the old key.
    transit.keys.put("backups-2", KV_NEW.clone());
    useTransit("backups-2");
    JsonNode json = Json.read(ok("keys", "compromised", "backups", "--json").out());
    assertThat(json.has("createdKey")).isFalse();
    assertThat(json.get("rewrapped").asInt()).isEqualTo(1);
    assertThat(texts(json.get("operatorSteps")))
        .singleElement()
        .satisfies(step -> assertThat(step).contains("vault delete transit/keys/backups"));
    assertThat(wraps()).containsOnlyKeys("backups-2");
    restoresWithTheCurrentSettings("restored");
  }

  @Test
  void anActiveVaultKvKeyIsNotReplacedFromHereTheCommandSaysHowAndThenFinishesTheJob()
      throws Exception {
    Base64.Encoder b64 = Base64.getEncoder();
    useKv(Map.of("kv-old", b64.encodeToString(KV_OLD), "active", "kv-old"));
    ok("backup", "config");
    byte[] manifest = Files.readAllBytes(manifestPath());

    Cli.Result refused = cli.run("keys", "compromised", "kv-old", "--new-key", "kv-new");
    assertThat(refused.code()).as(refused.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(refused.err())
        .contains(
            "vault kv patch -mount=secret biowerk-dr/master-keys"
                + " kv-new=\"$(head -c 32 /dev/urandom | base64)\" active=kv-new")
        .contains("Nothing was changed.")
        .doesNotContain(b64.encodeToString(KV_OLD));
    assertThat(Files.readAllBytes(manifestPath())).isEqualTo(manifest);

    useKv(
        Map.of(
            "kv-old", b64.encodeToString(KV_OLD),
            "kv-new", b64.encodeToString(KV_NEW),
            "active", "kv-new"));
    Cli.Result done = ok("keys", "compromised", "kv-old", "--json");
    JsonNode json = Json.read(done.out());
    assertThat(json.get("ok").asBoolean()).isTrue();
    assertThat(json.get("retired").asBoolean()).isFalse();
    assertThat(texts(json.get("operatorSteps")))
        .singleElement()
        .satisfies(
            step ->
                assertThat(step)
                    .contains("remove the field 'kv-old' from secret/data/biowerk-dr/master-keys")
                    .contains("vault kv destroy -mount=secret -versions=<those versions>"));
    assertThat(wraps()).containsOnlyKeys("kv-new");
    assertThat(done.out() + done.err())
        .doesNotContain(b64.encodeToString(KV_OLD))
        .doesNotContain(b64.encodeToString(KV_NEW));

    // The operator removes the field: the backups restore with the new key alone.
    useKv(Map.of("kv-new", b64.encodeToString(KV_NEW), "active", "kv-new"));
    restoresWithTheCurrentSettings("restored");
  }

  @Test
  void aCompromisedKeyFileKeyMovesIntoTheServicesKeyAndTheKeyFileGoes() throws Exception {
    ok("backup", "config");
    String fileKey = wraps().keySet().iterator().next();
    assertThat(cli.defaultKeyFile()).exists();
    useTransit("backups");

    JsonNode json = Json.read(ok("keys", "compromised", fileKey, "--json").out());
    assertThat(json.get("ok").asBoolean()).isTrue();
    assertThat(json.get("retired").asBoolean()).isTrue();
    assertThat(json.get("activeKeyId").asText()).isEqualTo("backups");
    assertThat(json.has("createdKey")).isFalse();
    assertThat(texts(json.get("operatorSteps"))).isEmpty();
    assertThat(wraps()).containsOnlyKeys("backups");
    assertThat(cli.defaultKeyFile()).as("its only key retired, the key file goes").doesNotExist();
    restoresWithTheCurrentSettings("restored");
  }

  @Test
  void anIdNeitherTheKeyFileNorTheServiceKnowsIsAUsageError() throws Exception {
    useKv(Map.of("kv-old", Base64.getEncoder().encodeToString(KV_OLD), "active", "kv-old"));
    ok("backup", "config");
    Cli.Result result = cli.run("keys", "compromised", "kv-typo");
    assertThat(result.code()).as(result.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err())
        .contains("holds no key 'kv-typo'")
        .contains("does not list it, and no backup needs it");
  }

  byte[] dataObjectBytes() throws Exception {
    Path path = manifestPath();
    BackupManifest manifest = Manifests.parse(Files.readAllBytes(path), path.toString());
    return Files.readAllBytes(cli.defaultRepo().resolve(manifest.dataKey()));
  }
}
