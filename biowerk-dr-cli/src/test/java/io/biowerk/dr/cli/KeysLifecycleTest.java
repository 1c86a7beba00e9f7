package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.codec.Sha256;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The key life cycle end to end through the CLI: format-2 backups, rotate, rewrap (only manifests
 * change), retire (refused while needed), and write-only hosts with public-key recipients.
 */
class KeysLifecycleTest {

  @TempDir Path dir;
  Cli cli;
  Path config;

  @BeforeEach
  void aDirectoryToBackUp() throws Exception {
    cli = new Cli(dir);
    config = Files.createDirectories(cli.work.resolve("config"));
    Files.write(config.resolve("data.bin"), Fixtures.data(300_000, 3));
  }

  Cli.Result ok(String... args) {
    Cli.Result result = cli.run(args);
    assertThat(result.code()).as(result.toString()).isEqualTo(0);
    return result;
  }

  List<Path> manifests() throws Exception {
    try (Stream<Path> files = Files.walk(cli.defaultRepo())) {
      return files.filter(p -> p.toString().endsWith(BackupManifest.MANIFEST_SUFFIX)).toList();
    }
  }

  BackupManifest manifest(Path path) throws Exception {
    return Manifests.parse(Files.readAllBytes(path), path.toString());
  }

  String activeKey(Path keyFile) throws Exception {
    return Files.readAllLines(keyFile).stream()
        .filter(l -> l.startsWith("active: "))
        .findFirst()
        .orElseThrow()
        .substring("active: ".length());
  }

  @Test
  void walSegmentsAreFormatTwoAndRewrapRetireAndFetchCoverThem() throws Exception {
    ok("keys", "generate");
    String old = activeKey(cli.defaultKeyFile());
    // A timeline history file: a real object of the WAL archive that needs no page header.
    Path history = cli.work.resolve("00000002.history");
    byte[] content = "1\t0/3000000\tbefore the incident\n".getBytes(StandardCharsets.UTF_8);
    Files.write(history, content);
    ok("wal-push", "--source", "orders", history.toString());
    Path segmentManifest = cli.defaultRepo().resolve("orders/wal/00000002.history.manifest.json");
    BackupManifest pushed = manifest(segmentManifest);
    assertThat(pushed.codecs().get(1).parameters())
        .containsEntry("format", "2")
        .containsKey("wrap." + old);
    Path data = cli.defaultRepo().resolve(pushed.dataKey());
    String dataSha = Sha256.of(Files.readAllBytes(data));

    cli.clock.advance(Duration.ofDays(1));
    ok("keys", "rotate");
    String current = activeKey(cli.defaultKeyFile());

    Cli.Result refused = cli.run("keys", "retire", old);
    assertThat(refused.code()).as(refused.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(refused.err())
        .contains("1 backups or log segments still need it")
        .contains("orders/wal/00000002.history.manifest.json")
        .contains("keys rewrap");

    Cli.Result rewrap = ok("keys", "rewrap");
    assertThat(rewrap.err())
        .contains("rewrapped 1 of 1 backups and log segments to " + current)
        .contains("1 of 1 log segments");
    BackupManifest moved = manifest(segmentManifest);
    assertThat(moved.keyId()).contains(current);
    assertThat(moved.codecs().get(1).parameters())
        .containsKey("wrap." + current)
        .doesNotContainKey("wrap." + old);
    assertThat(Sha256.of(Files.readAllBytes(data))).isEqualTo(dataSha);

    ok("keys", "retire", old);
    assertThat(Files.readString(cli.defaultKeyFile())).doesNotContain("key " + old + ":");
    Path fetched = dir.resolve("fetched.history");
    ok("wal-fetch", "--source", "orders", "00000002.history", fetched.toString());
    assertThat(Files.readAllBytes(fetched)).isEqualTo(content);
  }

  @Test
  void rotateRewrapRetireChangesOnlyManifestsAndRestoresWithTheNewKeyAlone() throws Exception {
    ok("backup", "config");
    cli.clock.advance(Duration.ofHours(1));
    ok("backup", "config");
    String old = activeKey(cli.defaultKeyFile());
    BackupManifest first = manifest(manifests().get(0));
    assertThat(first.codecs().get(1).parameters())
        .containsEntry("format", "2")
        .containsKey("wrap." + old);
    Path data = cli.defaultRepo().resolve(first.dataKey());
    String dataSha = Sha256.of(Files.readAllBytes(data));
    long dataModified = Files.getLastModifiedTime(data).toMillis();

    cli.clock.advance(Duration.ofDays(1));
    ok("keys", "rotate");
    String current = activeKey(cli.defaultKeyFile());

    Cli.Result refused = cli.run("keys", "retire", old);
    assertThat(refused.code()).as(refused.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(refused.err())
        .contains(
            "keys retire: refusing to retire '"
                + old
                + "': 2 backups or log segments still need it")
        .contains("keys rewrap");

    Cli.Result rewrap = ok("keys", "rewrap");
    assertThat(rewrap.err())
        .contains("rewrapped 1/2 ")
        .contains("rewrapped 2/2 ")
        .contains("rewrapped 2 of 2 backups and log segments to " + current)
        .contains("wrote ")
        .contains("bytes of manifests and no data");
    for (Path path : manifests()) {
      BackupManifest m = manifest(path);
      assertThat(m.keyId()).contains(current);
      assertThat(m.codecs().get(1).parameters())
          .containsKey("wrap." + current)
          .doesNotContainKey("wrap." + old);
    }
    assertThat(Sha256.of(Files.readAllBytes(data))).isEqualTo(dataSha);
    assertThat(Files.getLastModifiedTime(data).toMillis()).isEqualTo(dataModified);
    assertThat(ok("keys", "rewrap").err()).contains("rewrapped 0 of 2 backups");

    Cli.Result activeRefused = cli.run("keys", "retire", current);
    assertThat(activeRefused.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(activeRefused.err()).contains("is the active key");

    ok("keys", "retire", old);
    assertThat(Files.readString(cli.defaultKeyFile())).doesNotContain("key " + old + ":");
    Path target = dir.resolve("restored");
    ok("restore", "latest", target.toString());
    assertThat(Files.readAllBytes(target.resolve("data.bin"))).isEqualTo(Fixtures.data(300_000, 3));
    ok("verify", "all", "--level", "decode");
  }

  @Test
  void formatOneBackupsKeepTheirKeyUntilPruned() throws Exception {
    ok("keys", "generate");
    Fixtures.backup(
        cli.defaultRepo(), cli.defaultKeyFile(), "legacy", Fixtures.data(10_000, 1), cli.clock);
    String old = activeKey(cli.defaultKeyFile());
    ok("keys", "rotate");
    Cli.Result rewrap = ok("keys", "rewrap");
    assertThat(rewrap.err()).contains("1 format-1 backups or log segments keep needing the key");
    Cli.Result refused = cli.run("keys", "retire", old);
    assertThat(refused.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(refused.err()).contains("(format 1)").contains("until it is pruned");
  }

  @Test
  void aWriteOnlyHostWrapsToPublicKeysAndOnlyThePrivateKeyRestores() throws Exception {
    Path offline = dir.resolve("offline/offline.key");
    Files.createDirectories(offline.getParent());
    Cli.Result generated =
        ok("keys", "generate-recipient", "--id", "offline", "--out", offline.toString());
    assertThat(generated.out()).startsWith("recipient offline: ");
    assertThat(generated.err()).contains("keep the private key OFFLINE");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(offline)))
        .isEqualTo("rw-------");
    Path pub = dir.resolve("offline/offline.key.pub");
    String privateLine =
        Files.readAllLines(offline).stream().filter(l -> l.startsWith("key ")).findFirst().get();
    assertThat(generated.out() + generated.err()).doesNotContain(privateLine.substring(14));

    ok("backup", "config", "--recipient", pub.toString());
    assertThat(cli.defaultKeyFile()).doesNotExist();
    BackupManifest m = manifest(manifests().get(0));
    assertThat(m.keyId()).contains("offline");
    assertThat(m.codecs().get(1).parameters())
        .containsOnlyKeys("cipher", "format", "key-id", "segment-size", "wrap.offline");

    Path target = dir.resolve("restored");
    Cli.Result noKey = cli.run("restore", "latest", target.toString());
    assertThat(noKey.code()).as(noKey.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(noKey.err()).contains("no key with id 'offline' is available");
    assertThat(target).doesNotExist();
    ok("verify", "latest", "--level", "stored");
    Cli.Result decodeWithoutKey = cli.run("verify", "latest", "--level", "decode");
    assertThat(decodeWithoutKey.code()).isNotEqualTo(0);

    ok("restore", "latest", target.toString(), "--key-file", offline.toString());
    assertThat(Files.readAllBytes(target.resolve("data.bin"))).isEqualTo(Fixtures.data(300_000, 3));
    ok("verify", "latest", "--level", "decode", "--key-file", offline.toString());

    Files.setPosixFilePermissions(offline, PosixFilePermissions.fromString("rw-r--r--"));
    Cli.Result unsafe =
        cli.run(
            "restore", "latest", dir.resolve("t2").toString(), "--key-file", offline.toString());
    assertThat(unsafe.code()).isNotEqualTo(0);
    assertThat(unsafe.err()).contains("chmod 600");
  }

  @Test
  void aBackupWrapsToTheMasterKeyAndEveryRecipientAtOnce() throws Exception {
    ok("keys", "generate");
    Path a = dir.resolve("a.key");
    Path b = dir.resolve("b.key");
    ok("keys", "generate-recipient", "--id", "site-a", "--out", a.toString());
    ok("keys", "generate-recipient", "--id", "site-b", "--out", b.toString());
    ok("backup", "config", "--recipient", a + ".pub", "--recipient", b + ".pub");
    BackupManifest m = manifest(manifests().get(0));
    assertThat(m.codecs().get(1).parameters())
        .containsKeys("wrap." + activeKey(cli.defaultKeyFile()), "wrap.site-a", "wrap.site-b");
    Path unrelated = dir.resolve("unrelated.key");
    ok("keys", "generate-recipient", "--id", "site-c", "--out", unrelated.toString());
    Cli.Result missing =
        cli.run(
            "restore", "latest", dir.resolve("t").toString(), "--key-file", unrelated.toString());
    assertThat(missing.code()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(missing.err())
        .contains("no key with id '" + activeKey(cli.defaultKeyFile()) + "' is available")
        .contains("site-a, site-b")
        .doesNotContain("is damaged");
    for (Path key : List.of(a, b)) {
      Path target = dir.resolve("restored-" + key.getFileName());
      ok("restore", "latest", target.toString(), "--key-file", key.toString());
      assertThat(Files.readAllBytes(target.resolve("data.bin")))
          .isEqualTo(Fixtures.data(300_000, 3));
    }
  }

  @Test
  void aMalformedRecipientFileIsRefusedWithItsLine() throws Exception {
    Path pub = dir.resolve("bad.pub");
    Files.writeString(pub, "# comment\nrecipient x: not-base64!\n");
    Cli.Result result = cli.run("backup", "config", "--recipient", pub.toString());
    assertThat(result.code()).isNotEqualTo(0);
    assertThat(result.err()).contains("keys: recipient file " + pub + " line 2 is malformed");
    assertThat(cli.defaultRepo().resolve("config")).doesNotExist();
  }

  @Test
  void listShowsAgeBackupsAndOfflineCopyAndWarnsAt80AndReportsAViolationAfter90() throws Exception {
    ok("backup", "config");
    String id = activeKey(cli.defaultKeyFile());
    cli.clock.advance(Duration.ofDays(85));
    Cli.Result warned = ok("keys", "list");
    assertThat(warned.out()).contains("OFFLINE COPY").contains("85d");
    assertThat(warned.err())
        .contains("the active key " + id + " is 85 days old; rotation is due at 90 days")
        .contains("no offline copy of key " + id + " is recorded")
        .contains("keys confirm-backup " + id);
    ok("keys", "confirm-backup", id);
    com.fasterxml.jackson.databind.JsonNode json =
        Json.read(ok("keys", "list", "--json").out()).get("keys").get(0);
    assertThat(json.get("backups").asInt()).isEqualTo(1);
    assertThat(json.get("ageDays").asInt()).isEqualTo(85);
    assertThat(json.get("offlineCopy").asText()).isEqualTo("2027-02-23T12:00:00Z");
    cli.clock.advance(Duration.ofDays(6));
    Cli.Result violation = ok("keys", "list", "--max-age", "90");
    assertThat(violation.err())
        .contains("POLICY VIOLATION: the active key " + id + " is 91 days old")
        .doesNotContain("no offline copy");
    assertThat(ok("keys", "list", "--max-age", "100").err()).doesNotContain("VIOLATION");
    Cli.Result unknown = cli.run("keys", "confirm-backup", "k-nope");
    assertThat(unknown.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(unknown.err()).contains("holds no key 'k-nope'");
  }

  @Test
  void compromisedRotatesRewrapsRetiresAndListsSuspectBackups() throws Exception {
    ok("backup", "config");
    String leaked = activeKey(cli.defaultKeyFile());
    cli.clock.advance(Duration.ofDays(2));
    ok("backup", "config");
    cli.clock.advance(Duration.ofDays(1));
    Cli.Result result =
        ok("keys", "compromised", leaked, "--since", "2026-12-01T00:00:00Z", "--json");
    com.fasterxml.jackson.databind.JsonNode json = Json.read(result.out());
    String fresh = json.get("activeKeyId").asText();
    assertThat(fresh).isNotEqualTo(leaked);
    assertThat(json.get("rewrapped").asInt()).isEqualTo(2);
    assertThat(json.get("retired").asBoolean()).isTrue();
    assertThat(json.get("suspect")).hasSize(1);
    assertThat(json.get("suspect").get(0).asText()).endsWith("config_20261202_120000");
    assertThat(result.err()).contains("are suspect").contains("--target-time");
    assertThat(Files.readString(cli.defaultKeyFile())).doesNotContain("key " + leaked + ":");
    Path target = dir.resolve("restored");
    ok("restore", "config_20261130_120000", target.toString());
    assertThat(Files.readAllBytes(target.resolve("data.bin"))).isEqualTo(Fixtures.data(300_000, 3));
    Cli.Result badTime = cli.run("keys", "compromised", fresh, "--since", "yesterday");
    assertThat(badTime.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(badTime.err()).contains("is not an ISO-8601 instant");
  }
}
