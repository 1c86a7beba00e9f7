package io.biowerk.dr.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the programs of docs/library.md against the real PostgreSQL the build uses (127.0.0.1:5432,
 * user postgres, or {@code BIOWERK_PG_HOST}/{@code BIOWERK_PG_PORT}), so the documented code cannot
 * rot.
 */
class ExamplesIT {

  static final String HOST = System.getenv().getOrDefault("BIOWERK_PG_HOST", "127.0.0.1");
  static final String PORT = System.getenv().getOrDefault("BIOWERK_PG_PORT", "5432");

  @TempDir Path dir;
  final String db = "biowerk_ex_" + UUID.randomUUID().toString().substring(0, 8);

  static Connection connect(String database) throws Exception {
    return DriverManager.getConnection(
        "jdbc:postgresql://" + HOST + ":" + PORT + "/" + database, "postgres", null);
  }

  static void execute(String database, String sql) throws Exception {
    try (Connection c = connect(database);
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  @AfterEach
  void dropDatabases() throws Exception {
    execute("postgres", "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    execute("postgres", "DROP DATABASE IF EXISTS " + db + "_restored WITH (FORCE)");
  }

  @Test
  void backUpVerifyRestoreAndPruneADirectoryAndADatabase() throws Exception {
    execute("postgres", "CREATE DATABASE " + db);
    execute(
        db,
        "CREATE TABLE orders (id int PRIMARY KEY, ref text);"
            + " INSERT INTO orders SELECT g, 'R' || g FROM generate_series(1, 1000) g");
    Path app = dir.resolve("app");
    Files.createDirectories(app.resolve("conf"));
    Files.writeString(app.resolve("conf/app.yml"), "port: 8080\n");
    Path work = dir.resolve("work");

    BackupVerifyRestorePrune.main(
        new String[] {
          app.toString(), "postgresql://postgres@" + HOST + ":" + PORT + "/" + db, work.toString()
        });

    assertThat(Files.readString(work.resolve("restored/conf/app.yml"))).isEqualTo("port: 8080\n");
    try (Connection c = connect(db + "_restored");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*), max(ref) FROM orders")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(1000);
      assertThat(rs.getString(2)).isEqualTo("R999");
    }
    // Both backups verified (recorded beside them) and kept by the 30/12/12 plan.
    try (var files = Files.walk(work.resolve("repo"))) {
      assertThat(files.filter(p -> p.toString().endsWith(".manifest.json")).count()).isEqualTo(2);
    }
  }
}
