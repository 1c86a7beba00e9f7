package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.biowerk.dr.core.BackupManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListCommandTest {

  @TempDir Path dir;

  @Test
  void listsBackupsNewestFirstAsTableAndJson() throws Exception {
    Cli cli = new Cli(dir);
    BackupManifest a =
        Fixtures.backup(cli.defaultRepo(), null, "alpha", Fixtures.data(10_000, 1), cli.clock);
    cli.clock.advance(Duration.ofMinutes(5));
    BackupManifest b =
        Fixtures.backup(cli.defaultRepo(), null, "beta", Fixtures.data(20_000, 2), cli.clock);
    cli.clock.advance(Duration.ofMinutes(5));
    BackupManifest c =
        Fixtures.backup(cli.defaultRepo(), null, "alpha", Fixtures.data(30_000, 3), cli.clock);

    Cli.Result table = cli.run("list");
    assertThat(table.code()).as(table.toString()).isEqualTo(0);
    assertThat(table.out().lines().toList()).hasSize(4);
    assertThat(table.out().lines().toList().get(0))
        .startsWith("ID")
        .contains("SOURCE")
        .contains("STORED");
    assertThat(table.out().lines().skip(1).map(l -> l.substring(0, l.indexOf(' '))).toList())
        .containsExactly(c.id(), b.id(), a.id());
    assertThat(table.out()).contains("2026-11-30 12:10:00Z").contains("29.3 KiB");

    Cli.Result json = cli.run("list", "alpha", "--json");
    JsonNode rows = Json.read(json.out());
    assertThat(rows).hasSize(2);
    assertThat(rows.get(0).get("id").asText()).isEqualTo(c.id());
    assertThat(rows.get(0).get("rawSize").asLong()).isEqualTo(30_000);
    assertThat(rows.get(0).get("storedKey").asText()).isEqualTo(c.dataKey());
    assertThat(rows.get(1).get("id").asText()).isEqualTo(a.id());
  }

  @Test
  void showPrintsOneBackupsManifestAndVerifications() throws Exception {
    Cli cli = new Cli(dir);
    assertThat(cli.run("keys", "generate").code()).isEqualTo(0);
    BackupManifest m =
        Fixtures.backup(
            cli.defaultRepo(), cli.defaultKeyFile(), "alpha", Fixtures.data(10_000, 1), cli.clock);
    Cli.Result never = cli.run("show", "latest:alpha");
    assertThat(never.code()).as(never.toString()).isEqualTo(0);
    assertThat(never.out())
        .contains("backup      " + m.id())
        .contains("key         " + m.keyId().orElseThrow())
        .contains("sha256 " + m.rawSha256())
        .contains("sha256 " + m.storedSha256())
        .contains("bin -> zst{level=3} -> enc{")
        .contains("fact        bytes = 10000")
        .contains("verified    never");
    assertThat(cli.run("verify", m.id()).code()).isEqualTo(0);
    JsonNode json = Json.read(cli.run("show", m.id(), "--json").out());
    assertThat(json.get("id").asText()).isEqualTo(m.id());
    assertThat(json.get("stored").get("sha256").asText()).isEqualTo(m.storedSha256());
    assertThat(json.get("verifications").get(0).get("passed").asBoolean()).isTrue();
    assertThat(cli.run("show", "alpha_19990101_000000").code()).isEqualTo(ExitCodes.FAILURE);
  }

  @Test
  void aMissingRepositoryIsAFailureThatSaysWhereItLooked() throws Exception {
    Cli cli = new Cli(dir);
    Cli.Result result = cli.run("list");
    assertThat(result.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(result.err().strip())
        .isEqualTo(
            "biowerk-dr: repository "
                + Uris.fileUri(cli.defaultRepo())
                + " (the default ./biowerk-backups) does not exist; pass --repo or set $BIOWERK_DR_REPO to where the"
                + " backups are, or run a backup first");
    assertThat(cli.defaultRepo()).doesNotExist();

    cli.variables.put("BIOWERK_DR_REPO", "/no/such/repo");
    assertThat(cli.run("list").err()).contains("file:///no/such/repo (from $BIOWERK_DR_REPO)");
    assertThat(cli.run("list", "--json").out()).contains("\"exitCode\" : 1");
  }

  @Test
  void anEmptyRepositoryListsNothing() throws Exception {
    Cli cli = new Cli(dir);
    Files.createDirectories(cli.defaultRepo());
    Cli.Result result = cli.run("list");
    assertThat(result.code()).isEqualTo(0);
    assertThat(result.out()).isEmpty();
    assertThat(result.err()).contains("no backups in");
    assertThat(Json.read(cli.run("list", "--json").out())).isEmpty();
  }

  @Test
  void anUnknownRepositorySchemeIsAUsageErrorListingTheSchemes() throws Exception {
    Cli.Result result = new Cli(dir).run("list", "--repo", "ftp://host/backups");
    assertThat(result.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).contains("'ftp'").contains("found: file");
  }
}
