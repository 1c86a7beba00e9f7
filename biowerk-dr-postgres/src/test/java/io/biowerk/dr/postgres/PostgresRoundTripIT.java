package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupReader;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.RestoreJob;
import io.biowerk.dr.core.Sources;
import io.biowerk.dr.core.TargetNotEmptyException;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.local.LocalSink;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backup -> restore round trips against a real PostgreSQL through the real pipeline (pg_dump, zstd,
 * AES-256-GCM, local repository, pg_restore): the restored database has the same schema and the
 * same rows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@SuppressWarnings("unchecked")
class PostgresRoundTripIT {

  static final int BIG_ROWS = 1_000_000;

  final PgTestServer server = PgTestServer.get();
  final List<String> databases = new ArrayList<>();
  @TempDir static Path dir;
  String source;
  LocalSink repo;
  KeyRing ring;
  BackupManifest manifest;
  Map<String, String> sourceSums;
  String sourceSchema;

  @BeforeAll
  void createSourceAndBackUp() throws Exception {
    source = track(server.createDatabase("src"));
    PgFixtures.load(server, source, PgFixtures.richSchema(BIG_ROWS));
    sourceSums = PgFixtures.checksums(server, source);
    sourceSchema = PgFixtures.schemaDump(server, source);
    repo = LocalSink.open(dir.resolve("repo"));
    ring = PgFixtures.keys(dir);
    manifest = PgFixtures.backup(PostgresSource.of(URI.create(server.uri(source))), repo, ring);
  }

  @AfterAll
  void dropDatabases() throws Exception {
    for (String db : databases) {
      server.dropDatabase(db);
    }
  }

  String track(String db) {
    databases.add(db);
    return db;
  }

  String newName(String prefix) {
    return track(PgTestServer.uniqueName("biowerk_it_" + prefix));
  }

  @Test
  void manifestRecordsTheServerTheDatabaseAndRowCountsOfTheDumpSnapshot() throws Exception {
    BackupManifest stored = Manifests.parse(repo.get(manifest.manifestKey()), "test");
    assertThat(stored.sourceKind()).isEqualTo("postgresql");
    assertThat(stored.sourceName()).isEqualTo("postgres");
    assertThat(stored.format()).isEqualTo("dump");
    assertThat(stored.dataKey()).startsWith("postgres/daily/postgres_").endsWith(".dump.zst.enc");
    assertThat(stored.sourceUri())
        .isEqualTo(
            "postgresql://" + server.user + "@" + server.host + ":" + server.port + "/" + source);
    Map<String, Object> facts = stored.facts();
    assertThat(facts.get("serverVersion"))
        .isEqualTo(server.single("postgres", "SHOW server_version"));
    assertThat(((Number) facts.get("serverVersionNum")).intValue())
        .isEqualTo(Integer.parseInt(server.single("postgres", "SHOW server_version_num")));
    assertThat((String) facts.get("pgDumpVersion")).matches("\\d+\\.\\d+");
    assertThat(facts.get("database")).isEqualTo(source);
    assertThat(((Number) facts.get("databaseSize")).longValue()).isGreaterThan(50L << 20);
    assertThat(facts.get("encoding")).isEqualTo("UTF8");
    assertThat((List<Object>) facts.get("schemas")).containsExactly("public", "sales");
    assertThat((List<Object>) facts.get("tables"))
        .containsExactly(
            "public.\"Mixed Case\"",
            "public.audit",
            "public.customers",
            "public.events",
            "public.metrics",
            "public.metrics_2023",
            "public.metrics_2024",
            "sales.orders");
    @SuppressWarnings("unchecked")
    Map<String, Object> counts = (Map<String, Object>) facts.get("rowCounts");
    assertThat(counts).doesNotContainKey("public.metrics"); // partitioned: no rows of its own
    assertThat(((Number) counts.get("public.events")).longValue()).isEqualTo(BIG_ROWS);
    assertThat(((Number) counts.get("public.customers")).longValue()).isEqualTo(2000);
    assertThat(((Number) counts.get("sales.orders")).longValue()).isEqualTo(5000);
    assertThat(((Number) counts.get("public.audit")).longValue()).isEqualTo(5000);
    assertThat(
            ((Number) counts.get("public.metrics_2023")).longValue()
                + ((Number) counts.get("public.metrics_2024")).longValue())
        .isEqualTo(3000);
    assertThat((String) facts.get("snapshot")).isNotBlank();
    // zstd-3 on a dump with several MiB of random bytes and a million md5 strings: it still shrinks
    assertThat(stored.storedSize()).isLessThan(stored.rawSize());
  }

  @Test
  void restoreIntoANewDatabaseGivesTheSameSchemaAndTheSameRows() throws Exception {
    String target = newName("restored");
    RestoreJob.of(
            repo,
            manifest,
            ring,
            Sources.targetForUri(URI.create(server.uri(target) + "?create=true"), false))
        .run();
    assertThat(PgFixtures.checksums(server, target)).isEqualTo(sourceSums);
    assertThat(PgFixtures.schemaDump(server, target)).isEqualTo(sourceSchema);
    assertThat(server.single(target, "SELECT length(photo) FROM customers WHERE id = 2"))
        .isEqualTo("4800000");
  }

  @Test
  void nativeVerificationListsEveryTableAndReadsEveryBlock() throws Exception {
    try (ReadableByteChannel decoded = BackupReader.openDecoded(repo, manifest, ring)) {
      String detail =
          new PostgresVerifier().verify(manifest, VerificationLevel.NATIVE, decoded, Map.of());
      assertThat(detail)
          .startsWith("pg_restore --list: ")
          .contains(" 8 tables, 7 with data")
          .endsWith("; the rows of 7 of 7 tables in the archive match those recorded");
    }
  }

  /**
   * The backup's manifest, recording {@code rows} rows for {@code table}: an in-memory lie handed
   * to the verifier beside the genuine stream (a lie written to the repository would fail the
   * manifest's authentication code first, see ManifestAuthenticationTest).
   */
  BackupManifest recording(String table, long rows) {
    Map<String, Object> facts = new java.util.LinkedHashMap<>(manifest.facts());
    @SuppressWarnings("unchecked")
    Map<String, Object> counts =
        new java.util.LinkedHashMap<>((Map<String, Object>) facts.get("rowCounts"));
    counts.put(table, rows);
    facts.put("rowCounts", counts);
    return withFacts(manifest, facts);
  }

  @Test
  void nativeVerificationFailsWhenTheArchiveHoldsOtherRowsThanWereRecorded() throws Exception {
    BackupManifest lying = recording("sales.orders", 5001);
    try (ReadableByteChannel decoded = BackupReader.openDecoded(repo, manifest, ring)) {
      assertThatThrownBy(
              () ->
                  new PostgresVerifier().verify(lying, VerificationLevel.NATIVE, decoded, Map.of()))
          .isInstanceOf(IntegrityException.class)
          .hasMessageStartingWith(
              "postgresql: backup " + manifest.id() + " is not what was dumped: 1 table(s)")
          .hasMessageContaining("sales.orders: the archive holds 5000 rows, backup recorded 5001")
          .hasMessageContaining("restore another backup");
    }
  }

  @Test
  void nativeVerificationFailsWhenARecordedTableIsNotInTheDump() throws Exception {
    Map<String, Object> facts = new java.util.LinkedHashMap<>(manifest.facts());
    List<Object> tables = new ArrayList<>((List<?>) facts.get("tables"));
    tables.add("public.ghost");
    facts.put("tables", tables);
    BackupManifest lying = withFacts(manifest, facts);
    try (ReadableByteChannel decoded = BackupReader.openDecoded(repo, manifest, ring)) {
      assertThatThrownBy(
              () ->
                  new PostgresVerifier().verify(lying, VerificationLevel.NATIVE, decoded, Map.of()))
          .isInstanceOf(IntegrityException.class)
          .hasMessageStartingWith("postgresql: backup " + manifest.id() + " is not what was dumped")
          .hasMessageContaining("public.ghost (TABLE)")
          .hasMessageContaining("restore another backup");
    }
  }

  @Test
  void restoreVerificationComparesRowCountsReportsTheRtoAndDropsTheScratchDatabase()
      throws Exception {
    String detail;
    try (ReadableByteChannel decoded = BackupReader.openDecoded(repo, manifest, ring)) {
      detail =
          new PostgresVerifier()
              .verify(
                  manifest,
                  VerificationLevel.RESTORE,
                  decoded,
                  Map.of("scratch-uri", server.uri("postgres")));
    }
    assertThat(detail)
        .containsPattern("restored into scratch database biowerk_verify_[0-9a-f]{8} on ")
        .contains("within the RTO of 2 h")
        .contains(
            "7 tables, "
                + (BIG_ROWS + 2000 + 5000 + 5000 + 3000 + 3)
                + " rows: every count matches");
    String scratch = detail.replaceAll(".*(biowerk_verify_[0-9a-f]{8}).*", "$1");
    assertThat(server.databaseExists(scratch)).isFalse();
  }

  @Test
  void restoreVerificationFailsOnARowCountMismatchAndStillDropsTheScratchDatabase()
      throws Exception {
    BackupManifest lying = recording("sales.orders", 5001);
    List<String> before = server.query("postgres", "SELECT datname FROM pg_database");
    try (ReadableByteChannel decoded = BackupReader.openDecoded(repo, manifest, ring)) {
      assertThatThrownBy(
              () ->
                  new PostgresVerifier()
                      .verify(
                          lying,
                          VerificationLevel.RESTORE,
                          decoded,
                          Map.of("scratch-uri", server.uri("postgres"))))
          .isInstanceOf(IntegrityException.class)
          .hasMessageContaining("sales.orders: 5000 rows, backup recorded 5001")
          .hasMessageContaining("do not rely on this backup")
          .satisfies(e -> assertThat(((IntegrityException) e).expected()).contains("5001"));
    }
    List<String> after = server.query("postgres", "SELECT datname FROM pg_database");
    assertThat(after.stream().filter(d -> d.startsWith("biowerk_verify_") && !before.contains(d)))
        .isEmpty();
  }

  @Test
  void aTamperedBackupIsRefusedBeforePgRestoreSeesAByte() throws Exception {
    Path copy = dir.resolve("tampered");
    LocalSink tampered = LocalSink.open(copy);
    tampered.put(manifest.dataKey(), repo.get(manifest.dataKey()));
    Path data = tampered.resolve(manifest.dataKey());
    try (FileChannel ch =
        FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long at = ch.size() / 2;
      ByteBuffer one = ByteBuffer.allocate(1);
      ch.read(one, at);
      one.flip();
      one.put(0, (byte) (one.get(0) ^ 0x01));
      ch.write(one, at);
    }
    String target = newName("tampered");
    AtomicBoolean opened = new AtomicBoolean();
    var real = Sources.targetForUri(URI.create(server.uri(target) + "?create=true"), false);
    assertThatThrownBy(
            () ->
                RestoreJob.of(
                        tampered,
                        manifest,
                        ring,
                        m -> {
                          opened.set(true);
                          return real.open(m);
                        })
                    .run())
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("stored SHA-256")
        .hasMessageContaining("the backup is damaged");
    assertThat(opened).isFalse();
    assertThat(server.databaseExists(target)).isFalse();
  }

  @Test
  void damageFoundMidStreamAbortsPgRestoreAndDropsTheDatabaseItCreated() throws Exception {
    LocalSink tampered = LocalSink.open(dir.resolve("tampered-late"));
    tampered.put(manifest.dataKey(), repo.get(manifest.dataKey()));
    try (FileChannel ch =
        FileChannel.open(
            tampered.resolve(manifest.dataKey()),
            StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
      long at = ch.size() * 3 / 4;
      ByteBuffer one = ByteBuffer.allocate(1);
      ch.read(one, at);
      one.put(0, (byte) (one.get(0) ^ 0x40));
      one.rewind();
      ch.write(one, at);
    }
    String target = newName("late_damage");
    AtomicBoolean opened = new AtomicBoolean();
    var real = Sources.targetForUri(URI.create(server.uri(target) + "?create=true"), false);
    // without the first pass, pg_restore receives the first three quarters before the damage shows
    assertThatThrownBy(
            () ->
                RestoreJob.of(
                        tampered,
                        manifest,
                        ring,
                        m -> {
                          opened.set(true);
                          return real.open(m);
                        })
                    .checkStoredFirst(false)
                    .run())
        .isInstanceOf(IntegrityException.class);
    assertThat(opened).isTrue();
    assertThat(server.databaseExists(target)).isFalse();
  }

  @Test
  void aDatabaseWithTablesIsRefusedWithoutForceAndReplacedAsAWholeWithForce() throws Exception {
    String target = track(server.createDatabase("busy"));
    server.execute(target, "CREATE TABLE keep_me (id int)");
    // an older shape of a table the backup holds: a forced restore replaces it
    server.execute(target, "CREATE TABLE public.customers (id int, stale text)");
    server.execute(target, "INSERT INTO public.customers VALUES (1, 'old')");
    assertThatThrownBy(
            () ->
                RestoreJob.of(
                        repo,
                        manifest,
                        ring,
                        Sources.targetForUri(URI.create(server.uri(target)), false))
                    .run())
        .isInstanceOf(TargetNotEmptyException.class)
        .hasMessageStartingWith("postgresql: database \"" + target + "\" on ")
        .hasMessageContaining("already holds 2 table(s)")
        .hasMessageContaining("use --force");
    assertThat(server.query(target, "SELECT stale FROM public.customers")).containsExactly("old");

    RestoreJob.of(repo, manifest, ring, Sources.targetForUri(URI.create(server.uri(target)), true))
        .run();
    // Forced: the whole database is replaced, so the table the backup does not hold is gone too.
    Map<String, String> sums = PgFixtures.checksums(server, target);
    assertThat(sums).doesNotContainKey("public.keep_me");
    assertThat(sums).isEqualTo(sourceSums);
  }

  /**
   * A forced restore that replaces the whole database stages in a fresh database, so it reads the
   * stored bytes once (issue 19); damage found at the end of that one read leaves the old database
   * as it was and no fresh database behind.
   */
  @Test
  void aForcedReplaceStagesSoItReadsOnceAndDamageLeavesTheOldDatabase() throws Exception {
    String target = track(server.createDatabase("staged"));
    server.execute(target, "CREATE TABLE public.customers (id int, stale text)");
    server.execute(target, "INSERT INTO public.customers VALUES (1, 'old')");
    URI uri = URI.create(server.uri(target));
    assertThat(Sources.targetForUri(uri, true).stagesUntilCommit()).isTrue();
    assertThat(Sources.targetForUri(uri, false).stagesUntilCommit()).isFalse();
    assertThat(
            Sources.targetForUri(URI.create(server.uri(target) + "?clean=true"), true)
                .stagesUntilCommit())
        .isFalse();

    LocalSink tampered = LocalSink.open(dir.resolve("tampered-staged"));
    tampered.put(manifest.dataKey(), repo.get(manifest.dataKey()));
    try (FileChannel ch =
        FileChannel.open(
            tampered.resolve(manifest.dataKey()),
            StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
      long at = ch.size() * 3 / 4;
      ByteBuffer one = ByteBuffer.allocate(1);
      ch.read(one, at);
      one.put(0, (byte) (one.get(0) ^ 0x40));
      one.rewind();
      ch.write(one, at);
    }
    AtomicBoolean opened = new AtomicBoolean();
    var real = Sources.targetForUri(uri, true);
    assertThatThrownBy(
            () ->
                RestoreJob.of(
                        tampered,
                        manifest,
                        ring,
                        new io.biowerk.dr.core.RestoreTarget() {
                          @Override
                          public io.biowerk.dr.core.PendingWrite open(BackupManifest m)
                              throws java.io.IOException {
                            opened.set(true);
                            return real.open(m);
                          }

                          @Override
                          public boolean stagesUntilCommit() {
                            return real.stagesUntilCommit();
                          }
                        })
                    .run())
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("the backup is damaged");
    // No first pass: the fresh database received the dump before the damage showed.
    assertThat(opened).isTrue();
    assertThat(server.query(target, "SELECT stale FROM public.customers")).containsExactly("old");
    assertThat(
            server.query(
                "postgres",
                "SELECT datname FROM pg_database WHERE datname LIKE '" + target + "_biowerk_%'"))
        .isEmpty();
  }

  @Test
  void aMissingDatabaseIsReportedWithHowToCreateIt() throws Exception {
    String target = newName("absent");
    assertThatThrownBy(
            () ->
                RestoreJob.of(
                        repo,
                        manifest,
                        ring,
                        Sources.targetForUri(URI.create(server.uri(target)), false))
                    .run())
        .isInstanceOf(PostgresRestoreException.class)
        .hasMessageStartingWith("postgresql: database \"" + target + "\" does not exist")
        .hasMessageContaining("add ?create=true")
        .satisfies(
            e ->
                assertThat(((PostgresRestoreException) e).reason())
                    .isEqualTo(PgFailure.UNKNOWN_DATABASE));
    assertThat(server.databaseExists(target)).isFalse();
  }

  @Test
  void parallelDumpStreamsTheDirectoryAsATarAndRestoresInParallel() throws Exception {
    PostgresSource parallel =
        PostgresSource.of(
            URI.create(server.uri(source) + "?jobs=2&exclude-table=events&temp-dir=" + dir));
    assertThat(parallel.format()).isEqualTo("dirtar");
    BackupManifest dirManifest = PgFixtures.backup(parallel, repo, ring);
    assertThat(dirManifest.dataKey()).endsWith(".dirtar.zst.enc");
    assertThat((List<Object>) dirManifest.facts().get("tables"))
        .doesNotContain("public.events")
        .contains("sales.orders");
    try (var scratch = Files.list(dir)) {
      assertThat(scratch.filter(p -> p.getFileName().toString().startsWith("biowerk-pg_dump-")))
          .isEmpty();
    }
    try (ReadableByteChannel decoded = BackupReader.openDecoded(repo, dirManifest, ring)) {
      assertThat(
              new PostgresVerifier()
                  .verify(dirManifest, VerificationLevel.NATIVE, decoded, Map.of()))
          .contains(" 7 tables, 6 with data")
          .endsWith("; the rows of 6 of 6 tables in the archive match those recorded");
    }
    String target = newName("parallel");
    RestoreJob.of(
            repo,
            dirManifest,
            ring,
            Sources.targetForUri(URI.create(server.uri(target) + "?create=true&jobs=2"), false))
        .run();
    Map<String, String> expected = new java.util.LinkedHashMap<>(sourceSums);
    expected.remove("public.events");
    assertThat(PgFixtures.checksums(server, target)).isEqualTo(expected);
  }

  static BackupManifest withFacts(BackupManifest m, Map<String, Object> facts) {
    return new BackupManifest(
        m.id(),
        m.sourceKind(),
        m.sourceName(),
        m.sourceUri(),
        m.format(),
        m.startedAt(),
        m.finishedAt(),
        m.codecs(),
        m.keyId(),
        m.rawSize(),
        m.storedSize(),
        m.rawSha256(),
        m.storedSha256(),
        m.dataKey(),
        facts);
  }
}
