package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.Manifests;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --key-provider pkcs11} end to end through the command, against SoftHSM 2 (installed by
 * {@code .ci/services.sh}) in a private token directory under {@code target/softhsm}: the key is
 * created inside the HSM, a backup's data key is wrapped there, the host holds no key file, and
 * restore unwraps through the HSM. Failsafe sets {@code SOFTHSM2_CONF} for this JVM, because
 * SoftHSM reads it when the library loads.
 */
class KeysPkcs11CliIT {

  static final String LIBRARY = "/usr/lib/softhsm/libsofthsm2.so";
  static final String PIN = "582046";

  @TempDir Path dir;
  Cli cli;
  Path config;

  @BeforeAll
  static void initialiseToken() throws Exception {
    String conf = System.getenv("SOFTHSM2_CONF");
    assertThat(conf)
        .as("SOFTHSM2_CONF must name a private configuration; run this test through Maven")
        .isNotBlank();
    assertThat(Path.of(LIBRARY))
        .as("SoftHSM is not installed; run .ci/services.sh (it installs softhsm2)")
        .isRegularFile();
    Path tokens = Path.of(conf).getParent().resolve("tokens");
    if (Files.exists(tokens)) {
      try (Stream<Path> walk = Files.walk(tokens)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    Files.createDirectories(tokens);
    Files.writeString(
        Path.of(conf),
        "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n");
    Process init =
        new ProcessBuilder(
                "softhsm2-util",
                "--init-token",
                "--free",
                "--label",
                "biowerk-cli",
                "--pin",
                PIN,
                "--so-pin",
                "918273")
            .redirectErrorStream(true)
            .start();
    String output = new String(init.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(init.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(init.exitValue()).as(output).isZero();
  }

  @BeforeEach
  void aHostWithTheHsmConfigured() throws Exception {
    cli = new Cli(dir);
    config = Files.createDirectories(cli.work.resolve("config"));
    Files.write(config.resolve("data.bin"), Fixtures.data(200_000, 5));
    Path pin = cli.home.resolve("hsm.pin");
    Files.writeString(pin, PIN);
    Files.setPosixFilePermissions(pin, PosixFilePermissions.fromString("rw-------"));
    cli.variables.put("BIOWERK_DR_KEY_PROVIDER", "pkcs11");
    cli.variables.put("BIOWERK_DR_PKCS11_LIBRARY", LIBRARY);
    cli.variables.put("BIOWERK_DR_PKCS11_PIN_FILE", pin.toString());
    // The only initialised token is first in SoftHSM's slot list.
    cli.variables.put("BIOWERK_DR_PKCS11_SLOT_INDEX", "0");
  }

  @Test
  void aBackupIsWrappedInsideTheHsmAndRestoresThroughItWithNoKeyFileOnTheHost() throws Exception {
    String label = "hsm-" + Long.toHexString(System.nanoTime());
    cli.variables.put("BIOWERK_DR_PKCS11_KEY", label);
    Cli.Result generated = cli.run("keys", "generate");
    assertThat(generated.code()).as(generated.toString()).isZero();
    assertThat(generated.out().strip()).isEqualTo(label);

    Cli.Result backup = cli.run("backup", config.toString());
    assertThat(backup.code()).as(backup.toString()).isZero();
    assertThat(cli.defaultKeyFile()).as("no key file is created on the host").doesNotExist();
    List<Path> manifests;
    try (Stream<Path> files = Files.walk(cli.defaultRepo())) {
      manifests = files.filter(p -> p.toString().endsWith(BackupManifest.MANIFEST_SUFFIX)).toList();
    }
    assertThat(manifests).hasSize(1);
    BackupManifest manifest =
        Manifests.parse(Files.readAllBytes(manifests.get(0)), manifests.get(0).toString());
    assertThat(manifest.keyId()).contains(label);
    assertThat(manifest.codecs().get(manifest.codecs().size() - 1).parameters())
        .hasEntrySatisfying("wrap." + label, stanza -> assertThat(stanza).startsWith("pkcs11:"));

    Path target = cli.work.resolve("restored");
    Cli.Result restore = cli.run("restore", "latest", target.toString());
    assertThat(restore.code()).as(restore.toString()).isZero();
    assertThat(Files.readAllBytes(target.resolve("data.bin")))
        .isEqualTo(Files.readAllBytes(config.resolve("data.bin")));

    cli.variables.remove("BIOWERK_DR_KEY_PROVIDER");
    Path elsewhere = cli.work.resolve("without-hsm");
    Cli.Result without = cli.run("restore", "latest", elsewhere.toString());
    assertThat(without.code()).as(without.toString()).isNotZero();
    assertThat(without.err()).contains("no key with id '" + label + "' is available");
    for (Cli.Result result : List.of(generated, backup, restore, without)) {
      assertThat(result.out() + result.err()).doesNotContain(PIN);
    }
  }

  static BackupManifest onlyManifest(Path repo) throws Exception {
    List<Path> manifests;
    try (Stream<Path> files = Files.walk(repo)) {
      manifests = files.filter(p -> p.toString().endsWith(BackupManifest.MANIFEST_SUFFIX)).toList();
    }
    assertThat(manifests).hasSize(1);
    return Manifests.parse(Files.readAllBytes(manifests.get(0)), manifests.get(0).toString());
  }

  static java.util.Map<String, String> wraps(BackupManifest manifest) {
    java.util.Map<String, String> wraps = new java.util.TreeMap<>();
    manifest.codecs().get(manifest.codecs().size() - 1).parameters().entrySet().stream()
        .filter(e -> e.getKey().startsWith("wrap."))
        .forEach(e -> wraps.put(e.getKey().substring(5), e.getValue()));
    return wraps;
  }

  @Test
  void backupsMoveFromAKeyFileIntoTheHsmTheFileKeyIsRetiredAndTheyMoveBack() throws Exception {
    String label = "hsm-" + Long.toHexString(System.nanoTime());
    cli.variables.put("BIOWERK_DR_PKCS11_KEY", label);
    Cli.Result generated = cli.run("keys", "generate");
    assertThat(generated.code()).as(generated.toString()).isZero();

    // A backup made with a key file, as before the HSM.
    Cli.Result backup = cli.run("backup", config.toString(), "--key-provider", "file");
    assertThat(backup.code()).as(backup.toString()).isZero();
    String fileKey = onlyManifest(cli.defaultRepo()).keyId().orElseThrow();
    assertThat(wraps(onlyManifest(cli.defaultRepo())).keySet()).containsExactly(fileKey);
    byte[] dataBefore = Files.readAllBytes(onlyManifestData(cli.defaultRepo()));

    // Into the HSM: only the manifest changes; the file key is still needed until then.
    Cli.Result refused = cli.run("keys", "retire", fileKey);
    assertThat(refused.code()).as(refused.toString()).isNotZero();
    assertThat(refused.err()).contains("still need it");
    Cli.Result rewrap = cli.run("keys", "rewrap", "--json");
    assertThat(rewrap.code()).as(rewrap.toString()).isZero();
    assertThat(rewrap.out().replaceAll("\\s+", ""))
        .contains("\"rewrapped\":1")
        .contains("\"keyId\":\"" + label + "\"");
    assertThat(wraps(onlyManifest(cli.defaultRepo())))
        .containsOnlyKeys(label)
        .hasEntrySatisfying(label, stanza -> assertThat(stanza).startsWith("pkcs11:"));
    assertThat(Files.readAllBytes(onlyManifestData(cli.defaultRepo()))).isEqualTo(dataBefore);

    // The file key retired: the key file (its only key) is deleted; restore needs only the HSM.
    Cli.Result retire = cli.run("keys", "retire", fileKey);
    assertThat(retire.code()).as(retire.toString()).isZero();
    assertThat(cli.defaultKeyFile()).doesNotExist();
    Path target = cli.work.resolve("restored");
    Cli.Result restore = cli.run("restore", "latest", target.toString());
    assertThat(restore.code()).as(restore.toString()).isZero();
    assertThat(Files.readAllBytes(target.resolve("data.bin")))
        .isEqualTo(Files.readAllBytes(config.resolve("data.bin")));

    // And back out of the HSM to a new key file: the service still unwraps, --to names the target.
    Cli.Result newFile = cli.run("keys", "generate", "--key-provider", "file");
    assertThat(newFile.code()).as(newFile.toString()).isZero();
    String fileKey2 = newFile.out().strip();
    Cli.Result back = cli.run("keys", "rewrap", "--to", fileKey2);
    assertThat(back.code()).as(back.toString()).isZero();
    assertThat(wraps(onlyManifest(cli.defaultRepo()))).containsOnlyKeys(fileKey2);
    cli.variables.remove("BIOWERK_DR_KEY_PROVIDER");
    Path again = cli.work.resolve("restored-from-file");
    Cli.Result fromFile = cli.run("restore", "latest", again.toString());
    assertThat(fromFile.code()).as(fromFile.toString()).isZero();
    assertThat(Files.readAllBytes(again.resolve("data.bin")))
        .isEqualTo(Files.readAllBytes(config.resolve("data.bin")));
    for (Cli.Result result : List.of(generated, backup, rewrap, retire, restore, back, fromFile)) {
      assertThat(result.out() + result.err()).doesNotContain(PIN);
    }
  }

  static Path onlyManifestData(Path repo) throws Exception {
    BackupManifest manifest = onlyManifest(repo);
    try (Stream<Path> files = Files.walk(repo)) {
      return files
          .filter(p -> p.toString().replace('\\', '/').endsWith(manifest.dataKey()))
          .findFirst()
          .orElseThrow();
    }
  }

  @Test
  void aCompromisedHsmKeyIsReplacedInsideTheHsmEverythingMovesToItAndItIsDestroyed()
      throws Exception {
    String label = "hsm-" + Long.toHexString(System.nanoTime());
    cli.variables.put("BIOWERK_DR_PKCS11_KEY", label);
    Cli.Result generated = cli.run("keys", "generate");
    assertThat(generated.code()).as(generated.toString()).isZero();
    Cli.Result backup = cli.run("backup", config.toString());
    assertThat(backup.code()).as(backup.toString()).isZero();
    byte[] dataBefore = Files.readAllBytes(onlyManifestData(cli.defaultRepo()));

    Cli.Result incident =
        cli.run("keys", "compromised", label, "--since", "2026-11-01T00:00:00Z", "--json");
    assertThat(incident.code()).as(incident.toString()).isZero();
    com.fasterxml.jackson.databind.JsonNode json =
        io.biowerk.dr.core.internal.Json.read(incident.out());
    String fresh = json.get("createdKey").asText();
    assertThat(fresh).matches("k20261130-[0-9a-f]{4}");
    assertThat(json.get("activeKeyId").asText()).isEqualTo(fresh);
    assertThat(json.get("rewrapped").asInt()).isEqualTo(1);
    assertThat(json.get("retired").asBoolean()).isTrue();
    assertThat(json.get("suspect")).hasSize(1);
    assertThat(json.get("operatorSteps")).hasSize(1);
    assertThat(json.get("operatorSteps").get(0).asText())
        .startsWith("set BIOWERK_DR_PKCS11_KEY=" + fresh);
    assertThat(incident.err())
        .contains("created key " + fresh)
        .contains("retired compromised key " + label + ": removed from Pkcs11Keys[")
        .contains("STILL TO DO: set BIOWERK_DR_PKCS11_KEY=" + fresh);
    assertThat(wraps(onlyManifest(cli.defaultRepo())))
        .containsOnlyKeys(fresh)
        .hasEntrySatisfying(fresh, stanza -> assertThat(stanza).startsWith("pkcs11:"));
    assertThat(Files.readAllBytes(onlyManifestData(cli.defaultRepo()))).isEqualTo(dataBefore);

    // The token no longer holds the compromised key (a fresh login lists its keys).
    java.util.Map<String, String> settings = new java.util.HashMap<>(cli.variables);
    settings.put("BIOWERK_DR_PKCS11_KEY", fresh);
    io.biowerk.dr.core.keys.Pkcs11Keys token =
        io.biowerk.dr.core.keys.Pkcs11Keys.open(settings::get);
    assertThat(token.keyIds()).contains(fresh).doesNotContain(label);

    // With the setting still naming the destroyed key, a backup is refused and says why.
    Cli.Result stale = cli.run("backup", config.toString());
    assertThat(stale.code()).as(stale.toString()).isNotZero();
    assertThat(stale.err()).contains("holds no AES key labelled '" + label + "'");
    cli.variables.put("BIOWERK_DR_PKCS11_KEY", fresh);
    Path target = cli.work.resolve("restored");
    Cli.Result restore = cli.run("restore", "latest", target.toString());
    assertThat(restore.code()).as(restore.toString()).isZero();
    assertThat(Files.readAllBytes(target.resolve("data.bin")))
        .isEqualTo(Files.readAllBytes(config.resolve("data.bin")));
    for (Cli.Result result : List.of(generated, backup, incident, stale, restore)) {
      assertThat(result.out() + result.err()).doesNotContain(PIN);
    }
  }

  @Test
  void aNewLabelTheTokenAlreadyHoldsIsRefusedAndNothingChanges() throws Exception {
    String taken = "hsm-taken-" + Long.toHexString(System.nanoTime());
    cli.variables.put("BIOWERK_DR_PKCS11_KEY", taken);
    assertThat(cli.run("keys", "generate").code()).isZero();
    String label = "hsm-" + Long.toHexString(System.nanoTime());
    cli.variables.put("BIOWERK_DR_PKCS11_KEY", label);
    assertThat(cli.run("keys", "generate").code()).isZero();
    Cli.Result backup = cli.run("backup", config.toString());
    assertThat(backup.code()).as(backup.toString()).isZero();
    Path manifest = cli.defaultRepo().resolve(onlyManifest(cli.defaultRepo()).manifestKey());
    byte[] before = Files.readAllBytes(manifest);

    Cli.Result refused = cli.run("keys", "compromised", label, "--new-key", taken);
    assertThat(refused.code()).as(refused.toString()).isNotZero();
    assertThat(refused.err())
        .contains("already holds a key labelled '" + taken + "'; choose another")
        .doesNotContain(PIN);
    assertThat(Files.readAllBytes(manifest)).isEqualTo(before);
    assertThat(wraps(onlyManifest(cli.defaultRepo()))).containsOnlyKeys(label);
  }

  @Test
  void anUnknownProviderListsTheProvidersFound() {
    Cli.Result result = cli.run("backup", config.toString(), "--key-provider", "hsm9000");
    assertThat(result.code()).as(result.toString()).isNotZero();
    assertThat(result.err())
        .contains(
            "no key provider 'hsm9000' is available; found: aws-kms, pkcs11, vault-kv,"
                + " vault-transit")
        .contains("--key-provider");
  }

  @Test
  void aWrongPinFileSaysWhatToFix() throws Exception {
    Path loose = cli.home.resolve("loose.pin");
    Files.writeString(loose, PIN);
    Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-r--r--"));
    cli.variables.put("BIOWERK_DR_PKCS11_PIN_FILE", loose.toString());
    cli.variables.put("BIOWERK_DR_PKCS11_KEY", "hsm-any");
    Cli.Result result = cli.run("backup", config.toString());
    assertThat(result.code()).as(result.toString()).isNotZero();
    assertThat(result.err())
        .contains("pkcs11: the PIN file named by BIOWERK_DR_PKCS11_PIN_FILE")
        .contains("chmod 600")
        .doesNotContain(PIN);
  }
}
