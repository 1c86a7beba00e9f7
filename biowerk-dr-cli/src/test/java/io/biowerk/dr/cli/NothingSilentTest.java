package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.biowerk.dr.core.BackupManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, "nothing silent": damage in a manifest exits 3, dangerous restore targets and
 * repositories are refused, and an unusable key file that was asked for is an error, not a quiet
 * downgrade to checking the stored bytes.
 */
class NothingSilentTest {

  @TempDir Path dir;
  Cli cli;
  Path docs;
  BackupManifest older;
  BackupManifest newer;

  @BeforeEach
  void twoEncryptedBackupsAndADirectory() throws Exception {
    cli = new Cli(dir);
    assertThat(cli.run("keys", "generate").code()).isEqualTo(0);
    older =
        Fixtures.backup(
            cli.defaultRepo(), cli.defaultKeyFile(), "unit", Fixtures.data(300_000, 1), cli.clock);
    cli.clock.advance(Duration.ofHours(1));
    newer =
        Fixtures.backup(
            cli.defaultRepo(), cli.defaultKeyFile(), "unit", Fixtures.data(200_000, 2), cli.clock);
    docs = Files.createDirectories(cli.work.resolve("docs"));
    Files.writeString(docs.resolve("plan.md"), "# plan\n");
  }

  // --- exit codes: damage in a manifest is an integrity failure (3), not a usage error (2)

  @Test
  void anUnknownCodecIdInAManifestExits3() throws Exception {
    // Unencrypted, so the codec chain (not the manifest's authentication code) is what fails.
    BackupManifest plain =
        Fixtures.backup(cli.defaultRepo(), null, "plain", Fixtures.data(100_000, 3), cli.clock);
    editManifest(plain, m -> ((ObjectNode) m.get("codecs").get(0)).put("id", "xz"));
    Cli.Result verify = cli.run("verify", plain.id());
    assertThat(verify.code()).as(verify.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(verify.out())
        .startsWith("FAILED  " + plain.id())
        .contains("backup " + plain.id() + ": no codec with id 'xz'")
        .contains("restore from another copy");
    Path target = dir.resolve("restored");
    Cli.Result restore = cli.run("restore", plain.id(), target.toString());
    assertThat(restore.code()).as(restore.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(target).doesNotExist();
  }

  @Test
  void anOutOfRangeZstdLevelInAManifestExits3() throws Exception {
    BackupManifest plain =
        Fixtures.backup(cli.defaultRepo(), null, "plain", Fixtures.data(100_000, 3), cli.clock);
    editManifest(
        plain, m -> ((ObjectNode) m.get("codecs").get(0).get("parameters")).put("level", "99"));
    Cli.Result verify = cli.run("verify", plain.id());
    assertThat(verify.code()).as(verify.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(verify.out())
        .startsWith("FAILED  " + plain.id())
        .contains("the codec parameters in its manifest are invalid");
    Cli.Result restore = cli.run("restore", plain.id(), dir.resolve("restored").toString());
    assertThat(restore.code()).as(restore.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(restore.err()).contains("zstd level (99) must be 1-22");

    // The same edit in an encrypted backup's manifest: still exit 3, and nothing restored.
    editManifest(
        newer, m -> ((ObjectNode) m.get("codecs").get(0).get("parameters")).put("level", "9"));
    Path target = dir.resolve("restored-encrypted");
    Cli.Result encrypted = cli.run("restore", newer.id(), target.toString());
    assertThat(encrypted.code()).as(encrypted.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(encrypted.err()).contains("manifest of backup " + newer.id() + " is not authentic");
    assertThat(target).doesNotExist();
  }

  // --- authenticated manifests (docs/format/manifest-authentication.md)

  @Test
  void aChangedManifestOfAnEncryptedBackupIsRefusedWithExit3() throws Exception {
    editManifest(newer, m -> m.put("format", "tar"));
    Path target = dir.resolve("restored");
    Cli.Result restore = cli.run("restore", newer.id(), target.toString());
    assertThat(restore.code()).as(restore.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(restore.err())
        .contains("manifest of backup " + newer.id() + " is not authentic")
        .contains("nothing was restored");
    assertThat(target).doesNotExist();
    Cli.Result verify = cli.run("verify", newer.id());
    assertThat(verify.code()).as(verify.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(verify.out()).startsWith("FAILED  " + newer.id()).contains("is not authentic");

    editManifest(older, m -> m.remove("mac"));
    Cli.Result stripped = cli.run("restore", older.id(), target.toString());
    assertThat(stripped.code()).as(stripped.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(stripped.err()).contains("carries no authentication code");
    assertThat(target).doesNotExist();
  }

  @Test
  void restoresSayWhetherTheManifestWasAuthenticated() throws Exception {
    Cli.Result encrypted = cli.run("restore", newer.id(), dir.resolve("a").toString());
    assertThat(encrypted.code()).as(encrypted.toString()).isEqualTo(0);
    assertThat(encrypted.out()).contains("checksums verified; manifest authenticated");
    BackupManifest plain =
        Fixtures.backup(cli.defaultRepo(), null, "plain", Fixtures.data(10_000, 3), cli.clock);
    Cli.Result unencrypted = cli.run("restore", plain.id(), dir.resolve("b").toString());
    assertThat(unencrypted.code()).as(unencrypted.toString()).isEqualTo(0);
    assertThat(unencrypted.out())
        .contains("manifest NOT authenticated (the backup is not encrypted");
  }

  @Test
  void aSideFileThatDisagreesWithItsManifestIsDamage() throws Exception {
    Path side = cli.defaultRepo().resolve(newer.sha256Key());
    String text = Files.readString(side);
    Files.writeString(side, (text.charAt(0) == '0' ? "1" : "0") + text.substring(1));
    Cli.Result verify = cli.run("verify", newer.id(), "--level", "stored");
    assertThat(verify.code()).as(verify.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(verify.out())
        .startsWith("FAILED  " + newer.id())
        .contains("does not agree with its manifest");
  }

  // --- crash leftovers

  @Test
  void theNextBackupRemovesWhatADeadRunLeftAndSaysSo() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    String run = "docs_20261130_120000";
    Path repo = cli.defaultRepo();
    Files.createDirectories(repo.resolve("docs/.in-progress"));
    Files.createDirectories(repo.resolve("docs/daily"));
    Files.writeString(
        repo.resolve("docs/.in-progress/" + run),
        "{\"host\":\""
            + io.biowerk.dr.core.RunMarker.localHost()
            + "\",\"id\":\""
            + run
            + "\",\"leaseUntil\":\"2099-01-01T00:00:00Z\",\"pid\":"
            + gone.pid()
            + ",\"startedAt\":\"2026-11-30T12:00:00Z\"}");
    Files.write(repo.resolve("docs/daily/" + run + ".tar.zst.enc"), new byte[4096]);
    Files.write(repo.resolve("docs/daily/." + run + ".tar.zst.enc.biowerk-tmp-77"), new byte[99]);

    Cli.Result backup = cli.run("backup", "docs");
    assertThat(backup.code()).as(backup.toString()).isEqualTo(0);
    assertThat(backup.out()).contains("removed 3 leftover object(s) of crashed runs");
    try (Stream<Path> files = Files.walk(repo)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(run));
    }
  }

  @Test
  void pruneDryRunCountsADeadRunsLeftoversByTheDeadRunRule() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    String run = "docs_20261130_120000";
    Path repo = cli.defaultRepo();
    Files.createDirectories(repo.resolve("docs/.in-progress"));
    Files.createDirectories(repo.resolve("docs/daily"));
    Files.writeString(
        repo.resolve("docs/.in-progress/" + run),
        "{\"host\":\""
            + io.biowerk.dr.core.RunMarker.localHost()
            + "\",\"id\":\""
            + run
            + "\",\"leaseUntil\":\"2099-01-01T00:00:00Z\",\"pid\":"
            + gone.pid()
            + ",\"startedAt\":\"2026-11-30T12:00:00Z\"}");
    Files.write(repo.resolve("docs/daily/" + run + ".tar.zst.enc"), new byte[4096]);
    Files.write(repo.resolve("docs/daily/." + run + ".tar.zst.enc.biowerk-tmp-77"), new byte[99]);

    // Minutes old by the command's clock, far from the 24 h grace: only the dead-run rule applies.
    Cli.Result dryRun = cli.run("prune", "--dry-run");
    assertThat(dryRun.code()).as(dryRun.toString()).isEqualTo(0);
    assertThat(dryRun.out()).contains("3 leftover object(s) of crashed runs would be removed");
    assertThat(repo.resolve("docs/daily/" + run + ".tar.zst.enc")).exists();
    Cli.Result json = cli.run("prune", "--dry-run", "--json");
    assertThat(json.out())
        .as(json.toString())
        .contains(".biowerk-tmp-77")
        .contains(".in-progress/" + run);

    Cli.Result prune = cli.run("prune");
    assertThat(prune.code()).as(prune.toString()).isEqualTo(0);
    assertThat(prune.out()).contains("removed 3 leftover object(s) of crashed runs");
    assertThat(repo.resolve("docs/daily/" + run + ".tar.zst.enc")).doesNotExist();
  }

  // --- dangerous targets

  @Test
  void restoreForceIntoTheRepositoryItselfIsRefusedAndDeletesNothing() throws Exception {
    Path repo = cli.defaultRepo();
    long before = countFiles(repo);
    Cli.Result result = cli.run("restore", newer.id(), repo.toString(), "--force");
    assertThat(result.code()).as(result.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).contains("is the repository itself");
    assertThat(countFiles(repo)).isEqualTo(before);
    assertThat(cli.run("list").out()).contains(older.id()).contains(newer.id());
  }

  @Test
  void restoreIntoADirectoryContainingOrInsideTheRepositoryIsRefused() throws Exception {
    Cli.Result containing = cli.run("restore", newer.id(), cli.work.toString(), "--force");
    assertThat(containing.code()).as(containing.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(containing.err()).contains("contains the repository");

    Path inside = cli.defaultRepo().resolve("unit/restored");
    Cli.Result in = cli.run("restore", newer.id(), inside.toString());
    assertThat(in.code()).as(in.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(in.err()).contains("lies inside the repository");
    assertThat(inside).doesNotExist();

    // A symbolic link does not hide the repository.
    Path link = Files.createSymbolicLink(dir.resolve("link"), cli.defaultRepo());
    Cli.Result linked = cli.run("restore", newer.id(), link.toString(), "--force");
    assertThat(linked.code()).as(linked.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(linked.err()).contains("is the repository itself");
  }

  @Test
  void restoreIntoOrAroundTheBackupsOwnSourceIsRefused() throws Exception {
    Cli.Result backup = cli.run("backup", "docs");
    assertThat(backup.code()).as(backup.toString()).isEqualTo(0);

    Cli.Result live = cli.run("restore", "latest:docs", docs.toString(), "--force");
    assertThat(live.code()).as(live.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(live.err()).contains("is the live source directory of this backup");
    assertThat(Files.readString(docs.resolve("plan.md"))).isEqualTo("# plan\n");

    Cli.Result inside = cli.run("restore", "latest:docs", docs.resolve("copy").toString());
    assertThat(inside.code()).as(inside.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(inside.err()).contains("lies inside the backup's source directory");
    assertThat(docs.resolve("copy")).doesNotExist();

    Cli.Result around =
        cli.run(
            "restore",
            "latest:docs",
            cli.work.toString(),
            "--force",
            "--repo",
            cli.defaultRepo().toString());
    assertThat(around.code()).as(around.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(around.err()).contains("contains the repository");

    // After a disaster the source directory is gone: restoring it back is what DR is for.
    deleteTree(docs);
    Cli.Result back = cli.run("restore", "latest:docs", docs.toString());
    assertThat(back.code()).as(back.toString()).isEqualTo(0);
    assertThat(Files.readString(docs.resolve("plan.md"))).isEqualTo("# plan\n");
  }

  @Test
  void anEmptyRepositoryStringIsRefused() throws Exception {
    long before = countFiles(cli.work);
    Cli.Result option = cli.run("backup", "docs", "--repo", "");
    assertThat(option.code()).as(option.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(option.err()).contains("--repo is empty");
    assertThat(countFiles(cli.work)).isEqualTo(before);
    assertThat(cli.run("list", "--repo", " ").code()).isEqualTo(ExitCodes.USAGE);

    cli.variables.put(Environment.REPO_VARIABLE, "");
    Cli.Result variable = cli.run("backup", "docs");
    assertThat(variable.code()).as(variable.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(variable.err()).contains("$" + Environment.REPO_VARIABLE + " is set but empty");
    assertThat(countFiles(cli.work)).isEqualTo(before);
  }

  @Test
  void aRepositoryInsideTheDirectoryBeingBackedUpIsRefused() {
    Path nested = docs.resolve("backups");
    Cli.Result result = cli.run("backup", "docs", "--repo", nested.toString());
    assertThat(result.code()).as(result.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err())
        .contains("lies inside the source directory")
        .contains("every backup would contain the earlier ones");
    assertThat(nested).doesNotExist();

    Cli.Result repository =
        cli.run(
            "backup", cli.defaultRepo().resolve("unit").toString(), "--repo", "biowerk-backups");
    assertThat(repository.code()).as(repository.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(repository.err()).contains("lies inside the repository");
  }

  // --- no silent downgrade: a key file that was asked for must be usable

  @Test
  void everyUnusableKeyFileNamedExplicitlyExits1WithTheReason() throws Exception {
    String good = Files.readString(cli.defaultKeyFile());
    String keyLine = good.lines().filter(l -> l.startsWith("key ")).findFirst().orElseThrow();
    String id = keyLine.substring(4, keyLine.indexOf(':'));
    record Case(String name, String contents, String mode, String expected) {}
    List<Case> cases =
        List.of(
            new Case("missing", null, null, "does not exist"),
            new Case("mode-0644", good, "rw-r--r--", "accessible by group or others"),
            new Case("empty", "", "rw-------", "names no active key"),
            new Case("garbage", "\u0000\u00ffnot a key\n", "rw-------", "is malformed"),
            new Case("directory", null, "rwx------", "is a directory"),
            new Case(
                "bad-base64",
                "active: " + id + "\nkey " + id + ": !!!!\n",
                "rw-------",
                "not valid base64"),
            new Case(
                "short-key",
                "active: " + id + "\nkey " + id + ": AAAA\n",
                "rw-------",
                "is 3 bytes, not 32"),
            new Case("no-active-line", keyLine + "\n", "rw-------", "names no active key"),
            new Case(
                "active-not-held",
                "active: other\n" + keyLine + "\n",
                "rw-------",
                "holds no key with that id"));
    assertThat(cases).hasSize(9);
    for (Case c : cases) {
      Path file = dir.resolve("keys").resolve(c.name());
      Files.createDirectories(file.getParent());
      if (c.name().equals("directory")) {
        Files.createDirectories(file);
      } else if (c.contents() != null) {
        Files.writeString(file, c.contents());
      }
      if (c.mode() != null) {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(c.mode()));
      }
      for (List<String> args :
          List.of(
              List.of("verify", "latest"),
              List.of("verify", "all", "--level", "stored"),
              List.of("restore", "latest", dir.resolve("out-" + c.name()).toString()))) {
        Cli.Result result =
            cli.run(
                Stream.concat(args.stream(), Stream.of("--key-file", file.toString()))
                    .toArray(String[]::new));
        assertThat(result.code()).as(c.name() + " " + args + "\n" + result).isEqualTo(1);
        assertThat(result.err())
            .as(c.name() + " " + args)
            .startsWith("biowerk-dr: keys: ")
            .contains(file.toString())
            .contains(c.expected());
        assertThat(result.out()).as(c.name()).doesNotContain("ok      ");
      }
      assertThat(dir.resolve("out-" + c.name())).doesNotExist();
    }
    // The same through the variable.
    cli.variables.put(Environment.KEY_FILE_VARIABLE, dir.resolve("keys/missing").toString());
    Cli.Result variable = cli.run("verify", "latest");
    assertThat(variable.code()).as(variable.toString()).isEqualTo(1);
    assertThat(variable.err()).contains("does not exist");
  }

  @Test
  void aNamedKeyFileWithoutTheBackupsKeyFailsInsteadOfCheckingOnlyStoredBytes() throws Exception {
    // The runbook's rotation mistake: the new key file replaced the old one.
    Path rotated = dir.resolve("rotated-key");
    assertThat(cli.run("keys", "generate", "--key-file", rotated.toString()).code()).isEqualTo(0);
    Cli.Result all = cli.run("verify", "all", "--key-file", rotated.toString(), "--json");
    assertThat(all.code()).as(all.toString()).isEqualTo(ExitCodes.INTEGRITY);
    JsonNode json = Json.read(all.out());
    assertThat(json.get("ok").asBoolean()).isFalse();
    assertThat(all.err()).contains("no key with id '" + newer.keyId().orElseThrow() + "'");
    assertThat(all.out()).doesNotContain("\"level\" : \"stored\"");
  }

  @Test
  void withNoKeyAtAllTheAutomaticStoredLevelStillExitsNonZero() throws Exception {
    Files.move(cli.defaultKeyFile(), dir.resolve("vault-copy"));
    Cli.Result all = cli.run("verify", "all", "--json");
    assertThat(all.code()).as(all.toString()).isEqualTo(ExitCodes.INTEGRITY);
    JsonNode json = Json.read(all.out());
    assertThat(json.get("ok").asBoolean()).isFalse();
    assertThat(json.get("verified").asInt()).isEqualTo(2);
    assertThat(json.get("missingKeys").get(0).asText()).isEqualTo(newer.keyId().orElseThrow());
    assertThat(all.err())
        .contains("only the stored bytes were checked")
        .contains("cannot be restored with the keys here");
    // Asking for the stored level explicitly is a check that needs no key, and passes.
    assertThat(cli.run("verify", "all", "--level", "stored").code()).isEqualTo(0);
  }

  @Test
  void keysListNamesTheKeysTheRepositoryNeedsThatTheRingLacks() throws Exception {
    Cli.Result complete = cli.run("keys", "list");
    assertThat(complete.code()).as(complete.toString()).isEqualTo(0);
    assertThat(complete.out()).doesNotContain("MISSING");

    Path rotated = dir.resolve("rotated-key");
    assertThat(cli.run("keys", "generate", "--key-file", rotated.toString()).code()).isEqualTo(0);
    String needed = newer.keyId().orElseThrow();
    Cli.Result lacking = cli.run("keys", "list", "--key-file", rotated.toString());
    assertThat(lacking.code()).as(lacking.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(lacking.out()).containsPattern(needed + " .*MISSING: needed by 2 backup\\(s\\)");
    assertThat(lacking.err())
        .contains("keys: the repository holds backups encrypted with key(s) " + needed)
        .contains("from your vault");
    Cli.Result json = cli.run("keys", "list", "--key-file", rotated.toString(), "--json");
    assertThat(json.code()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(Json.read(json.out()).get("missing").get(needed).asInt()).isEqualTo(2);
  }

  @Test
  void targetTimeRefusesAManifestWhoseFinishedAtWasMovedBeforeItsId() throws Exception {
    // newer was taken at 13:00; the "breach" was at 12:30: --target-time must pick older.
    String breach = "2026-11-30T12:30:00Z";
    Path ok = dir.resolve("ok");
    Cli.Result honest = cli.run("restore", "latest:unit", ok.toString(), "--target-time", breach);
    assertThat(honest.code()).as(honest.toString()).isEqualTo(0);
    assertThat(honest.err()).contains("picked " + older.id());

    editManifest(newer, m -> m.put("finishedAt", "2026-11-30T12:20:00Z"));
    Path target = dir.resolve("tampered");
    Cli.Result result =
        cli.run("restore", "latest:unit", target.toString(), "--target-time", breach);
    assertThat(result.code()).as(result.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(result.err())
        .contains("the manifest of " + newer.id())
        .contains("disagree with the time in its id");
    assertThat(target).doesNotExist();
  }

  @Test
  void listCoversEveryRepositoryGiven() throws Exception {
    Path local = dir.resolve("local");
    Path cloud = dir.resolve("cloud");
    Cli.Result backup =
        cli.run("backup", "docs", "--repo", local.toString(), "--repo", cloud.toString());
    assertThat(backup.code()).as(backup.toString()).isEqualTo(0);
    Cli.Result both = cli.run("list", "--repo", local.toString(), "--repo", cloud.toString());
    assertThat(both.code()).as(both.toString()).isEqualTo(0);
    assertThat(both.out())
        .contains("REPOSITORY")
        .contains(Uris.fileUri(local).toString())
        .contains(Uris.fileUri(cloud).toString());

    // Only the second (cloud) copy's manifest is damaged: list must say so and exit 3.
    try (Stream<Path> files = Files.walk(cloud)) {
      Path manifest =
          files
              .filter(f -> f.getFileName().toString().endsWith(BackupManifest.MANIFEST_SUFFIX))
              .findFirst()
              .orElseThrow();
      Files.writeString(manifest, "{ not json");
    }
    Cli.Result damaged =
        cli.run("list", "--repo", local.toString(), "--repo", cloud.toString(), "--json");
    assertThat(damaged.code()).as(damaged.toString()).isEqualTo(ExitCodes.INTEGRITY);
    JsonNode rows = io.biowerk.dr.core.internal.Json.read(damaged.out());
    assertThat(rows).hasSize(2);
    assertThat(rows.get(1).get("damaged").asBoolean()).isTrue();
    assertThat(rows.get(1).get("repository").asText()).isEqualTo(Uris.fileUri(cloud).toString());
  }

  @Test
  void verifyCoversEveryRepositoryGiven() throws Exception {
    Path local = dir.resolve("local");
    Path cloud = dir.resolve("cloud");
    Cli.Result backup =
        cli.run("backup", "docs", "--repo", local.toString(), "--repo", cloud.toString());
    assertThat(backup.code()).as(backup.toString()).isEqualTo(0);
    Cli.Result both =
        cli.run("verify", "all", "--repo", local.toString(), "--repo", cloud.toString());
    assertThat(both.code()).as(both.toString()).isEqualTo(0);
    assertThat(both.out().lines().filter(l -> l.startsWith("ok      docs_")).count()).isEqualTo(2);

    // Only the second (cloud) copy is damaged: verify must look there too.
    try (Stream<Path> files = Files.walk(cloud)) {
      Path data =
          files
              .filter(f -> f.getFileName().toString().startsWith("docs_"))
              .filter(f -> f.getFileName().toString().endsWith(".enc"))
              .findFirst()
              .orElseThrow();
      VerifyCommandTest.flipOneByte(data);
    }
    Cli.Result damaged =
        cli.run("verify", "latest:docs", "--repo", local.toString(), "--repo", cloud.toString());
    assertThat(damaged.code()).as(damaged.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(damaged.out())
        .containsPattern("ok      docs_.*\\(in " + Uris.fileUri(local) + "\\)")
        .containsPattern("FAILED  docs_.*\\(in " + Uris.fileUri(cloud) + "\\)");
  }

  @Test
  void statusCoversEveryRepositoryGiven() throws Exception {
    Path local = dir.resolve("local");
    Path cloud = dir.resolve("cloud");
    Cli.Result backup =
        cli.run("backup", "docs", "--repo", local.toString(), "--repo", cloud.toString());
    assertThat(backup.code()).as(backup.toString()).isEqualTo(0);
    Cli.Result both = cli.run("status", "--repo", local.toString(), "--repo", cloud.toString());
    assertThat(both.code()).as(both.toString()).isEqualTo(0);
    assertThat(both.out())
        .contains("REPOSITORY")
        .containsPattern(Uris.fileUri(local) + " +docs ")
        .containsPattern(Uris.fileUri(cloud) + " +docs ");
    JsonNode json =
        Json.read(
            cli.run("status", "--repo", local.toString(), "--repo", cloud.toString(), "--json")
                .out());
    assertThat(json.get("sources").size()).isEqualTo(2);
    assertThat(json.get("sources").get(1).get("repository").asText())
        .isEqualTo(Uris.fileUri(cloud).toString());
    assertThat(json.get("damaged").asInt()).isEqualTo(0);

    // Only the second (cloud) copy is damaged: status must see it there too.
    try (Stream<Path> files = Files.walk(cloud)) {
      Path manifest =
          files
              .filter(f -> f.getFileName().toString().startsWith("docs_"))
              .filter(f -> f.getFileName().toString().endsWith(".manifest.json"))
              .findFirst()
              .orElseThrow();
      Files.writeString(manifest, "{ not json");
    }
    Cli.Result damaged =
        cli.run(
            "status",
            "--repo",
            local.toString(),
            "--repo",
            cloud.toString(),
            "--fail-on-violation",
            "--rto",
            "4h");
    assertThat(damaged.code()).as(damaged.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(damaged.out())
        .contains("DAMAGED: 1 backup(s)")
        .contains("(in " + Uris.fileUri(cloud));
    assertThat(damaged.err()).contains("status: 1 backup(s) are DAMAGED");
    JsonNode after =
        Json.read(
            cli.run("status", "--repo", local.toString(), "--repo", cloud.toString(), "--json")
                .out());
    assertThat(after.get("damaged").asInt()).isEqualTo(1);
    assertThat(after.get("ok").asBoolean()).isFalse();
    // The healthy first repository alone is still fine.
    assertThat(
            Json.read(cli.run("status", "--repo", local.toString(), "--json").out())
                .get("damaged")
                .asInt())
        .isEqualTo(0);
  }

  private void editManifest(BackupManifest manifest, Consumer<ObjectNode> edit) throws Exception {
    Path file = cli.defaultRepo().resolve(manifest.manifestKey());
    ObjectNode root = (ObjectNode) io.biowerk.dr.core.internal.Json.read(Files.readAllBytes(file));
    edit.accept(root);
    Files.write(file, io.biowerk.dr.core.internal.Json.bytes(root));
  }

  private static long countFiles(Path root) throws Exception {
    try (Stream<Path> files = Files.walk(root)) {
      return files.count();
    }
  }

  private static void deleteTree(Path root) throws Exception {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
