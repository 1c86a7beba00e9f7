package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.NativeVerifier;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.SourceStream;
import io.biowerk.dr.testkit.HostileChannels;
import io.biowerk.dr.testkit.NativeBackup;
import io.biowerk.dr.testkit.NativeVerifierContractTest;
import io.biowerk.dr.testkit.RestoreTargetContractTest;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;

/**
 * The test kit's restore-target and native-verifier contracts against the PostgreSQL server of
 * {@link PgTestServer}: a small database is dumped once, restored into a fresh database per test,
 * and verified with {@code pg_restore --list} and the archive's row counts.
 */
class PostgresContractIT {

  static PgTestServer server;
  static String sourceDb;
  static NativeBackup backup;

  @BeforeAll
  static void dumpOnce() throws Exception {
    server = PgTestServer.get();
    sourceDb = server.createDatabase("contract_src");
    PgFixtures.load(
        server,
        sourceDb,
        List.of(
            "CREATE TABLE t (id int PRIMARY KEY, body text)",
            "INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 2000) g",
            "CREATE TABLE u (id int)",
            "INSERT INTO u SELECT generate_series(1, 7)"));
    PostgresSource source = PostgresSource.of(URI.create(server.uri(sourceDb)));
    byte[] bytes;
    Map<String, Object> facts;
    SourceStream opened = source.open();
    try (SourceStream stream = opened) {
      bytes = HostileChannels.HEAP.readAll(stream);
    }
    facts = opened.facts(); // after close: the run's facts are complete once it has closed
    backup = NativeBackup.of(source.kind(), source.name(), source.format(), bytes, facts);
  }

  @AfterAll
  static void dropSource() throws Exception {
    if (sourceDb != null) {
      server.dropDatabase(sourceDb);
    }
  }

  /** Row counts of the tables in the public schema of {@code db}. */
  static Map<String, String> tables(String db) throws Exception {
    Map<String, String> tables = new TreeMap<>();
    for (String table :
        server.query(
            db, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")) {
      tables.put(table, server.single(db, "SELECT count(*) FROM public." + table));
    }
    return tables;
  }

  @Nested
  class Target extends RestoreTargetContractTest {
    String db;

    @BeforeEach
    void createTarget() throws Exception {
      db = server.createDatabase("contract_dst");
    }

    @AfterEach
    void dropTarget() throws Exception {
      server.dropDatabase(db);
    }

    @Override
    protected RestoreTarget newTarget(boolean force) {
      return PostgresRestoreTarget.of(URI.create(server.uri(db)), force);
    }

    @Override
    protected NativeBackup backup() {
      return backup;
    }

    @Override
    protected void fill() throws Exception {
      server.execute(db, "CREATE TABLE mine (x int); INSERT INTO mine VALUES (1), (2), (3)");
    }

    @Override
    protected Object state() throws Exception {
      return tables(db);
    }

    /**
     * The backup's tables with their rows; a forced restore keeps tables the backup does not name.
     */
    @Override
    protected void checkRestored(NativeBackup restored) throws Exception {
      assertThat(tables(db)).containsEntry("t", "2000").containsEntry("u", "7");
    }
  }

  @Nested
  class Verifier extends NativeVerifierContractTest {
    @Override
    protected NativeVerifier verifier() {
      return new PostgresVerifier();
    }

    @Override
    protected NativeBackup backup() {
      return backup;
    }
  }
}
