package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.biowerk.dr.core.BackupManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PruneCommandTest {

  @TempDir Path dir;
  Cli cli;
  List<BackupManifest> daily = new ArrayList<>();

  /** Ten daily backups of one source, one a day at 02:00, the last today. */
  @BeforeEach
  void tenDays() throws Exception {
    cli = new Cli(dir);
    cli.clock.set(java.time.Instant.parse("2026-11-21T02:00:00Z"));
    for (int day = 0; day < 10; day++) {
      daily.add(
          Fixtures.backup(cli.defaultRepo(), null, "app", Fixtures.data(5_000, day), cli.clock));
      cli.clock.advance(Duration.ofDays(1));
    }
    cli.clock.set(java.time.Instant.parse("2026-11-30T12:00:00Z"));
  }

  @Test
  void dryRunPrintsThePlanAndChangesNothing() throws Exception {
    List<String> before = files(cli.defaultRepo());
    Cli.Result result = cli.run("prune", "--keep-daily", "3", "--dry-run");
    assertThat(result.code()).as(result.toString()).isEqualTo(0);
    assertThat(files(cli.defaultRepo())).isEqualTo(before);
    assertThat(result.out())
        .contains("source app: 3 kept, 7 to delete")
        .contains("keep    " + daily.get(9).id())
        .contains("newest")
        .contains("delete  " + daily.get(0).id())
        .contains("dry run: nothing was changed");
    assertThat(result.out().lines().filter(l -> l.startsWith("  keep")).count()).isEqualTo(3);
    assertThat(result.out().lines().filter(l -> l.startsWith("  delete")).count()).isEqualTo(7);

    Cli.Result json = cli.run("prune", "--keep-last", "2", "--dry-run", "--json");
    JsonNode plan = Json.read(json.out());
    assertThat(plan.get("dryRun").asBoolean()).isTrue();
    assertThat(plan.get("kept").asInt()).isEqualTo(2);
    JsonNode decisions = plan.get("repositories").get(0).get("sources").get(0).get("decisions");
    assertThat(decisions).hasSize(10);
    assertThat(decisions.get(0).get("keep").asBoolean()).isTrue();
    assertThat(decisions.get(9).get("keep").asBoolean()).isFalse();
    assertThat(files(cli.defaultRepo())).isEqualTo(before);
  }

  @Test
  void pruneDeletesWhatThePolicyDoesNotKeepAndKeepsTheLastVerified() throws Exception {
    // The oldest backup passed verification, so it is the last verified one and must survive.
    assertThat(cli.run("verify", daily.get(0).id()).code()).isEqualTo(0);
    Cli.Result result = cli.run("prune", "--keep-last", "2");
    assertThat(result.code()).as(result.toString()).isEqualTo(0);
    assertThat(result.out()).contains("3 kept, 7 deleted");
    Cli.Result list = cli.run("list", "--json");
    List<String> ids = new ArrayList<>();
    Json.read(list.out()).forEach(r -> ids.add(r.get("id").asText()));
    assertThat(ids).containsExactly(daily.get(9).id(), daily.get(8).id(), daily.get(0).id());
    assertThat(files(cli.defaultRepo()).stream().filter(f -> f.contains(daily.get(3).id())))
        .isEmpty();

    // Applying the same policy again changes nothing.
    List<String> after = files(cli.defaultRepo());
    assertThat(cli.run("prune", "--keep-last", "2").out()).contains("3 kept, 0 deleted");
    assertThat(files(cli.defaultRepo())).isEqualTo(after);
  }

  @Test
  void withoutOptionsThePlansPresetApplies() throws Exception {
    Cli.Result result = cli.run("prune", "--dry-run");
    assertThat(result.code()).isEqualTo(0);
    assertThat(result.out())
        .contains("10 kept, 0 to delete")
        .contains("keep 30 daily, 12 weekly, 12 monthly")
        .contains("the plan's preset");
  }

  @Test
  void badRetentionOptionsAreUsageErrors() throws Exception {
    Cli.Result within = cli.run("prune", "--keep-within", "fortnight");
    assertThat(within.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(within.err()).contains("--keep-within 'fortnight' is not a duration").contains("7d");
    Cli.Result negative = cli.run("prune", "--keep-daily", "-1");
    assertThat(negative.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(negative.err()).contains("may not be negative");
    Cli.Result notNumber = cli.run("prune", "--keep-daily", "many");
    assertThat(notNumber.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(notNumber.err()).contains("'many' is not an int");
    assertThat(files(cli.defaultRepo()).stream().filter(f -> f.endsWith(".manifest.json")))
        .hasSize(10);
  }

  @Test
  void keepWithinUnderstandsShortAndIsoDurations() {
    assertThat(PruneCommand.duration("x", "7d")).isEqualTo(Duration.ofDays(7));
    assertThat(PruneCommand.duration("x", "2w")).isEqualTo(Duration.ofDays(14));
    assertThat(PruneCommand.duration("x", "36h")).isEqualTo(Duration.ofHours(36));
    assertThat(PruneCommand.duration("x", "P3D")).isEqualTo(Duration.ofDays(3));
    Cli.Result result = cli.run("prune", "--keep-within", "3d", "--dry-run");
    assertThat(result.out()).contains("source app: 3 kept, 7 to delete");
  }

  /**
   * The crash campaign's prune finding: a prune killed after a backup's manifest and before its
   * data left the data and side file, which the next prune kept for 24 h. With the dead prune's
   * marker naming the backup, the next prune removes them at once and says so.
   */
  @Test
  void theNextPruneRemovesWhatAKilledPruneLeftAndSaysSo() throws Exception {
    Path repo = cli.defaultRepo();
    BackupManifest victim = daily.get(0);
    Files.delete(repo.resolve(victim.manifestKey()));
    Cli.Result before = cli.run("prune", "--keep-last", "10");
    assertThat(before.out()).doesNotContain("leftover");
    assertThat(Files.exists(repo.resolve(victim.dataKey()))).isTrue();

    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path marker = repo.resolve("app/.in-progress/prune-1-" + gone.pid());
    Files.createDirectories(marker.getParent());
    Files.writeString(
        marker,
        "{\"deletes\":[\""
            + victim.id()
            + "\"],\"host\":\""
            + io.biowerk.dr.core.RunMarker.localHost()
            + "\",\"id\":\"prune-1\",\"leaseUntil\":\"2026-11-30T12:05:00Z\",\"pid\":"
            + gone.pid()
            + ",\"startedAt\":\"2026-11-30T12:00:00Z\"}");
    // The marker was written before the prune deleted anything, after the backup's objects.
    Files.setLastModifiedTime(
        marker,
        java.nio.file.attribute.FileTime.from(
            Files.getLastModifiedTime(repo.resolve(victim.dataKey())).toInstant().plusSeconds(1)));

    Cli.Result result = cli.run("prune", "--keep-last", "10");
    assertThat(result.code()).as(result.toString()).isEqualTo(0);
    assertThat(result.out()).contains("removed 3 leftover object(s) of crashed runs");
    assertThat(files(repo).stream().filter(f -> f.contains(victim.id()) || f.contains("prune-")))
        .isEmpty();
    assertThat(files(repo).stream().filter(f -> f.endsWith(".manifest.json"))).hasSize(9);
  }

  static List<String> files(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile)
          .map(p -> root.relativize(p).toString())
          .sorted()
          .toList();
    }
  }
}
