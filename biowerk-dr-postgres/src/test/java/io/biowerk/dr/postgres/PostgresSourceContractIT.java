package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.Source;
import io.biowerk.dr.testkit.SourceContractTest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The shared source contract, run against pg_dump of a real database (custom format). */
class PostgresSourceContractIT extends SourceContractTest {

  static PgTestServer server;
  static String db;

  @BeforeAll
  static void createDatabase() throws Exception {
    server = PgTestServer.get();
    db = server.createDatabase("contract");
    PgFixtures.load(
        server,
        db,
        List.of(
            "CREATE TABLE t (id int PRIMARY KEY, body text)",
            // ~2.5 MB: more than a pipe holds, so a cancel always meets a pg_dump still writing
            "INSERT INTO t SELECT g, repeat(md5(g::text), 2) FROM generate_series(1, 40000) g"));
  }

  @AfterAll
  static void dropDatabase() throws Exception {
    if (db != null) {
      server.dropDatabase(db);
    }
  }

  @Override
  protected Source newSource() {
    return PostgresSource.of(URI.create(server.uri(db)));
  }

  /** pg_dump starts, then exits non-zero: no table matches, so close() reports the failure. */
  @Override
  protected Source newFailingSource() {
    return PostgresSource.of(URI.create(server.uri(db) + "?table=no_such_table"));
  }

  @Override
  protected void checkRun(Run run) {
    // a custom-format archive starts with its magic; the rest carries a timestamp, so no fixed
    // SHA-256
    assertThat(new String(run.head(), 0, 5, StandardCharsets.US_ASCII)).isEqualTo("PGDMP");
    assertThat(run.size()).isGreaterThan(2_000_000);
    assertThat(run.facts()).containsEntry("database", db);
    assertThat(((Map<?, ?>) run.facts().get("rowCounts")).get("public.t")).isEqualTo(40000L);
  }
}
