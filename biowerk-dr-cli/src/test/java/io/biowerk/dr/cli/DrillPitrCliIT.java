package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.biowerk.dr.postgres.PrivateCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code biowerk-dr drill} on a source with archived WAL, end to end on a private cluster whose
 * {@code archive_command} is the real {@code wal-push}: the drill restores the newest physical base
 * backup, checks the archive for gaps, runs a point-in-time restore to the newest archived point on
 * a private server in a scratch directory (fetching WAL with the real {@code wal-fetch}), and
 * reports it; a segment missing from the archive fails the drill with a message that says what to
 * do. One cluster for the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrillPitrCliIT {

  PitrCluster pitr;
  Path repo;
  Path keyFile;
  String java;
  String rules =
      Path.of("..", "deploy/prometheus/backup-alerts.yml").toAbsolutePath().normalize().toString();
  PrivateCluster cluster;
  Cli cli;
  String damaged;

  @BeforeAll
  void start() throws Exception {
    pitr = PitrCluster.start("biowerk-drillpitr-");
    repo = pitr.repo;
    keyFile = pitr.keyFile;
    java = pitr.java;
    cluster = pitr.cluster;
    cli = pitr.cli;
    cluster.execute("CREATE TABLE events (id int PRIMARY KEY)");
    Files.writeString(
        cli.work.resolve("biowerk-dr.yml"),
        "repositories: ["
            + repo
            + "]\n"
            + "keys: {file: "
            + keyFile
            + "}\n"
            + "server: {drill-reports: reports}\n"
            + "sources:\n"
            + "  pitr:\n"
            + "    uri: \""
            + cluster.uri("postgres")
            + "?mode=physical&name=pitr\"\n"
            + "    backup: \"0 2 * * *\"\n"
            + "    rto: 2h\n"
            + "    rpo: 1h\n");
  }

  @AfterAll
  void stop() throws Exception {
    if (pitr != null) {
      pitr.stop();
    }
  }

  String[] withRepo(String... args) {
    return pitr.withRepo(args);
  }

  void switchAndDrain() throws Exception {
    pitr.switchAndDrain();
  }

  Cli.Result drill() {
    cli.clock.set(Instant.now());
    return cli.run(
        "drill",
        "--config",
        "biowerk-dr.yml",
        "--rules",
        rules,
        "--no-metrics",
        "--fetch-command",
        java,
        "--json");
  }

  @Test
  @Order(1)
  void aDrillOfASourceWithArchivedWalRestoresToTheNewestPointAndPasses() throws Exception {
    cluster.execute("INSERT INTO events (id) VALUES (1)");
    Cli.Result backup =
        cli.run(withRepo("backup", cluster.uri("postgres") + "?mode=physical&name=pitr"));
    assertThat(backup.code()).as(backup.toString()).isZero();
    cluster.execute("INSERT INTO events (id) VALUES (2)");
    switchAndDrain();

    Cli.Result drill = drill();
    assertThat(drill.code()).as(drill.toString()).isZero();
    JsonNode report = Json.read(drill.out());
    assertThat(report.get("ok").asBoolean()).as(drill.out()).isTrue();
    assertThat(report.get("checklist").get("Restore scripts execute successfully").asBoolean())
        .isTrue();
    JsonNode source = report.get("sources").get(0);
    JsonNode pitr = source.get("pitr");
    assertThat(pitr.get("ok").asBoolean()).as(pitr.toString()).isTrue();
    assertThat(pitr.get("detail").asText())
        .contains("point-in-time restore: ")
        .contains("every archived WAL segment replayed (last transaction replayed: 20")
        .containsPattern("answered \\(\\d+ databases\\)");
    assertThat(pitr.get("segments").asInt()).isGreaterThanOrEqualTo(2);
    assertThat(Instant.parse(pitr.get("windowTo").asText()))
        .isAfter(Instant.parse(pitr.get("windowFrom").asText()));
    assertThat(source.get("rto").get("detail").asText())
        .contains("the slower of restore and point-in-time restore");
    assertThat(source.get("rpo").get("detail").asText()).contains("since the newest archived WAL");

    Path markdown;
    try (Stream<Path> files = Files.list(cli.work.resolve("reports"))) {
      markdown = files.filter(p -> p.toString().endsWith(".md")).findFirst().orElseThrow();
    }
    assertThat(Files.readString(markdown))
        .contains("- [x] Restore scripts execute successfully")
        .contains("- pitr: yes - to ");
  }

  @Test
  @Order(2)
  void aSegmentWhoseDataCannotBeFetchedStopsTheReplayEarlyAndFailsTheDrill() throws Exception {
    cluster.execute("INSERT INTO events (id) VALUES (3)");
    switchAndDrain();
    cluster.execute("INSERT INTO events (id) VALUES (4)");
    switchAndDrain();
    List<Path> files = walFiles();
    List<String> segments =
        files.stream()
            .map(p -> p.getFileName().toString())
            .filter(n -> n.matches("[0-9A-F]{24}\\..*"))
            .map(n -> n.substring(0, 24))
            .distinct()
            .sorted()
            .toList();
    assertThat(segments.size()).as(segments.toString()).isGreaterThanOrEqualTo(3);
    damaged = segments.get(segments.size() - 2);
    // its manifest stays, so the archive looks whole; the server's wal-fetch of it fails
    for (Path file : files) {
      String n = file.getFileName().toString();
      if (n.startsWith(damaged + ".") && !n.endsWith(".manifest.json")) {
        Files.delete(file);
      }
    }

    Cli.Result drill = drill();
    assertThat(drill.code()).as(drill.toString()).isEqualTo(ExitCodes.FAILURE);
    JsonNode source = Json.read(drill.out()).get("sources").get(0);
    assertThat(source.get("restore").get("ok").asBoolean()).as(source.toString()).isTrue();
    assertThat(source.get("pitr").get("ok").asBoolean()).isFalse();
    assertThat(source.get("pitr").get("detail").asText())
        .contains("the replay stopped in segment ")
        .contains("before " + segments.get(segments.size() - 1))
        .contains("fetch it by hand with 'biowerk-dr wal-fetch' to see why");
  }

  List<Path> walFiles() throws Exception {
    try (Stream<Path> listed = Files.list(repo.resolve("pitr/wal"))) {
      return listed.toList();
    }
  }

  @Test
  @Order(3)
  void aSegmentMissingFromTheArchiveFailsTheDrillAndSaysWhatToDo() throws Exception {
    assertThat(damaged).as("set by the test before").isNotNull();
    String name = damaged;
    for (Path file : walFiles()) {
      if (file.getFileName().toString().startsWith(name + ".")) {
        Files.delete(file);
      }
    }

    Cli.Result drill = drill();
    assertThat(drill.code()).as(drill.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(drill.err()).contains("drill: a check failed or a target was missed; see ");
    JsonNode report = Json.read(drill.out());
    assertThat(report.get("ok").asBoolean()).isFalse();
    assertThat(report.get("checklist").get("Restore scripts execute successfully").asBoolean())
        .isFalse();
    JsonNode source = report.get("sources").get(0);
    // the base backup itself still restores: only the roll-forward is broken
    assertThat(source.get("restore").get("ok").asBoolean()).as(source.toString()).isTrue();
    assertThat(source.get("pitr").get("ok").asBoolean()).isFalse();
    assertThat(source.get("pitr").get("detail").asText())
        .contains("WAL segment " + name + " is missing from")
        .contains("push it from the server's pg_wal if it is still there");
    assertThat(source.get("rto").get("ok").asBoolean()).isFalse();
  }
}
