package io.biowerk.dr.postgres;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.keys.KeyFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The rich test schema, backups through the real pipeline, and the comparisons a round trip must
 * pass.
 */
final class PgFixtures {

  private PgFixtures() {}

  /**
   * Arrays, jsonb, bytea of several MiB, numeric, timestamptz, an enum, sequences, a view, a
   * materialized view, functions, a trigger, indexes (btree, expression, GIN), foreign keys,
   * comments, a partitioned table, a second schema, and {@code events} with {@code bigRows} rows.
   */
  static List<String> richSchema(int bigRows) {
    return List.of(
        "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
        "CREATE SCHEMA sales",
        "COMMENT ON SCHEMA sales IS 'where the money is'",
        "CREATE SEQUENCE sales.invoice_no START 1000 INCREMENT 7",
        "CREATE TABLE customers (id bigserial PRIMARY KEY, name text NOT NULL, tags text[], scores int[],"
            + " profile jsonb, mood mood, balance numeric(20,6), created timestamptz DEFAULT now(), photo bytea)",
        "COMMENT ON TABLE customers IS 'people who buy'",
        "COMMENT ON COLUMN customers.profile IS 'free-form JSON, ''quoted'''",
        "CREATE INDEX customers_lower_name ON customers (lower(name))",
        "CREATE INDEX customers_profile ON customers USING gin (profile)",
        "CREATE TABLE sales.orders (id bigint PRIMARY KEY DEFAULT nextval('sales.invoice_no'),"
            + " customer_id bigint NOT NULL REFERENCES customers(id) ON DELETE CASCADE,"
            + " amount numeric(12,2) CHECK (amount >= 0), placed timestamptz NOT NULL, note text)",
        "CREATE INDEX orders_customer ON sales.orders (customer_id)",
        "CREATE TABLE audit (id serial PRIMARY KEY, tbl text, op text, at timestamptz DEFAULT now())",
        "CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            + " INSERT INTO audit (tbl, op, at) VALUES (TG_TABLE_NAME, TG_OP, timestamptz '2024-01-01 00:00Z');"
            + " RETURN NEW; END $$",
        "CREATE FUNCTION sales.total(c bigint) RETURNS numeric LANGUAGE sql STABLE AS"
            + " $$ SELECT coalesce(sum(amount), 0) FROM sales.orders WHERE customer_id = c $$",
        "COMMENT ON FUNCTION sales.total(bigint) IS 'lifetime value'",
        "CREATE TRIGGER orders_audit AFTER INSERT ON sales.orders FOR EACH ROW EXECUTE FUNCTION audit_row()",
        "CREATE VIEW sales.big_orders AS SELECT o.id, o.amount, c.name FROM sales.orders o"
            + " JOIN customers c ON c.id = o.customer_id WHERE o.amount > 500",
        "CREATE MATERIALIZED VIEW sales.per_mood AS SELECT mood, count(*) AS n FROM customers GROUP BY mood",
        "CREATE TABLE metrics (id int, at date NOT NULL, v double precision) PARTITION BY RANGE (at)",
        "CREATE TABLE metrics_2023 PARTITION OF metrics FOR VALUES FROM ('2023-01-01') TO ('2024-01-01')",
        "CREATE TABLE metrics_2024 PARTITION OF metrics FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
        "CREATE TABLE \"Mixed Case\" (\"Key\" text PRIMARY KEY, \"välue\" text)",
        "CREATE TABLE events (id bigint PRIMARY KEY, payload text, v numeric, at timestamptz)",
        "INSERT INTO customers (name, tags, scores, profile, mood, balance, created, photo)"
            + " SELECT 'customer ' || g, ARRAY['t' || g, 'x,y', NULL], ARRAY[g, g * 2],"
            + " jsonb_build_object('n', g, 'nested', jsonb_build_object('a', ARRAY[1, 2, 3], 's', 'ü\"''')),"
            + " (ARRAY['sad', 'ok', 'happy']::mood[])[1 + g % 3], g * 12345.678901 - 0.000001,"
            + " timestamptz '2020-02-29 12:00:00+05' + g * interval '1 hour 7 seconds',"
            + " CASE WHEN g <= 3 THEN (SELECT string_agg(sha256(int4send(g * 1000000 + i)), ''::bytea)"
            + " FROM generate_series(1, 150000) i) ELSE decode(md5(g::text), 'hex') END"
            + " FROM generate_series(1, 2000) g",
        "INSERT INTO sales.orders (customer_id, amount, placed, note) SELECT 1 + g % 2000, (g % 1000) + 0.25,"
            + " timestamptz '2023-06-01 00:00+00' + g * interval '1 minute', CASE WHEN g % 5 = 0 THEN NULL"
            + " ELSE 'note ' || g END FROM generate_series(1, 5000) g",
        "INSERT INTO metrics SELECT g, date '2023-06-01' + (g % 400), g / 7.0 FROM generate_series(1, 3000) g",
        "INSERT INTO \"Mixed Case\" VALUES ('a', 'ä'), ('B', NULL), ('tab\tnew\nline', 'x')",
        "INSERT INTO events SELECT g, md5(g::text), g * 1.5, timestamptz '2024-01-01 00:00:00+00'"
            + " + g * interval '1 second' FROM generate_series(1, "
            + bigRows
            + ") g",
        "REFRESH MATERIALIZED VIEW sales.per_mood",
        "SELECT nextval('sales.invoice_no')",
        "ANALYZE");
  }

  static void load(PgTestServer server, String db, List<String> statements) throws Exception {
    try (var c = server.connect(db);
        var st = c.createStatement()) {
      for (String sql : statements) {
        st.execute(sql);
      }
    }
  }

  /** Every ordinary table's row count and the MD5 of its rows in text form, sorted. */
  static Map<String, String> checksums(PgTestServer server, String db) throws Exception {
    Map<String, String> sums = new LinkedHashMap<>();
    for (String table :
        server.query(
            db,
            "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)"
                + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'm')"
                + " AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' ORDER BY 1")) {
      sums.put(
          table,
          server.single(
              db,
              "SELECT count(*) || ' ' || md5(coalesce(string_agg(t::text, ','"
                  + " ORDER BY t::text), '')) FROM ONLY "
                  + table
                  + " t"));
    }
    for (String seq :
        server.query(
            db,
            "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename)"
                + " FROM pg_sequences ORDER BY 1")) {
      sums.put(seq, server.single(db, "SELECT last_value || ' ' || is_called FROM " + seq));
    }
    return sums;
  }

  /** {@code pg_dump --schema-only} of {@code db}, with the database's own name replaced. */
  static String schemaDump(PgTestServer server, String db) throws Exception {
    Process p =
        server
            .tool(
                "pg_dump",
                "--schema-only",
                "-h",
                server.host,
                "-p",
                Integer.toString(server.port),
                "-U",
                server.user,
                "-w",
                "-d",
                db)
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("pg_dump --schema-only " + db + " failed: " + out);
    }
    // \restrict carries a random key per run (PostgreSQL 15.14+); it says nothing about the schema
    return out.replace(db, "<db>").replaceAll("(?m)^\\\\(un)?restrict .*$", "\\\\$1restrict <key>");
  }

  /** A key ring with a fresh key file under {@code dir}. */
  static KeyRing keys(Path dir) throws IOException {
    KeyFile file = KeyFile.at(dir.resolve("keys/master.key"));
    file.create(Clock.systemUTC());
    return KeyRing.of(file);
  }

  /** zstd-3 + AES-256-GCM into {@code sink}, as the plan's daily backup. */
  static BackupManifest backup(PostgresSource source, Sink sink, KeyRing ring) throws IOException {
    return BackupJob.of(source)
        .codecs(ZstdCodec.defaults(), EncryptionCodec.encryptingWith(ring.active(), ring))
        .sinks(sink)
        .sourceUri(source.uri())
        .build()
        .run();
  }
}
