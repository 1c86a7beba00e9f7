package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, item 7: {@code restore --force} gives exactly the backup's state, not a merge, and says
 * so. PostgreSQL: the machine's server on 127.0.0.1:5432 (user postgres, trust; or {@code
 * BIOWERK_DR_PG_HOSTPORT}), in databases of this test's own, dropped afterwards. Redis: a private
 * {@code redis-server} on a free loopback port, killed afterwards.
 */
class ExactForceRestoreIT {

  @TempDir Path dir;
  final String hostPort = System.getenv().getOrDefault("BIOWERK_DR_PG_HOSTPORT", "127.0.0.1:5432");
  final List<String> databases = new ArrayList<>();
  final List<Process> started = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (String db : databases) {
      execute("postgres", "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    }
    for (Process process : started) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  Connection connect(String db) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", "postgres");
    return DriverManager.getConnection("jdbc:postgresql://" + hostPort + "/" + db, props);
  }

  void execute(String db, String sql) throws SQLException {
    try (Connection c = connect(db);
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  String query(String db, String sql) throws SQLException {
    try (Connection c = connect(db);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  String database(String prefix) {
    byte[] b = new byte[4];
    new SecureRandom().nextBytes(b);
    String name = prefix + "_" + HexFormat.of().formatHex(b);
    databases.add(name);
    return name;
  }

  @Test
  void aForcedPostgresRestoreReplacesTheDatabaseSoATableCreatedAfterTheBackupIsGone()
      throws Exception {
    String source = database("biowerk_exact_src");
    String target = database("biowerk_exact_dst");
    execute("postgres", "CREATE DATABASE " + source);
    execute(source, "CREATE TABLE orders (id int PRIMARY KEY, item text)");
    execute(source, "INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 500) g");
    Cli cli = new Cli(dir);
    Path key = dir.resolve("key");
    assertThat(cli.run("keys", "generate", "--key-file", key.toString()).code()).isZero();
    String repo = dir.resolve("repo").toString();
    Cli.Result backup =
        cli.run(
            "backup",
            "postgresql://postgres@" + hostPort + "/" + source,
            "--key-file",
            key.toString(),
            "--repo",
            repo);
    assertThat(backup.code()).as(backup.toString()).isZero();
    String targetUri = "postgresql://postgres@" + hostPort + "/" + target;
    Cli.Result first =
        cli.run(
            "restore",
            "latest:postgres",
            targetUri + "?create=true",
            "--key-file",
            key.toString(),
            "--repo",
            repo);
    assertThat(first.code()).as(first.toString()).isZero();

    // After the backup: a new table, a changed row, a grant on the database.
    execute(target, "CREATE TABLE added_after_backup (x int)");
    execute(target, "UPDATE orders SET item = 'changed' WHERE id = 1");
    execute(target, "INSERT INTO orders VALUES (501, 'new')");
    execute("postgres", "REVOKE ALL ON DATABASE " + target + " FROM PUBLIC");

    Cli.Result forced =
        cli.run(
            "restore",
            "latest:postgres",
            targetUri,
            "--force",
            "--key-file",
            key.toString(),
            "--repo",
            repo);
    assertThat(forced.code()).as(forced.toString()).isZero();
    assertThat(forced.out())
        .contains("  target      --force: database \"" + target + "\" is REPLACED, not merged")
        .contains("objects created after the backup are gone");
    assertThat(query(target, "SELECT to_regclass('public.added_after_backup')::text")).isNull();
    String checksum =
        "SELECT count(*) || md5(string_agg(t::text, ',' ORDER BY t::text)) FROM orders t";
    assertThat(query(target, checksum)).isEqualTo(query(source, checksum)).startsWith("500");
    // The grants on the database itself were carried over; no temporary database is left.
    assertThat(
            query(
                "postgres",
                "SELECT has_database_privilege('public', '" + target + "', 'CONNECT')::text"))
        .isEqualTo("false");
    assertThat(
            query(
                "postgres",
                "SELECT count(*) FROM pg_database WHERE datname LIKE '"
                    + target
                    + "\\_biowerk\\_%'"))
        .isEqualTo("0");

    // The in-place restore, asked for explicitly, keeps what the dump does not hold and says so.
    execute(target, "CREATE TABLE kept_in_place (x int)");
    Cli.Result inPlace =
        cli.run(
            "restore",
            "latest:postgres",
            targetUri + "?replace=false",
            "--force",
            "--key-file",
            key.toString(),
            "--repo",
            repo);
    assertThat(inPlace.code()).as(inPlace.toString()).isZero();
    assertThat(inPlace.out()).contains("objects the dump does not hold were KEPT");
    assertThat(query(target, "SELECT to_regclass('public.kept_in_place')::text"))
        .isEqualTo("kept_in_place");
  }

  // ---- Redis ----

  static final String SERVER = System.getenv().getOrDefault("REDIS_SERVER", "redis-server");
  static final String CLIENT = System.getenv().getOrDefault("REDIS_CLI", "redis-cli");

  int startRedis(String name) throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path data = Files.createDirectories(dir.resolve(name));
    Process process =
        new ProcessBuilder(
                SERVER,
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                data.toString(),
                "--logfile",
                data.resolve("log").toString())
            .start();
    started.add(process);
    for (int i = 0; i < 200; i++) {
      if (redis(port, "PING").equals("PONG")) {
        return port;
      }
      Thread.sleep(25);
    }
    throw new IOException("redis-server on port " + port + " did not start");
  }

  String redis(int port, String commands) throws Exception {
    Process cli =
        new ProcessBuilder(CLIENT, "-p", Integer.toString(port)).redirectErrorStream(true).start();
    cli.getOutputStream().write((commands + "\n").getBytes(StandardCharsets.UTF_8));
    cli.getOutputStream().close();
    String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    cli.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  @Test
  void aForcedRedisRestoreFlushesFirstSoAKeyAddedAfterTheBackupIsGone() throws Exception {
    int port = startRedis("redis");
    StringBuilder load = new StringBuilder();
    for (int i = 0; i < 500; i++) {
      load.append("SET key:").append(i).append(" value-").append(i).append('\n');
    }
    load.append("SELECT 2\nSET other 1\n");
    redis(port, load.toString());
    Cli cli = new Cli(dir);
    String repo = dir.resolve("repo").toString();
    Cli.Result backup =
        cli.run("backup", "redis://127.0.0.1:" + port, "--no-encrypt", "--repo", repo);
    assertThat(backup.code()).as(backup.toString()).isZero();

    // After the backup: a new key in db0, a changed key, a key in a database the backup had empty.
    redis(port, "SET added-after-backup 1\nSET key:1 changed\nSELECT 5\nSET elsewhere 1");
    assertThat(redis(port, "DBSIZE")).isEqualTo("501");

    Cli.Result forced =
        cli.run("restore", "latest:redis", "redis://127.0.0.1:" + port, "--force", "--repo", repo);
    assertThat(forced.code()).as(forced.toString()).isZero();
    assertThat(forced.out())
        .contains("  target      --force: flushed every database first (FLUSHALL")
        .contains("holds exactly the backup");
    assertThat(redis(port, "DBSIZE")).isEqualTo("500");
    assertThat(redis(port, "EXISTS added-after-backup")).isEqualTo("0");
    assertThat(redis(port, "GET key:1")).isEqualTo("value-1");
    assertThat(redis(port, "SELECT 2\nGET other")).endsWith("1");
    assertThat(redis(port, "SELECT 5\nDBSIZE")).endsWith("0");
  }

  @Test
  void aForcedRedisRestoreWithADbMapFlushesOnlyTheDatabasesItWrites() throws Exception {
    int port = startRedis("mapped");
    redis(port, "SET a 1\nSET b 2");
    Cli cli = new Cli(dir);
    String repo = dir.resolve("repo").toString();
    Cli.Result backup =
        cli.run("backup", "redis://127.0.0.1:" + port, "--no-encrypt", "--repo", repo);
    assertThat(backup.code()).as(backup.toString()).isZero();
    // db 4 receives the backup's db 0 and holds a stray key; db 0 belongs to someone else now.
    redis(port, "SET mine 1\nSELECT 4\nSET stray 1\nSET a old");
    Cli.Result forced =
        cli.run(
            "restore",
            "latest:redis",
            "redis://127.0.0.1:" + port + "?db-map=0:4",
            "--force",
            "--repo",
            repo);
    assertThat(forced.code()).as(forced.toString()).isZero();
    assertThat(forced.out())
        .contains("flushed the database(s) the backup covers first (db4, FLUSHDB)")
        .contains("other databases were left as they were (db0)");
    assertThat(redis(port, "SELECT 4\nDBSIZE")).endsWith("2");
    assertThat(redis(port, "SELECT 4\nEXISTS stray")).endsWith("0");
    assertThat(redis(port, "SELECT 4\nGET a")).endsWith("1");
    assertThat(redis(port, "GET mine")).isEqualTo("1");
  }
}
