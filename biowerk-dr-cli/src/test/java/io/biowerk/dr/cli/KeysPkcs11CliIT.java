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

  @Test
  void anUnknownProviderListsTheProvidersFound() {
    Cli.Result result = cli.run("backup", config.toString(), "--key-provider", "hsm9000");
    assertThat(result.code()).as(result.toString()).isNotZero();
    assertThat(result.err())
        .contains("no key provider 'hsm9000' is available; found: pkcs11")
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
