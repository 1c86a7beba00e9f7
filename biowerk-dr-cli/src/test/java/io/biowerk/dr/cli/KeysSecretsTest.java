package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.KeyWrap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every keys command, and backup and restore with keys, run as the real command in its own JVM with
 * DEBUG logging, all output captured: no master key, private key or data key appears in any of it,
 * in Base64 or hex. The one deliberate exception is the documented one: {@code keys generate},
 * {@code keys rotate} and {@code keys compromised} print the new key they made exactly once on
 * stderr, so that it can be copied to a vault; the test checks that it is that key, once.
 */
class KeysSecretsTest {

  @TempDir Path dir;

  record Run(String command, String output) {}

  Run run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=debug");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().put("HOME", dir.resolve("home").toString());
    builder.environment().remove("BIOWERK_DR_KEY");
    builder.environment().remove("BIOWERK_DR_KEY_FILE");
    builder.environment().remove("BIOWERK_DR_REPO");
    builder.redirectErrorStream(true);
    Process process = builder.start();
    // (the key file is read after the run below, to learn which run made which key)
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(String.join(" ", args) + "\n" + output).isZero();
    Run run = new Run(String.join(" ", args), output);
    Path keyFile = dir.resolve("key");
    if (Files.exists(keyFile)) {
      for (String line : Files.readAllLines(keyFile)) {
        if (line.startsWith("key ")) {
          String id = line.substring(4, line.indexOf(':'));
          if (!madeBy.containsKey(id)) {
            madeBy.put(id, run.command());
            everyKey.put(
                id, Base64.getDecoder().decode(line.substring(line.indexOf(':') + 1).strip()));
          }
        }
      }
    }
    return run;
  }

  /** Every master key ever in the key file, and the command whose run made it. */
  final Map<String, String> madeBy = new LinkedHashMap<>();

  final Map<String, byte[]> everyKey = new LinkedHashMap<>();

  /** Every secret in the key files and every data key in the manifests: label to bytes. */
  Map<String, byte[]> secrets(List<Path> keyFiles, MasterKey master) throws IOException {
    Map<String, byte[]> secrets = new LinkedHashMap<>();
    for (Path file : keyFiles) {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith("key ")) {
          String id = line.substring(4, line.indexOf(':'));
          secrets.put(
              id, Base64.getDecoder().decode(line.substring(line.indexOf(':') + 1).strip()));
        }
      }
    }
    try (Stream<Path> files = Files.walk(dir.resolve("repo"))) {
      for (Path path : (Iterable<Path>) files::iterator) {
        if (path.toString().endsWith(BackupManifest.MANIFEST_SUFFIX)) {
          BackupManifest manifest = Manifests.parse(Files.readAllBytes(path), path.toString());
          Map<String, String> wraps = EnvelopeCodec.wraps(manifest.codecs().get(1).parameters());
          if (wraps.containsKey(master.id())) {
            secrets.put(
                "data key of " + manifest.id(),
                KeyWrap.unwrap(master.id(), wraps.get(master.id()), master.material()));
          }
        }
      }
    }
    return secrets;
  }

  static int occurrences(String text, String what) {
    int count = 0;
    for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
      count++;
    }
    return count;
  }

  @Test
  void noCommandPrintsKeyMaterialEvenWithDebugLogging() throws Exception {
    Files.createDirectories(dir.resolve("home"));
    Path data = Files.createDirectories(dir.resolve("data"));
    Files.write(data.resolve("a.bin"), Fixtures.data(100_000, 5));
    String key = dir.resolve("key").toString();
    String repo = dir.resolve("repo").toString();
    String offline = dir.resolve("offline.key").toString();
    List<Run> runs = new ArrayList<>();
    runs.add(run("keys", "generate", "--key-file", key));
    runs.add(run("keys", "generate-recipient", "--id", "offline", "--out", offline));
    runs.add(
        run(
            "backup",
            data.toString(),
            "--repo",
            repo,
            "--key-file",
            key,
            "--recipient",
            offline + ".pub"));
    runs.add(run("keys", "rotate", "--key-file", key));
    runs.add(run("backup", data.toString(), "--repo", repo, "--key-file", key));
    runs.add(run("keys", "list", "--key-file", key, "--repo", repo));
    runs.add(run("keys", "list", "--key-file", key, "--repo", repo, "--json"));
    runs.add(run("keys", "rewrap", "--key-file", key, "--repo", repo));
    String old =
        Files.readAllLines(dir.resolve("key")).stream()
            .filter(l -> l.startsWith("key "))
            .findFirst()
            .orElseThrow()
            .substring(4, 18);
    runs.add(run("keys", "retire", old, "--key-file", key, "--repo", repo));
    String active =
        Files.readAllLines(dir.resolve("key")).stream()
            .filter(l -> l.startsWith("active: "))
            .findFirst()
            .orElseThrow()
            .substring(8);
    runs.add(run("keys", "confirm-backup", active, "--key-file", key));
    runs.add(
        run(
            "restore",
            "latest",
            dir.resolve("restored").toString(),
            "--repo",
            repo,
            "--key-file",
            key,
            "--force"));

    runs.add(run("verify", "all", "--level", "decode", "--repo", repo, "--key-file", key));
    runs.add(
        run(
            "keys",
            "compromised",
            active,
            "--since",
            "2020-01-01T00:00:00Z",
            "--key-file",
            key,
            "--repo",
            repo));

    // The retired and the compromised key are gone from the file: collect them from the runs' own
    // key files before and after is not possible, so check every key the files hold now, plus the
    // data keys, plus the private key of the recipient.
    String newActive =
        Files.readAllLines(dir.resolve("key")).stream()
            .filter(l -> l.startsWith("active: "))
            .findFirst()
            .orElseThrow()
            .substring(8);
    Path keyFile = dir.resolve("key");
    MasterKey master =
        new MasterKey(
            newActive,
            Base64.getDecoder()
                .decode(
                    Files.readAllLines(keyFile).stream()
                        .filter(l -> l.startsWith("key " + newActive + ":"))
                        .findFirst()
                        .orElseThrow()
                        .substring(newActive.length() + 5)
                        .strip()));
    Map<String, byte[]> secrets = secrets(List.of(dir.resolve("offline.key")), master);
    secrets.putAll(everyKey);
    // three master keys (generated, rotated, made by the incident), the recipient's private key and
    // the two backups' data keys
    assertThat(everyKey).hasSize(3);
    assertThat(secrets).hasSize(6);
    HexFormat hex = HexFormat.of();
    String all = String.join("\n", runs.stream().map(Run::output).toList());
    assertThat(all).contains("[INFO]"); // the logs are in the output
    for (Map.Entry<String, byte[]> secret : secrets.entrySet()) {
      String base64 = Base64.getEncoder().encodeToString(secret.getValue());
      String hexForm = hex.formatHex(secret.getValue());
      for (Run run : runs) {
        // The documented exception: the run that made a master key prints it once.
        int expected = run.command().equals(madeBy.get(secret.getKey())) ? 1 : 0;
        assertThat(occurrences(run.output(), base64))
            .as("key %s in the output of '%s'", secret.getKey(), run.command())
            .isEqualTo(expected);
        assertThat(run.output()).as(run.command()).doesNotContain(hexForm);
      }
    }
  }
}
