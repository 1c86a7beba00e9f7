package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupReader;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.RestoreJob;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.TargetNotEmptyException;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogRecovery;
import io.biowerk.dr.core.log.LogSpool;
import io.biowerk.dr.core.log.RecoveryRangeException;
import io.biowerk.dr.core.log.RecoveryTarget;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Physical base backups and recovery to a point in time on a private cluster with {@code
 * archive_mode=on}: its {@code archive_command} queues each segment in a {@link LogSpool} (the
 * asynchronous archiving mode) that the test drains into an encrypted repository, and a restored
 * copy recovers through {@link WalFetchForTests} as its {@code restore_command}. One source cluster
 * serves every test; the tests run in order and the last ones damage the archive.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
// "try": PrivateCluster.close() may be interrupted while it stops the server.
@SuppressWarnings("try")
class PointInTimeRecoveryIT {

  static final String SOURCE = "pitr";

  Path scratch;
  String archiveCommand;
  Path spoolDir;
  Path repoDir;
  Path keyFile;
  PrivateCluster cluster;
  LocalSink repo;
  KeyRing ring;
  LogArchive archive;
  LogSpool spool;
  BackupManifest base;
  final PgWalLog wal = new PgWalLog();

  @BeforeAll
  void start() throws Exception {
    scratch = Files.createTempDirectory(Path.of("/tmp"), "biowerk-pitr-");
    Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwxr-xr-x"));
    spoolDir = Files.createDirectories(scratch.resolve("spool"));
    repoDir = scratch.resolve("repo");
    repo = LocalSink.open(repoDir);
    keyFile = scratch.resolve("keys/master.key");
    KeyFile file = KeyFile.at(keyFile);
    file.create(Clock.systemUTC());
    ring = KeyRing.of(file);
    String s = spoolDir.toString();
    archiveCommand =
        "test ! -f "
            + s
            + "/%f.error && cp %p "
            + s
            + "/.%f.tmp && mv "
            + s
            + "/.%f.tmp "
            + s
            + "/%f";
    cluster =
        PrivateCluster.start(
            Map.of(
                "wal_level", "replica",
                "archive_mode", "on",
                "max_wal_senders", "4",
                "archive_command", archiveCommand));
    cluster.own(scratch);
    archive =
        LogArchive.of(
            repo,
            SOURCE,
            PgWalLog.LOG,
            List.of(ZstdCodec.defaults(), EncryptionCodec.encryptingWith(ring.active(), ring)),
            ring);
    spool = LogSpool.at(spoolDir);
    cluster.execute(
        "CREATE TABLE events (id int PRIMARY KEY, body text, at timestamptz DEFAULT clock_timestamp())");
  }

  @AfterAll
  void stop() throws Exception {
    try {
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      PrivateCluster.run(List.of("rm", "-rf", scratch.toString()));
    }
  }

  /**
   * Switches to a new WAL segment, waits until the server archived it into the spool, drains the
   * spool.
   */
  void switchAndArchive() throws Exception {
    PgTestServer admin = cluster.superuser();
    String segment = admin.single("postgres", "SELECT pg_walfile_name(pg_current_wal_lsn())");
    admin.execute("postgres", "SELECT pg_switch_wal()");
    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      String last =
          admin.single("postgres", "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
      if (last.compareTo(segment) >= 0) {
        break;
      }
      if (System.nanoTime() > until) {
        throw new AssertionError("segment " + segment + " not archived in 30 s:\n" + cluster.log());
      }
      Thread.sleep(50);
    }
    spool.drainOnce(archive, wal);
    assertThat(spool.failed()).isEmpty();
  }

  Instant serverNow() throws Exception {
    return OffsetDateTime.parse(
            cluster
                .superuser()
                .single(
                    "postgres",
                    "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC',"
                        + " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"))
        .toInstant();
  }

  void insert(int id) throws Exception {
    cluster.execute("INSERT INTO events (id, body) VALUES (" + id + ", 'row " + id + "')");
  }

  @Test
  @Order(1)
  void aPhysicalBackupStreamsTheClusterAndRecordsItsWalRange() throws Exception {
    insert(1);
    var source =
        PostgresPhysicalSource.of(
            URI.create(cluster.uri("postgres") + "?mode=physical&name=" + SOURCE));
    assertThat(
            new PostgresSourceProvider()
                .create(URI.create(cluster.uri("postgres") + "?mode=physical")))
        .isInstanceOf(PostgresPhysicalSource.class);
    base =
        BackupJob.of(source)
            .codecs(ZstdCodec.defaults(), EncryptionCodec.encryptingWith(ring.active(), ring))
            .sinks(repo)
            .build()
            .run();
    spool.drainOnce(archive, wal);
    Map<String, Object> facts = base.facts();
    assertThat(base.format()).isEqualTo("pgbase");
    assertThat(base.dataKey())
        .startsWith(SOURCE + "/daily/" + SOURCE + "_")
        .endsWith(".pgbase.zst.enc");
    assertThat(facts.get("systemIdentifier"))
        .isEqualTo(
            cluster
                .superuser()
                .single("postgres", "SELECT system_identifier FROM pg_control_system()"));
    assertThat(facts.get("serverVersion")).asString().startsWith("1");
    assertThat(facts.get("timeline")).isEqualTo(1);
    assertThat((String) facts.get("startWal")).matches("00000001[0-9A-F]{16}");
    assertThat((String) facts.get("stopWal"))
        .isGreaterThanOrEqualTo((String) facts.get("startWal"));
    assertThat(PgWal.lsn((String) facts.get("stopLsn")))
        .isGreaterThan(PgWal.lsn((String) facts.get("startLsn")));
    assertThat(facts.get("tablespaces")).isEqualTo(List.of("pg_default", "pg_global"));
    assertThat(facts.get("walSegmentSize")).isEqualTo(16777216L);
    assertThat(Instant.parse((String) facts.get("stopTime")))
        .isAfterOrEqualTo(Instant.parse((String) facts.get("startTime")));
    assertThat(archive.names()).contains((String) facts.get("stopWal"));

    List<String> members = new ArrayList<>();
    try (InputStream in = Channels.newInputStream(BackupReader.openDecoded(repo, base, ring));
        TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        members.add(entry.getName());
      }
    }
    assertThat(members).contains("PG_VERSION", "backup_label", "global/pg_control");
    assertThat(members.get(members.size() - 1)).isEqualTo("backup_manifest");

    try (var decoded = BackupReader.openDecoded(repo, base, ring)) {
      assertThat(
              new PostgresVerifier(PgTools.system())
                  .verify(base, io.biowerk.dr.core.VerificationLevel.NATIVE, decoded, Map.of()))
          .startsWith("pg_verifybackup: ")
          .contains("files match backup_manifest");
    }
  }

  @Test
  @Order(2)
  void recoveryToATimeBetweenTwoCommitsGivesExactlyTheRowsCommittedBeforeIt() throws Exception {
    insert(2);
    Thread.sleep(200);
    Instant between = serverNow();
    Thread.sleep(200);
    insert(3);
    switchAndArchive();

    LogRecovery recovery = wal.recovery(base).orElseThrow();
    assertThat(recovery.endsBefore(base, RecoveryTarget.time(between))).isTrue();
    var window = recovery.window(base, archive);
    assertThat(window.from()).isBefore(between);
    assertThat(window.to()).isAfter(between);
    assertThat(window.firstSegment()).isEqualTo(base.facts().get("startWal"));
    Path restored = scratch.resolve("restored-1");
    RestoreTarget target =
        recovery.prepare(
            base,
            RecoveryTarget.time(between),
            archive,
            restored,
            false,
            WalFetchForTests.command(
                cluster, scratch.resolve("fetch-1"), repoDir, keyFile, SOURCE));
    RestoreJob.of(repo, base, ring, target).run();
    assertThat(restored.resolve("recovery.signal")).exists();
    assertThat(Files.readString(restored.resolve("postgresql.auto.conf")))
        .contains("recovery_target_time = '")
        .contains("recovery_target_action = 'promote'")
        .contains("restore_command = '");
    Instant onTwo;
    // The promoted copy archives its new timeline into the same archive, as a real recovered
    // primary would.
    try (PrivateCluster copy =
        PrivateCluster.onRestored(
            restored, Map.of("archive_mode", "on", "archive_command", archiveCommand))) {
      copy.startServer();
      copy.awaitPromoted(60);
      assertThat(copy.query("SELECT id FROM events ORDER BY id")).containsExactly("1", "2");
      copy.execute("INSERT INTO events (id, body) VALUES (10, 'row 10')");
      Thread.sleep(200);
      onTwo =
          Instant.parse(
              copy.single(
                  "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC',"
                      + " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"));
      Thread.sleep(200);
      copy.execute("INSERT INTO events (id, body) VALUES (11, 'row 11')");
      String segment = copy.single("SELECT pg_walfile_name(pg_current_wal_lsn())");
      copy.execute("SELECT pg_switch_wal()");
      long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (copy.single("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")
              .compareTo(segment)
          < 0) {
        assertThat(System.nanoTime()).as("copy archived " + segment).isLessThan(until);
        Thread.sleep(50);
      }
      spool.drainOnce(archive, wal);
      assertThat(spool.failed()).isEmpty();
    }
    assertThat(archive.names()).contains("00000002.history");
    assertThat(archive.names()).anyMatch(n -> PgWal.isSegment(n) && PgWal.timeline(n) == 2);

    // Recover again, to a time on the new timeline: base (timeline 1) + WAL across the switch.
    Path again = scratch.resolve("restored-2");
    RestoreJob.of(
            repo,
            base,
            ring,
            recovery.prepare(
                base,
                RecoveryTarget.time(onTwo),
                archive,
                again,
                false,
                WalFetchForTests.command(
                    cluster, scratch.resolve("fetch-2"), repoDir, keyFile, SOURCE)))
        .run();
    try (PrivateCluster copy = PrivateCluster.onRestored(again, Map.of("archive_mode", "off"))) {
      copy.startServer();
      copy.awaitPromoted(60);
      assertThat(copy.query("SELECT id FROM events ORDER BY id")).containsExactly("1", "2", "10");
    }
  }

  @Test
  @Order(3)
  void targetsOutsideTheRecoverableWindowAreRefusedWithTheRange() throws Exception {
    LogRecovery recovery = wal.recovery(base).orElseThrow();
    Instant stop = Instant.parse((String) base.facts().get("stopTime"));
    for (Instant outside :
        List.of(stop.minusSeconds(60), Instant.now().plus(Duration.ofHours(1)))) {
      assertThatThrownBy(
              () ->
                  recovery.prepare(
                      base,
                      RecoveryTarget.time(outside),
                      archive,
                      scratch.resolve("never"),
                      false,
                      List.of("x")))
          .isInstanceOf(RecoveryRangeException.class)
          .hasMessageStartingWith("postgresql: recovery target time " + outside)
          .hasMessageContaining("is outside what base backup " + base.id())
          .hasMessageContaining("from " + stop + " (the backup's end) to ")
          .hasMessageContaining("pick a target in that range");
    }
    assertThat(scratch.resolve("never")).doesNotExist();
  }

  @Test
  @Order(4)
  void aNonEmptyDataDirectoryIsRefusedWithoutForce() throws Exception {
    Path busy = Files.createDirectories(scratch.resolve("busy"));
    Files.writeString(busy.resolve("PG_VERSION"), "15\n");
    LogRecovery recovery = wal.recovery(base).orElseThrow();
    assertThatThrownBy(
            () -> recovery.prepare(base, RecoveryTarget.end(), archive, busy, false, List.of("x")))
        .isInstanceOf(TargetNotEmptyException.class)
        .hasMessageContaining(busy.toString())
        .hasMessageContaining("--force");
    assertThat(Files.readString(busy.resolve("PG_VERSION"))).isEqualTo("15\n");
  }

  @Test
  @Order(5)
  void aDamagedOrWrongKeyWalObjectIsRefusedAndNothingIsWritten() throws Exception {
    String stopWal = (String) base.facts().get("stopWal");
    LogArchive otherKey =
        LogArchive.of(
            repo,
            SOURCE,
            PgWalLog.LOG,
            List.of(),
            KeyRing.of(new FixedKey(MasterKey.generate(ring.active().id()))));
    Path out = scratch.resolve("fetched");
    assertThatThrownBy(() -> otherKey.fetch(stopWal, out))
        .isInstanceOf(WrongKeyException.class)
        .hasMessageContaining("enc decode failed");
    assertThat(out).doesNotExist();

    Path stored = repoDir.resolve(archive.segment(stopWal).orElseThrow().manifest().dataKey());
    byte[] bytes = Files.readAllBytes(stored);
    bytes[bytes.length / 2] ^= 0x40;
    Files.write(stored, bytes);
    assertThatThrownBy(() -> archive.fetch(stopWal, out))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining(stopWal)
        .hasMessageContaining("damaged");
    assertThat(out).doesNotExist();
  }

  @Test
  @Order(6)
  void aSegmentMissingInTheMiddleIsNamedBeforeAnythingIsLaidDown() throws Exception {
    insert(4);
    switchAndArchive();
    insert(5);
    switchAndArchive();
    List<String> segments = archive.names().stream().filter(PgWal::isSegment).toList();
    String stopWal = (String) base.facts().get("stopWal");
    String middle = segments.get(segments.indexOf(stopWal) + 1);
    archive.delete(middle);
    LogRecovery recovery = wal.recovery(base).orElseThrow();
    assertThatThrownBy(
            () ->
                recovery.prepare(
                    base,
                    RecoveryTarget.end().onTimeline("current"),
                    archive,
                    scratch.resolve("gap"),
                    false,
                    List.of("x")))
        .isInstanceOf(RecoveryRangeException.class)
        .hasMessageStartingWith(
            "postgresql: WAL segment " + middle + " is missing from " + SOURCE + "/wal/")
        .hasMessageContaining("segments after it are archived")
        .satisfies(e -> assertThat(((RecoveryRangeException) e).missingSegment()).contains(middle));
    assertThat(scratch.resolve("gap")).doesNotExist();
  }

  @Test
  @Order(7)
  void aServerWithoutReplicaWalIsRefusedBeforePgBasebackupRuns() throws Exception {
    try (PrivateCluster minimal =
        PrivateCluster.start(
            Map.of("wal_level", "minimal", "max_wal_senders", "0", "archive_mode", "off"))) {
      assertThatThrownBy(
              () ->
                  BackupJob.of(
                          PostgresPhysicalSource.of(
                              URI.create(minimal.uri("postgres") + "?mode=physical")))
                      .sinks(repo)
                      .build()
                      .run())
          .isInstanceOf(PostgresSourceException.class)
          .hasMessageStartingWith(
              "postgresql: cannot take a physical backup of " + minimal.uri("postgres"))
          .hasMessageContaining("wal_level is minimal")
          .hasMessageContaining("set wal_level = replica");
    }
  }

  @Test
  @Order(8)
  void aFailingArchiveCommandStopsTheBackupInsteadOfHangingForever() throws Exception {
    cluster.execute("ALTER SYSTEM SET archive_command = 'false'");
    cluster.execute("SELECT pg_reload_conf()");
    try {
      var source =
          PostgresPhysicalSource.of(
              URI.create(
                  cluster.uri("postgres") + "?mode=physical&archive-timeout=2&name=" + SOURCE));
      assertThatThrownBy(() -> BackupJob.of(source).sinks(repo).build().run())
          .isInstanceOf(PostgresSourceException.class)
          .hasMessageContaining("archive_command has been failing for 2 s (on 0000000")
          .hasMessageContaining("fix archive_command");
    } finally {
      cluster.execute("ALTER SYSTEM SET archive_command = '" + archiveCommand + "'");
      cluster.execute("SELECT pg_reload_conf()");
    }
  }

  /** One key, under the id of the real one but with other bytes: a wrong key. */
  record FixedKey(MasterKey key) implements io.biowerk.dr.core.KeyProvider {
    @Override
    public Optional<MasterKey> key(String id) {
      return id.equals(key.id()) ? Optional.of(key) : Optional.empty();
    }

    @Override
    public Optional<String> activeKeyId() {
      return Optional.of(key.id());
    }

    @Override
    public java.util.Set<String> keyIds() {
      return java.util.Set.of(key.id());
    }
  }
}
