package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.RestoreJob;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.local.LocalSink;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * What must not be done to a shared server, on a private cluster of this test's own: password
 * authentication (SCRAM; the machine's server trusts everyone) and the server stopping mid-dump.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrivateClusterIT {

  static final String PASSWORD = "s3cret-Pa55";

  PrivateCluster cluster;
  PgTestServer admin;
  @TempDir static Path dir;
  LocalSink repo;
  KeyRing ring;

  @BeforeAll
  void startCluster() throws Exception {
    cluster = PrivateCluster.start();
    admin = cluster.superuser();
    admin.execute("postgres", "CREATE ROLE alice LOGIN CREATEDB PASSWORD '" + PASSWORD + "'");
    admin.execute("postgres", "CREATE DATABASE shop OWNER alice");
    PgFixtures.load(
        admin,
        "shop",
        List.of(
            "SET ROLE alice",
            "CREATE TABLE items (id int PRIMARY KEY, body text)",
            // ~13 MB: far more than a pipe holds, so a blocked pg_dump is always mid-stream
            "INSERT INTO items SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 100000) g"));
    repo = LocalSink.open(dir.resolve("repo"));
    ring = PgFixtures.keys(dir);
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  String uri(String userInfo, String db) {
    return "postgresql://" + userInfo + "@127.0.0.1:" + cluster.port + "/" + db;
  }

  @Test
  @Order(1)
  void aWrongPasswordIsReportedAsAnAuthenticationFailureWithoutShowingIt() throws Exception {
    assertThatThrownBy(
            () ->
                PgFixtures.backup(
                    PostgresSource.of(URI.create(uri("alice:wrong-guess", "shop"))), repo, ring))
        .isInstanceOf(PostgresSourceException.class)
        .hasMessageStartingWith(
            "postgresql: cannot connect to " + uri("alice", "shop") + ": authentication failed")
        .hasMessageContaining("password authentication failed for user \"alice\"")
        .hasMessageContaining("(password taken from the URI)")
        .hasMessageContaining("pg_hba.conf")
        .hasMessageNotContaining("wrong-guess")
        .satisfies(
            e ->
                assertThat(((PostgresSourceException) e).reason())
                    .isEqualTo(PgFailure.AUTHENTICATION));
    assertThat(repo.list("")).isEmpty();
    assertThatThrownBy(
            () ->
                RestoreJob.of(
                        repo,
                        fakeManifest(),
                        ring,
                        PostgresRestoreTarget.of(
                            URI.create(uri("alice:wrong-guess", "other") + "?create=true"), false))
                    .run())
        .isInstanceOf(PostgresRestoreException.class)
        .hasMessageContaining("password authentication failed for user \"alice\"")
        .hasMessageNotContaining("wrong-guess")
        .satisfies(
            e ->
                assertThat(((PostgresRestoreException) e).reason())
                    .isEqualTo(PgFailure.AUTHENTICATION));
  }

  /**
   * A manifest a restore can be attempted with: the authentication failure comes before any byte is
   * read.
   */
  private BackupManifest fakeManifest() throws Exception {
    return BackupJob.of(TestSources.bytes(new byte[] {1})).sinks(repo).tier("weekly").build().run();
  }

  @Test
  @Order(2)
  void aPasswordFromThePasswordFileReachesPgDumpThroughItsEnvironmentOnly() throws Exception {
    Path home = dir.resolve("home");
    Files.createDirectories(home);
    Path pgpass = home.resolve(".pgpass");
    Files.writeString(
        pgpass,
        "127.0.0.1:" + cluster.port + ":*:alice:" + PASSWORD + "\n",
        StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-------"));
    URI uri = URI.create(uri("alice", "shop"));
    PgUri parsed = PgUri.parse(uri, PostgresSource.OPTIONS, Map.of(), home);
    assertThat(parsed.passwordOrigin()).isEqualTo(pgpass.toString());
    PostgresSource source = new PostgresSource(parsed, parsed.redacted(), PgTools.system());
    BackupManifest manifest = PgFixtures.backup(source, repo, ring);
    assertThat(((Map<?, ?>) manifest.facts().get("rowCounts")).get("public.items"))
        .isEqualTo(100000L);
    String json = new String(Manifests.toJson(manifest), StandardCharsets.UTF_8);
    assertThat(json).doesNotContain(PASSWORD);
    assertThat(source.toString()).doesNotContain(PASSWORD);
  }

  @Test
  @Order(3)
  void theServerStoppingMidDumpIsReportedWithPgDumpsOwnError() throws Exception {
    PostgresSource real = PostgresSource.of(URI.create(uri("alice:" + PASSWORD, "shop")));
    var stopping = TestSources.afterFirstBytes(real, cluster::stopImmediately);
    LocalSink own = LocalSink.open(dir.resolve("repo-stop"));
    try {
      assertThatThrownBy(
              () -> BackupJob.of(stopping).codecs(ZstdCodec.defaults()).sinks(own).build().run())
          .isInstanceOf(PostgresSourceException.class)
          .hasMessageStartingWith(
              "postgresql: pg_dump of "
                  + uri("alice", "shop")
                  + " failed (exit status 1):"
                  + " the connection to the server was lost: ")
          .hasMessageContaining("pg_dump: error: ")
          .hasMessageContaining("check the server log")
          .hasMessageNotContaining(PASSWORD)
          .satisfies(
              e -> {
                PostgresSourceException p = (PostgresSourceException) e;
                assertThat(p.reason()).isEqualTo(PgFailure.CONNECTION_LOST);
                assertThat(p.detail())
                    .containsAnyOf(
                        "server closed the connection unexpectedly", "terminating connection");
              });
      assertThat(own.list("")).isEmpty();
      assertThat(own.abandonedWrites()).isEmpty();
    } finally {
      cluster.startServer();
    }
    // and once it is back, the same backup works
    assertThat(
            PgFixtures.backup(
                    PostgresSource.of(URI.create(uri("alice:" + PASSWORD, "shop"))), own, ring)
                .rawSize())
        .isPositive();
  }
}
