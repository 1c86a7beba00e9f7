package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code biowerk-dr backup postgresql://...} then {@code restore latest:postgres
 * postgresql://...?create=true} against the machine's PostgreSQL (127.0.0.1:5432, user postgres,
 * trust; or {@code BIOWERK_DR_PG_HOSTPORT}). Databases are uniquely named and dropped.
 */
class PostgresCliIT {

  @TempDir java.nio.file.Path dir;
  String hostPort = System.getenv().getOrDefault("BIOWERK_DR_PG_HOSTPORT", "127.0.0.1:5432");
  String source;
  String restored;

  Connection connect(String db) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", "postgres");
    try {
      return DriverManager.getConnection("jdbc:postgresql://" + hostPort + "/" + db, props);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "postgresql: this test needs a PostgreSQL server at "
              + hostPort
              + " where user postgres may connect without a password; start it (bash .ci/services.sh) or name"
              + " another with BIOWERK_DR_PG_HOSTPORT=host:port",
          e);
    }
  }

  String query(String db, String sql) throws SQLException {
    try (Connection c = connect(db);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  void execute(String db, String sql) throws SQLException {
    try (Connection c = connect(db);
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  static String unique(String prefix) {
    byte[] b = new byte[4];
    new SecureRandom().nextBytes(b);
    return prefix + "_" + HexFormat.of().formatHex(b);
  }

  @BeforeEach
  void createSource() throws SQLException {
    source = unique("biowerk_cli_src");
    restored = unique("biowerk_cli_dst");
    execute("postgres", "CREATE DATABASE " + source);
    execute(source, "CREATE TABLE orders (id int PRIMARY KEY, item text, placed timestamptz)");
    execute(
        source,
        "INSERT INTO orders SELECT g, 'item ' || g, timestamptz '2024-01-01Z' + g * interval '1 min'"
            + " FROM generate_series(1, 20000) g");
  }

  @AfterEach
  void dropDatabases() throws SQLException {
    execute("postgres", "DROP DATABASE IF EXISTS " + source + " WITH (FORCE)");
    execute("postgres", "DROP DATABASE IF EXISTS " + restored + " WITH (FORCE)");
  }

  @Test
  void backupThenRestoreLatestIntoANewDatabase() throws Exception {
    Cli cli = new Cli(dir);
    Cli.Result backup = cli.run("backup", "postgresql://postgres@" + hostPort + "/" + source);
    assertThat(backup.code()).as(backup.toString()).isEqualTo(0);
    assertThat(backup.out())
        .contains("source      postgresql://postgres@" + hostPort + "/" + source + " (postgresql)")
        .containsPattern("stored as   postgres_\\d{8}_\\d{6}\\.dump\\.zst\\.enc");

    Cli.Result verify = cli.run("verify", "latest:postgres", "--level", "native");
    assertThat(verify.code()).as(verify.toString()).isEqualTo(0);
    assertThat(verify.out()).contains("pg_restore --list");
    Cli.Result drill = cli.run("verify", "latest:postgres", "--level", "restore");
    assertThat(drill.code()).as(drill.toString()).isEqualTo(0);
    assertThat(drill.out())
        .contains("restored into scratch database biowerk_verify_")
        .contains("within the RTO of 2 h")
        .contains("1 table, 20000 rows: every count matches");

    Cli.Result restore =
        cli.run(
            "restore",
            "latest:postgres",
            "postgresql://postgres@" + hostPort + "/" + restored + "?create=true");
    assertThat(restore.code()).as(restore.toString()).isEqualTo(0);
    String checksum =
        "SELECT count(*) || md5(string_agg(t::text, ',' ORDER BY t::text)) FROM orders t";
    assertThat(query(restored, checksum)).isEqualTo(query(source, checksum)).startsWith("20000");

    // the same restore again finds the database holding tables: refused without --force
    Cli.Result again =
        cli.run("restore", "latest:postgres", "postgresql://postgres@" + hostPort + "/" + restored);
    assertThat(again.code()).as(again.toString()).isNotEqualTo(0);
    assertThat(again.err())
        .contains("postgresql: database \"" + restored + "\"")
        .contains("use --force");
    // the runbook's recovery: --force replaces what the backup holds, in one transaction
    execute(restored, "DELETE FROM orders WHERE id > 10");
    Cli.Result forced =
        cli.run(
            "restore",
            "latest:postgres",
            "postgresql://postgres@" + hostPort + "/" + restored,
            "--force");
    assertThat(forced.code()).as(forced.toString()).isEqualTo(0);
    assertThat(query(restored, checksum)).isEqualTo(query(source, checksum));
  }
}
