package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.postgres.PrivateCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The PostgreSQL point-in-time recovery commands end to end on a private cluster: the server's
 * {@code archive_command} is the real {@code biowerk-dr wal-push --async} (a JVM per segment,
 * started by the server), {@code wal-push --drain} stores the spool, {@code backup ?mode=physical}
 * takes the base backup, {@code restore --target-time} lays it down with a {@code restore_command}
 * running the real {@code wal-fetch}, and the restored copy recovers exactly the rows committed
 * before the target. One cluster for the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
// "try": PrivateCluster.close() may be interrupted while it stops the server.
@SuppressWarnings("try")
class PostgresPitrCliIT {

  PitrCluster pitr;
  Path scratch;
  Path repo;
  Path keyFile;
  String java;
  PrivateCluster cluster;
  Cli cli;

  @BeforeAll
  void start() throws Exception {
    pitr = PitrCluster.start("biowerk-clipitr-");
    scratch = pitr.scratch;
    repo = pitr.repo;
    keyFile = pitr.keyFile;
    java = pitr.java;
    cluster = pitr.cluster;
    cli = pitr.cli;
    cluster.execute(
        "CREATE TABLE events (id int PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())");
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
    assertThat(pitr.switchAndDrain().out()).contains("wal-push: stored ");
  }

  @Test
  @Order(1)
  void physicalBackupArchivedWalAndRecoveryToATimeThroughTheCommands() throws Exception {
    cluster.execute("INSERT INTO events (id) VALUES (1)");
    Cli.Result backup =
        cli.run(withRepo("backup", cluster.uri("postgres") + "?mode=physical&name=pitr", "--json"));
    assertThat(backup.code()).as(backup.toString()).isZero();
    assertThat(backup.out()).contains("\"storedName\" : \"pitr_").contains(".pgbase.zst.enc\"");
    cluster.execute("INSERT INTO events (id) VALUES (2)");
    Thread.sleep(300);
    Instant between =
        Instant.parse(
            cluster.single(
                "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"));
    Thread.sleep(300);
    cluster.execute("INSERT INTO events (id) VALUES (3)");
    switchAndDrain();

    Path restored = scratch.resolve("restored");
    String target = between.atOffset(ZoneOffset.ofHours(1)).toString();
    Cli.Result restore =
        cli.run(
            withRepo(
                "restore",
                "latest:pitr",
                restored.toString(),
                "--target-time",
                target,
                "--fetch-command",
                java));
    assertThat(restore.code()).as(restore.toString()).isZero();
    assertThat(restore.out())
        .contains("restored base backup pitr_")
        .contains("recovery to time " + between)
        .contains("next: start the database on " + restored);
    try (PrivateCluster copy = PrivateCluster.onRestored(restored, Map.of("archive_mode", "off"))) {
      copy.startServer();
      copy.awaitPromoted(90);
      assertThat(copy.query("SELECT id FROM events ORDER BY id")).containsExactly("1", "2");
    }

    Cli.Result status = cli.run(withRepo("wal-status", "--source", "pitr"));
    assertThat(status.code()).as(status.toString()).isZero();
    assertThat(status.out())
        .contains("wal of 'pitr': ")
        .contains("(RPO ")
        .containsPattern(
            "pitr_\\d{8}_\\d{6}: recoverable from \\S+ to \\S+ \\(\\d+ segments 0000000100")
        .contains("  point-in-time window: from ");

    // status measures the RPO by the newest archived WAL, not the base backup, and shows the
    // window
    cli.clock.set(Instant.now().plus(Duration.ofHours(2)));
    Cli.Result objectives = cli.run("status", "--json", "--repo", repo.toString());
    assertThat(objectives.code()).as(objectives.toString()).isZero();
    com.fasterxml.jackson.databind.JsonNode pitr = Json.read(objectives.out()).get("sources");
    com.fasterxml.jackson.databind.JsonNode row = null;
    for (com.fasterxml.jackson.databind.JsonNode node : pitr) {
      if (node.get("source").asText().equals("pitr")) {
        row = node;
      }
    }
    assertThat(row).as(objectives.out()).isNotNull();
    assertThat(row.get("rpoFrom").asText()).isEqualTo("log");
    com.fasterxml.jackson.databind.JsonNode wal = row.get("logs").get(0);
    assertThat(wal.get("log").asText()).isEqualTo("wal");
    assertThat(Instant.parse(wal.get("earliestRecoverable").asText()))
        .isBefore(Instant.parse(wal.get("latestRecoverable").asText()));
    // two hours on, the newest segment is about two hours old: the RPO target of 1 h is missed
    assertThat(row.get("rpoAgeSeconds").asLong()).isBetween(7000L, 7300L);
    assertThat(wal.get("rpoSeconds").asLong()).isEqualTo(row.get("rpoAgeSeconds").asLong());
    assertThat(row.get("rpoStatus").asText()).isEqualTo("VIOLATED");
    Cli.Result text = cli.run("status", "--repo", repo.toString());
    assertThat(text.out()).contains("pitr: wal newest 0000000").contains("; point-in-time window ");
  }

  /**
   * {@code status} and {@code wal-status} ask the server the newest base backup names for its WAL
   * position and show how far the archive is behind it, in bytes and positions: about nothing right
   * after a switch is archived, then the WAL written since.
   */
  @Test
  @Order(2)
  void statusShowsHowFarTheArchiveIsBehindTheServer() throws Exception {
    String segment = cluster.single("SELECT pg_walfile_name(pg_current_wal_lsn())");
    switchAndDrain();
    long archivedEnd = lsn(segment);
    com.fasterxml.jackson.databind.JsonNode wal = walStatus();
    assertThat(wal.get("archivedPosition").asText()).isEqualTo(position(archivedEnd));
    long server = lsn(wal.get("serverPosition").asText());
    assertThat(server).isGreaterThanOrEqualTo(archivedEnd);
    assertThat(wal.get("lagBytes").asLong()).isEqualTo(server - archivedEnd).isLessThan(1 << 20);

    cluster.execute("INSERT INTO events (id) SELECT g FROM generate_series(100000, 160000) g");
    long written = lsn(cluster.single("SELECT pg_current_wal_lsn()::text"));
    assertThat(written - archivedEnd).as("the insert wrote WAL").isGreaterThan(1 << 20);
    wal = walStatus();
    assertThat(lsn(wal.get("serverPosition").asText())).isGreaterThanOrEqualTo(written);
    assertThat(wal.get("archivedPosition").asText()).isEqualTo(position(archivedEnd));
    assertThat(wal.get("lagBytes").asLong()).isGreaterThanOrEqualTo(written - archivedEnd);
    assertThat(wal.has("lagProblem")).isFalse();

    Cli.Result text = cli.run("status", "--repo", repo.toString());
    assertThat(text.out())
        .contains("; behind the server by ")
        .contains("(archived up to " + position(archivedEnd) + ", server at ");
    Cli.Result walText = cli.run(withRepo("wal-status", "--source", "pitr", "--json"));
    assertThat(walText.code()).as(walText.toString()).isZero();
    assertThat(Json.read(walText.out()).get("lagBytes").asLong())
        .isGreaterThanOrEqualTo(written - archivedEnd);
    switchAndDrain();
  }

  com.fasterxml.jackson.databind.JsonNode walStatus() throws Exception {
    cli.clock.set(Instant.now());
    Cli.Result objectives = cli.run("status", "--json", "--repo", repo.toString());
    assertThat(objectives.code()).as(objectives.toString()).isZero();
    for (com.fasterxml.jackson.databind.JsonNode node :
        Json.read(objectives.out()).get("sources")) {
      if (node.get("source").asText().equals("pitr")) {
        return node.get("logs").get(0);
      }
    }
    throw new AssertionError("no source pitr in " + objectives.out());
  }

  /** The LSN where the segment after {@code name} starts, or an LSN in text form. */
  static long lsn(String text) {
    if (text.matches("[0-9A-F]{24}")) {
      long log = Long.parseLong(text.substring(8, 16), 16);
      long seg = Long.parseLong(text.substring(16, 24), 16);
      return (log << 32) + (seg + 1) * (16L << 20);
    }
    String[] parts = text.split("/", -1);
    return (Long.parseLong(parts[0], 16) << 32) | Long.parseLong(parts[1], 16);
  }

  static String position(long lsn) {
    return String.format(Locale.ROOT, "%X/%X", lsn >>> 32, lsn & 0xFFFFFFFFL);
  }

  @Test
  @Order(3)
  void pushingASegmentAgainIsIdempotentAndDifferentBytesAreRefused() throws Exception {
    Path other = scratch.resolve("repo-sync");
    Path walDir = cluster.data().resolve("pg_wal");
    Path segment;
    try (Stream<Path> files = Files.list(walDir)) {
      segment =
          files
              .filter(p -> p.getFileName().toString().matches("[0-9A-F]{24}"))
              .sorted()
              .findFirst()
              .orElseThrow();
    }
    Path copy = scratch.resolve(segment.getFileName().toString());
    Files.copy(segment, copy);
    String[] push = {
      "wal-push",
      "--source",
      "sync",
      "--repo",
      other.toString(),
      "--key-file",
      keyFile.toString(),
      "--json",
      copy.toString()
    };
    Cli.Result first = cli.run(push);
    assertThat(first.code()).as(first.toString()).isZero();
    assertThat(first.out()).contains("\"outcome\" : \"stored\"");
    Cli.Result again = cli.run(push);
    assertThat(again.code()).as(again.toString()).isZero();
    assertThat(again.out()).contains("\"outcome\" : \"already stored\"");
    byte[] bytes = Files.readAllBytes(copy);
    bytes[bytes.length - 1] ^= 1;
    Files.write(copy, bytes);
    Cli.Result conflict = cli.run(push);
    assertThat(conflict.code()).as(conflict.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(conflict.err())
        .contains(
            "wal archive: sync/wal/"
                + segment.getFileName()
                + " is already stored with different bytes")
        .contains("give each cluster its own source name");
  }

  @Test
  @Order(4)
  void theSeedsTargetTimeOnADumpLeadsToPointInTimeRecovery() throws Exception {
    Cli.Result dump =
        cli.run(withRepo("backup", cluster.uri("postgres") + "?name=logical", "--json"));
    assertThat(dump.code()).as(dump.toString()).isZero();
    String id = dump.out().replaceFirst("(?s)^.*?\"id\" : \"([^\"]+)\".*$", "$1");
    Cli.Result refused =
        cli.run(
            withRepo(
                "restore",
                "--target-time",
                "2030-01-15T14:30:00+01:00",
                id,
                scratch.resolve("x").toString()));
    assertThat(refused.code()).as(refused.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(refused.err())
        .contains("logical backup that cannot be replayed to a time")
        .contains("take physical base backups and archive the log");
    Cli.Result lsn =
        cli.run(
            withRepo(
                "restore",
                "latest:logical",
                scratch.resolve("y").toString(),
                "--target-lsn",
                "0/0"));
    assertThat(lsn.code()).as(lsn.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(lsn.err()).contains("has no base backup that can be rolled forward");
  }

  @Test
  @Order(5)
  void pruneKeepsTheWalTheWindowAndKeptBaseBackupsNeedAndDeletesTheRest() throws Exception {
    cluster.execute("INSERT INTO events (id) VALUES (4)");
    switchAndDrain();
    Cli.Result second =
        cli.run(withRepo("backup", cluster.uri("postgres") + "?mode=physical&name=pitr", "--json"));
    assertThat(second.code()).as(second.toString()).isZero();
    String startWal =
        second.out().replaceFirst("(?s)^.*?\"startWal\" : \"([0-9A-F]{24})\".*$", "$1");
    assertThat(startWal).matches("[0-9A-F]{24}");
    cluster.execute("INSERT INTO events (id) VALUES (5)");
    switchAndDrain();
    Path wal = repo.resolve("pitr/wal");
    List<String> before;
    try (Stream<Path> files = Files.list(wal)) {
      before = files.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertThat(before).anyMatch(n -> n.compareTo(startWal) < 0);

    // Eight days on, only the newest base backup is kept: the WAL before its start is not needed.
    cli.clock.set(Instant.now().plus(Duration.ofDays(8)));
    Cli.Result dry =
        cli.run("prune", "pitr", "--keep-last", "1", "--dry-run", "--repo", repo.toString());
    assertThat(dry.code()).as(dry.toString()).isZero();
    assertThat(dry.out())
        .contains("  wal: ")
        .contains("to delete")
        .containsPattern(
            "keep    "
                + startWal
                + " \\.\\. [0-9A-F]{24}\\S* \\(\\d+\\)  point-in-time window PT168H")
        .contains("delete  ")
        .contains("older than the point-in-time window, and no kept base backup needs it");
    try (Stream<Path> files = Files.list(wal)) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).isEqualTo(before);
    }

    Cli.Result prune =
        cli.run("prune", "pitr", "--keep-last", "1", "--json", "--repo", repo.toString());
    assertThat(prune.code()).as(prune.toString()).isZero();
    List<String> after;
    try (Stream<Path> files = Files.list(wal)) {
      after = files.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertThat(after).isNotEmpty().allMatch(n -> n.substring(0, 24).compareTo(startWal) >= 0);
    Cli.Result status = cli.run(withRepo("wal-status", "--source", "pitr"));
    assertThat(status.code()).as(status.toString()).isZero();
    assertThat(status.out()).containsPattern("pitr_\\d{8}_\\d{6}: recoverable from ");
  }

  @Test
  @Order(6)
  void verifyAtTheRestoreLevelStartsAPrivateServerOnTheBaseBackup() throws Exception {
    cli.clock.set(Instant.now());
    Cli.Result verified =
        cli.run(withRepo("verify", "latest:pitr", "--level", "restore", "--fetch-command", java));
    assertThat(verified.code()).as(verified.toString()).isZero();
    assertThat(verified.out())
        .contains("restore test: ")
        .contains("WAL replayed to the backup's consistent point")
        .containsPattern("answered \\(\\d+ databases\\)");

    // A server that cannot fetch the WAL never becomes consistent: the check fails and says why.
    Cli.Result failed =
        cli.run(
            withRepo(
                "verify",
                "latest:pitr",
                "--level",
                "restore",
                "-o",
                "wal-fetch-command=/bin/false",
                "-o",
                "restore-timeout=PT30S"));
    assertThat(failed.code()).as(failed.toString()).isNotZero();
    assertThat(failed.err())
        .contains("the restore test of base backup pitr_")
        .contains("check that every WAL segment the backup needs is archived");
  }
}
