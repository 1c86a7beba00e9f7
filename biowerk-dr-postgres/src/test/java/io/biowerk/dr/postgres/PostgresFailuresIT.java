package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupReader;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.RestoreJob;
import io.biowerk.dr.core.SourceFailedException;
import io.biowerk.dr.core.Sources;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.local.LocalSink;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a PostgreSQL backup or restore fails against the real server: each is a typed exception
 * whose message carries the tool's own error output and says what to do, and nothing is left in the
 * repository.
 */
class PostgresFailuresIT {

  final PgTestServer server = PgTestServer.get();
  final List<String> databases = new ArrayList<>();
  final List<String> roles = new ArrayList<>();
  @TempDir Path dir;
  LocalSink repo;
  KeyRing ring;
  String db;

  @BeforeEach
  void setUp() throws Exception {
    repo = LocalSink.open(dir.resolve("repo"));
    ring = PgFixtures.keys(dir);
    db = server.createDatabase("fail");
    databases.add(db);
    // ~8 MB of rows: far more than a pipe holds, so a blocked pg_dump is always mid-stream
    PgFixtures.load(
        server,
        db,
        List.of(
            "CREATE TABLE public.open_data (id int PRIMARY KEY, body text)",
            "INSERT INTO public.open_data SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 60000) g",
            "CREATE TABLE public.secret (id int, body text)",
            "INSERT INTO public.secret VALUES (1, 'classified')"));
  }

  @AfterEach
  void tearDown() throws Exception {
    for (String name : databases) {
      server.dropDatabase(name);
    }
    for (String role : roles) {
      server.execute("postgres", "DROP ROLE IF EXISTS " + role);
    }
  }

  void assertRepositoryEmpty() throws Exception {
    assertThat(repo.list("")).isEmpty();
    assertThat(repo.abandonedWrites()).isEmpty();
  }

  PostgresSource source(String uri) {
    return PostgresSource.of(URI.create(uri));
  }

  @Test
  void pgDumpKilledMidStreamFailsTheBackupWithNothingKept() throws Exception {
    PostgresSource real = source(server.uri(db));
    var killing = TestSources.afterFirstBytes(real, () -> TestSources.killPgDump(db));
    assertThatThrownBy(
            () -> BackupJob.of(killing).codecs(ZstdCodec.defaults()).sinks(repo).build().run())
        .isInstanceOf(PostgresSourceException.class)
        .hasMessageStartingWith("postgresql: pg_dump of postgresql://" + server.user + "@")
        .hasMessageContaining("was killed by signal 9")
        .hasMessageContaining("run it again")
        .satisfies(
            e -> assertThat(((PostgresSourceException) e).reason()).isEqualTo(PgFailure.KILLED));
    assertRepositoryEmpty();
  }

  @Test
  void anUnknownDatabaseIsReportedAsSuch() throws Exception {
    String missing = PgTestServer.uniqueName("biowerk_it_nonexistent");
    assertThatThrownBy(() -> PgFixtures.backup(source(server.uri(missing)), repo, ring))
        .isInstanceOf(PostgresSourceException.class)
        .hasMessageStartingWith("postgresql: cannot connect to postgresql://" + server.user + "@")
        .hasMessageContaining("the database does not exist")
        .hasMessageContaining("database \"" + missing + "\" does not exist")
        .hasMessageContaining("psql -l lists them")
        .satisfies(
            e -> {
              PostgresSourceException p = (PostgresSourceException) e;
              assertThat(p.reason()).isEqualTo(PgFailure.UNKNOWN_DATABASE);
              assertThat(p.detail()).contains("does not exist");
            });
    assertRepositoryEmpty();
  }

  @Test
  void permissionDeniedOnATableCarriesPgDumpsOwnErrorAndHowToFixIt() throws Exception {
    String role = PgTestServer.uniqueName("biowerk_it_reader");
    server.execute("postgres", "CREATE ROLE " + role + " LOGIN");
    roles.add(role);
    server.execute(db, "GRANT SELECT ON public.open_data TO " + role);
    String uri =
        "postgresql://"
            + role
            + (server.password == null ? "" : ":" + server.password)
            + "@"
            + server.host
            + ":"
            + server.port
            + "/"
            + db;
    if (server.password != null) {
      server.execute("postgres", "ALTER ROLE " + role + " PASSWORD '" + server.password + "'");
    }
    try {
      assertThatThrownBy(() -> PgFixtures.backup(source(uri), repo, ring))
          .isInstanceOf(SourceFailedException.class)
          .isInstanceOf(PostgresSourceException.class)
          .hasMessageContaining("failed (exit status 1): permission denied: ")
          .hasMessageContaining(
              "pg_dump: error: query failed: ERROR:  permission denied for table secret")
          .hasMessageContaining("grant the role SELECT")
          .hasMessageContaining("?exclude-table=")
          .satisfies(
              e -> {
                PostgresSourceException p = (PostgresSourceException) e;
                assertThat(p.reason()).isEqualTo(PgFailure.PERMISSION_DENIED);
                assertThat(p.detail()).contains("permission denied for table secret");
              });
      assertRepositoryEmpty();
      // the advice works: leave the table out and the same role backs up the rest
      BackupManifest manifest =
          PgFixtures.backup(source(uri + "?exclude-table=secret"), repo, ring);
      assertThat(
              ((Map<?, ?>) manifest.facts().get("rowCounts"))
                  .keySet().stream().map(String::valueOf))
          .containsExactly("public.open_data");
    } finally {
      server.execute(db, "DROP OWNED BY " + role);
    }
  }

  @Test
  void aPgDumpOlderThanTheServerIsRefusedBeforeItRuns() throws Exception {
    Path marker = dir.resolve("fake-ran");
    Path fake = dir.resolve("bin/pg_dump");
    Files.createDirectories(fake.getParent());
    // FAKE pg_dump 14: only a PostgreSQL 15 client is installed here. It records any run beyond
    // --version.
    Files.writeString(
        fake,
        "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'pg_dump (PostgreSQL) 14.2';"
            + " else touch "
            + marker
            + "; fi\n");
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
    String version = server.single("postgres", "SHOW server_version").split(" ", -1)[0];
    String major = version.split("\\.", -1)[0];
    assertThatThrownBy(
            () -> PgFixtures.backup(source(server.uri(db) + "?pg-dump=" + fake), repo, ring))
        .isInstanceOf(PostgresSourceException.class)
        .hasMessageStartingWith(
            "postgresql: pg_dump 14.2 at "
                + fake
                + " is older than the server (PostgreSQL "
                + version
                + ")")
        .hasMessageContaining("apt-get install postgresql-client-" + major)
        .satisfies(
            e ->
                assertThat(((PostgresSourceException) e).reason())
                    .isEqualTo(PgFailure.TOOL_VERSION));
    assertThat(marker).doesNotExist();
    assertRepositoryEmpty();
  }

  @Test
  void aPgRestoreOlderThanTheServerIsRefusedBeforeTheDatabaseIsCreated() throws Exception {
    BackupManifest manifest = PgFixtures.backup(source(server.uri(db)), repo, ring);
    Path fake = dir.resolve("bin/pg_restore");
    Files.createDirectories(fake.getParent());
    // FAKE pg_restore 13: only a PostgreSQL 15 client is installed here.
    Files.writeString(fake, "#!/bin/sh\necho 'pg_restore (PostgreSQL) 13.9'\n");
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
    String target = PgTestServer.uniqueName("biowerk_it_oldtool");
    databases.add(target);
    assertThatThrownBy(
            () ->
                RestoreJob.of(
                        repo,
                        manifest,
                        ring,
                        Sources.targetForUri(
                            URI.create(server.uri(target) + "?create=true&pg-restore=" + fake),
                            false))
                    .run())
        .isInstanceOf(PostgresRestoreException.class)
        .hasMessageStartingWith(
            "postgresql: pg_restore 13.9 at " + fake + " is older than the server")
        .hasMessageContaining("apt-get install postgresql-client-");
    assertThat(server.databaseExists(target)).isFalse();
  }

  @Test
  void anUnreachableServerSaysHowToCheckIt() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    assertThatThrownBy(
            () ->
                PgFixtures.backup(
                    source("postgresql://postgres@127.0.0.1:" + port + "/x"), repo, ring))
        .isInstanceOf(PostgresSourceException.class)
        .hasMessageStartingWith(
            "postgresql: cannot connect to postgresql://postgres@127.0.0.1:" + port + "/x")
        .hasMessageContaining("pg_isready")
        .satisfies(
            e ->
                assertThat(((PostgresSourceException) e).reason())
                    .isEqualTo(PgFailure.UNREACHABLE));
    assertRepositoryEmpty();
  }

  @Test
  void aFailingPgRestoreReportsItsOutputAndAppliesNothing() throws Exception {
    BackupManifest manifest = PgFixtures.backup(source(server.uri(db)), repo, ring);
    String target = server.createDatabase("clash");
    databases.add(target);
    // same name as a table in the backup, different shape, and clean turned off: pg_restore's
    // CREATE TABLE fails
    server.execute(target, "CREATE TABLE public.secret (other int)");
    server.execute(target, "INSERT INTO public.secret VALUES (42)");
    assertThatThrownBy(
            () ->
                RestoreJob.of(
                        repo,
                        manifest,
                        ring,
                        Sources.targetForUri(URI.create(server.uri(target) + "?clean=false"), true))
                    .run())
        .isInstanceOf(PostgresRestoreException.class)
        .hasMessageStartingWith("postgresql: pg_restore into postgresql://" + server.user + "@")
        .hasMessageContaining("failed (exit status 1)")
        .hasMessageContaining("relation \"secret\" already exists")
        .hasMessageContaining("nothing was applied")
        .satisfies(
            e ->
                assertThat(((PostgresRestoreException) e).detail()).contains("pg_restore: error:"));
    // one transaction: open_data, created before the failing statement, was rolled back too
    assertThat(server.query(target, "SELECT relname FROM pg_class WHERE relname = 'open_data'"))
        .isEmpty();
    assertThat(server.query(target, "SELECT other FROM public.secret")).containsExactly("42");
  }

  @Test
  void nativeVerificationRefusesBytesThatAreNotADump() throws Exception {
    byte[] junk =
        "PGDMP but not really a dump at all, just some bytes".getBytes(StandardCharsets.UTF_8);
    BackupManifest manifest = BackupJob.of(TestSources.bytes(junk)).sinks(repo).build().run();
    try (ReadableByteChannel decoded = BackupReader.openDecoded(repo, manifest, ring)) {
      assertThatThrownBy(
              () ->
                  new PostgresVerifier()
                      .verify(manifest, VerificationLevel.NATIVE, decoded, Map.of()))
          .isInstanceOf(IntegrityException.class)
          .hasMessageStartingWith(
              "postgresql: pg_restore --list cannot read backup " + manifest.id())
          .hasMessageContaining("pg_restore: error:")
          .hasMessageContaining("restore another backup");
    }
  }
}
