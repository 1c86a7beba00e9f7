package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.SourceStream;
import java.net.URI;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A PostgreSQL source's progress total (issue 18): the tables' relation sizes in the dump's
 * snapshot, against a real server.
 */
class PostgresExpectedSizeIT {

  final PgTestServer server = PgTestServer.get();
  String db;

  @AfterEach
  void drop() throws Exception {
    if (db != null) {
      server.dropDatabase(db);
    }
  }

  @Test
  void theExpectedSizeIsTheTablesRelationSizeAndNearTheDumpsSize() throws Exception {
    db = server.createDatabase("expected");
    server.execute(
        db,
        "CREATE TABLE t (id int PRIMARY KEY, body text);"
            + " INSERT INTO t SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, 50000) g;"
            + " CHECKPOINT");
    long relation =
        Long.parseLong(
            server.single(
                db,
                "SELECT sum(pg_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON"
                    + " n.oid = c.relnamespace WHERE c.relkind IN ('r', 'm', 't') AND n.nspname"
                    + " NOT IN ('pg_catalog', 'information_schema')"));
    long dumped = 0;
    long expected;
    try (SourceStream stream = PostgresSource.of(URI.create(server.uri(db))).open()) {
      expected = stream.expectedSize();
      ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
      int n;
      while ((n = stream.read(buffer)) >= 0) {
        dumped += n;
        buffer.clear();
      }
    }
    assertThat(expected).isEqualTo(relation).isGreaterThan(5_000_000L);
    // An estimate for a progress bar: the heap holds tuple headers the dump does not.
    assertThat((double) dumped / expected).isBetween(0.3, 1.5);
  }
}
