package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.biowerk.dr.core.BackupManifest;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyCommandTest {

  @TempDir Path dir;
  Cli cli;
  BackupManifest older;
  BackupManifest newer;

  @BeforeEach
  void twoEncryptedBackups() throws Exception {
    cli = new Cli(dir);
    assertThat(cli.run("keys", "generate").code()).isEqualTo(0);
    older =
        Fixtures.backup(
            cli.defaultRepo(), cli.defaultKeyFile(), "unit", Fixtures.data(300_000, 1), cli.clock);
    cli.clock.advance(Duration.ofHours(1));
    newer =
        Fixtures.backup(
            cli.defaultRepo(), cli.defaultKeyFile(), "unit", Fixtures.data(200_000, 2), cli.clock);
  }

  @Test
  void verifiesTheLatestBackupByDecodingItWhenTheKeyIsThere() {
    Cli.Result result = cli.run("verify", "latest");
    assertThat(result.code()).as(result.toString()).isEqualTo(0);
    assertThat(result.out())
        .startsWith("ok      " + newer.id() + "  decode")
        .contains("decode: 200000 bytes decoded");
    // The result is recorded beside the backup: list shows it.
    assertThat(cli.run("list").out()).contains("ok decode 2026-11-30 13:00:00Z");
  }

  @Test
  void verifiesEveryBackupWithJsonResults() throws Exception {
    Cli.Result result = cli.run("verify", "all", "--level", "stored", "--json");
    assertThat(result.code()).as(result.toString()).isEqualTo(0);
    JsonNode json = Json.read(result.out());
    assertThat(json.get("ok").asBoolean()).isTrue();
    assertThat(json.get("verified").asInt()).isEqualTo(2);
    List<String> ids = new ArrayList<>();
    json.get("results").forEach(r -> ids.add(r.get("backupId").asText()));
    assertThat(ids).containsExactly(newer.id(), older.id());
    assertThat(json.get("results").get(0).get("level").asText()).isEqualTo("stored");
  }

  @Test
  void aDamagedBackupFailsWithExitCode3() throws Exception {
    flipOneByte(cli.defaultRepo().resolve(older.dataKey()));
    Cli.Result one = cli.run("verify", older.id(), "--level", "stored");
    assertThat(one.code()).as(one.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(one.out()).startsWith("FAILED  " + older.id() + "  stored").contains("SHA-256");
    assertThat(one.err())
        .startsWith("biowerk-dr: verify: 1 of 1 backup FAILED verification")
        .contains("restore from another copy");

    Cli.Result all = cli.run("verify", "all", "--json");
    assertThat(all.code()).isEqualTo(ExitCodes.INTEGRITY);
    JsonNode json = Json.read(all.out());
    assertThat(json.get("ok").asBoolean()).isFalse();
    assertThat(json.get("failed").asInt()).isEqualTo(1);
    assertThat(json.get("results").get(0).get("passed").asBoolean()).isTrue();
    assertThat(json.get("results").get(1).get("passed").asBoolean()).isFalse();
    assertThat(json.get("results").get(1).get("detail").asText()).contains(older.id());
  }

  @Test
  void aWrongKeyFailsWithExitCode3() throws Exception {
    // Same key id, other key bytes: the container's key commitment does not match.
    Path file = cli.defaultKeyFile();
    List<String> lines = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      lines.add(
          line.startsWith("key ")
              ? line.substring(0, line.indexOf(':') + 2)
                  + Base64.getEncoder().encodeToString(new byte[32])
              : line);
    }
    Files.write(file, lines);
    Cli.Result result = cli.run("verify", "latest");
    assertThat(result.code()).as(result.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(result.err())
        .contains("is not the key this backup was encrypted with")
        .contains("use the key file that held that key");

    Cli.Result all = cli.run("verify", "all", "--json");
    assertThat(all.code()).as(all.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(Json.read(all.out()).get("failed").asInt()).isEqualTo(2);
  }

  @Test
  void withoutTheKeyTheDefaultIsTheStoredLevelAndItSaysSo() throws Exception {
    Files.move(cli.defaultKeyFile(), dir.resolve("vault-copy"));
    Cli.Result result = cli.run("verify", "latest");
    assertThat(result.code()).as(result.toString()).isEqualTo(0);
    assertThat(result.out()).contains(newer.id() + "  stored");
    assertThat(result.err()).contains("only the stored bytes were checked").contains("--key-file");

    Cli.Result decode = cli.run("verify", "latest", "--level", "decode");
    assertThat(decode.code()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(decode.err()).contains("keys: no key with id '" + newer.keyId().orElseThrow() + "'");
  }

  @Test
  void unknownBackupLevelOrRepositoryAreReported() throws Exception {
    Cli.Result unknown = cli.run("verify", "unit_20000101_000000");
    assertThat(unknown.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(unknown.err()).contains("unit_20000101_000000").contains("biowerk-dr list");

    Cli.Result level = cli.run("verify", "latest", "--level", "deep");
    assertThat(level.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(level.err())
        .contains("unknown verification level 'deep'")
        .contains("stored, decode");

    Cli.Result repo = cli.run("verify", "latest", "--repo", dir.resolve("nowhere").toString());
    assertThat(repo.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(repo.err()).contains("does not exist").contains("--repo");
    assertThat(dir.resolve("nowhere")).doesNotExist();
  }

  @Test
  void nativeLevelUsesTheVerifierOfTheSourceKindOrSaysWhichModuleIsMissing() throws Exception {
    Path docs = Files.createDirectories(cli.work.resolve("docs"));
    Files.writeString(docs.resolve("plan.md"), "# plan\n");
    assertThat(cli.run("backup", "docs").code()).isEqualTo(0);
    Cli.Result files = cli.run("verify", "latest:docs", "--level", "native");
    assertThat(files.code()).as(files.toString()).isEqualTo(0);
    assertThat(files.out()).startsWith("ok      docs_").contains("  native  ");

    // The fixtures' source kind ("bytes") has no native verifier on the class path.
    Cli.Result none = cli.run("verify", newer.id(), "--level", "native");
    assertThat(none.code()).as(none.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(none.err())
        .contains("no native verifier for source kind 'bytes'")
        .contains("verify at level 'decode'");
  }

  @Test
  void anUnreadableManifestIsReportedNotHidden() throws Exception {
    Files.writeString(cli.defaultRepo().resolve(older.manifestKey()), "{ not json");
    Cli.Result list = cli.run("list");
    assertThat(list.code()).as(list.toString()).isEqualTo(0);
    assertThat(list.out()).contains(newer.id()).doesNotContain(older.id());
    assertThat(list.err()).contains("1 manifest(s) cannot be used").contains(older.manifestKey());
    Cli.Result verify = cli.run("verify", older.id());
    assertThat(verify.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(verify.err()).contains(older.id());
  }

  static void flipOneByte(Path file) throws Exception {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      long at = channel.size() / 2;
      channel.read(one, at);
      one.flip();
      one.put(0, (byte) (one.get(0) ^ 0x40));
      channel.write(one, at);
    }
  }
}
