package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeysCommandTest {

  @TempDir Path dir;

  @Test
  void generateCreatesAPrivateKeyFileAndPrintsTheKeyOnce() throws Exception {
    Cli cli = new Cli(dir);
    Cli.Result result = cli.run("keys", "generate");
    assertThat(result.code()).as(result.toString()).isEqualTo(0);
    Path file = cli.defaultKeyFile();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    String id = result.out().strip();
    assertThat(id).matches("k20261130-[0-9a-f]{4}");
    String keyLine =
        Files.readAllLines(file).stream()
            .filter(l -> l.startsWith("key "))
            .findFirst()
            .orElseThrow();
    assertThat(result.err())
        .contains(file.toString())
        .contains(id)
        .contains("vault")
        .contains(keyLine);
    assertThat(result.out()).doesNotContain(keyLine.substring(keyLine.indexOf(':') + 2));

    // The key is never printed again: not by list, not by a second generate.
    Cli.Result list = cli.run("keys", "list");
    assertThat(list.code()).isEqualTo(0);
    assertThat(list.out())
        .contains(id)
        .contains("*")
        .doesNotContain(keyLine.substring(keyLine.indexOf(':') + 2));
    Cli.Result again = cli.run("keys", "generate");
    assertThat(again.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(again.err())
        .startsWith("biowerk-dr: keys: the key file exists; use `biowerk-dr keys rotate`")
        .doesNotContain(keyLine.substring(keyLine.indexOf(':') + 2));
  }

  @Test
  void rotateAddsANewActiveKeyAndKeepsTheOld() throws Exception {
    Cli cli = new Cli(dir);
    Path file = dir.resolve("custom/key");
    String first = cli.run("keys", "generate", "--key-file", file.toString()).out().strip();
    cli.clock.advance(Duration.ofDays(91));
    Cli.Result stale = cli.run("keys", "list", "--key-file", file.toString());
    assertThat(stale.err()).contains("is 91 days old").contains("biowerk-dr keys rotate");

    Cli.Result rotate = cli.run("keys", "rotate", "--key-file", file.toString(), "--json");
    assertThat(rotate.code()).as(rotate.toString()).isEqualTo(0);
    JsonNode json = Json.read(rotate.out());
    String second = json.get("keyId").asText();
    assertThat(second).isNotEqualTo(first).startsWith("k20270301-");
    assertThat(json.get("previous").get(0).asText()).isEqualTo(first);
    assertThat(rotate.err()).contains("still decrypt older backups").contains("vault");

    Cli.Result list = cli.run("keys", "list", "--key-file", file.toString(), "--json");
    JsonNode keys = Json.read(list.out());
    assertThat(keys.get("active").asText()).isEqualTo(second);
    assertThat(keys.get("keys")).hasSize(2);
    assertThat(list.err()).doesNotContain("days old");
  }

  @Test
  void rotateWithoutAKeyFileSaysHowToCreateOne() throws Exception {
    Cli cli = new Cli(dir);
    Cli.Result result = cli.run("keys", "rotate");
    assertThat(result.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(result.err())
        .startsWith("biowerk-dr: keys: key file " + cli.defaultKeyFile() + " does not exist")
        .contains("keys generate");
  }

  @Test
  void aKeyFileOthersCanReadIsRefused() throws Exception {
    Cli cli = new Cli(dir);
    cli.run("keys", "generate");
    Files.setPosixFilePermissions(
        cli.defaultKeyFile(), PosixFilePermissions.fromString("rw-r--r--"));
    Cli.Result result = cli.run("keys", "list");
    assertThat(result.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(result.err()).contains("accessible by group or others").contains("chmod 600");
    assertThat(result.err().lines().count()).isEqualTo(1);
  }

  @Test
  void keysFromTheEnvironmentJoinTheRingAndAreActiveWithoutAKeyFile() throws Exception {
    Cli cli = new Cli(dir);
    String material = Base64.getEncoder().encodeToString(new byte[32]);
    cli.variables.put("BIOWERK_DR_KEY", "ci-key:" + material);
    Cli.Result result = cli.run("keys", "list", "--json");
    assertThat(result.code()).as(result.toString()).isEqualTo(0);
    JsonNode json = Json.read(result.out());
    assertThat(json.get("active").asText()).isEqualTo("ci-key");
    assertThat(json.get("keys").get(0).get("from").asText()).isEqualTo("$BIOWERK_DR_KEY");
    assertThat(result.out()).doesNotContain(material);
  }

  @Test
  void keyFileVariableNamesTheFile() throws Exception {
    Cli cli = new Cli(dir);
    cli.variables.put("BIOWERK_DR_KEY_FILE", "keys/ring");
    Cli.Result result = cli.run("keys", "generate");
    assertThat(result.code()).isEqualTo(0);
    assertThat(cli.work.resolve("keys/ring")).exists();
    assertThat(cli.defaultKeyFile()).doesNotExist();
  }

  @Test
  void withNoKeysListSaysHowToGetOne() throws Exception {
    Cli.Result result = new Cli(dir).run("keys", "list");
    assertThat(result.code()).isEqualTo(0);
    assertThat(result.err()).contains("no keys").contains("keys generate");
  }

  @Test
  void keysWithoutSubcommandIsAUsageError() throws Exception {
    Cli.Result result = new Cli(dir).run("keys");
    assertThat(result.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).contains("generate, list, rotate");
  }
}
