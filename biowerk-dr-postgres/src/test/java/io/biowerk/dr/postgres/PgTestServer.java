package io.biowerk.dr.postgres;

import java.net.URI;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * The PostgreSQL server the integration tests use: the one named by {@code BIOWERK_DR_PG_URI} (e.g.
 * {@code postgresql://postgres:pw@db:5432/postgres}), else the machine's own at 127.0.0.1:5432 as
 * user {@code postgres}, else (where a Docker engine runs) a Testcontainers PostgreSQL 15. Where
 * there is none it fails with a message saying how to provide one. Tests create uniquely named
 * databases and drop them.
 */
// "try": the probe opens a connection only to see that it can.
@SuppressWarnings("try")
final class PgTestServer {

  private static PgTestServer instance;

  final String host;
  final int port;
  final String user;
  final String password;

  private PgTestServer(String host, int port, String user, String password) {
    this.host = host;
    this.port = port;
    this.user = user;
    this.password = password;
  }

  static synchronized PgTestServer get() {
    if (instance != null) {
      return instance;
    }
    String env = System.getenv("BIOWERK_DR_PG_URI");
    URI uri = URI.create(env != null ? env : "postgresql://postgres@127.0.0.1:5432/postgres");
    String info = uri.getUserInfo() == null ? "postgres" : uri.getUserInfo();
    String user = info.contains(":") ? info.substring(0, info.indexOf(':')) : info;
    String password = info.contains(":") ? info.substring(info.indexOf(':') + 1) : null;
    PgTestServer candidate =
        new PgTestServer(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), user, password);
    SQLException failure;
    try (Connection c = candidate.connect("postgres")) {
      instance = candidate;
      return instance;
    } catch (SQLException e) {
      failure = e;
    }
    if (env == null && dockerAvailable()) {
      instance = Containers.start();
      return instance;
    }
    throw new IllegalStateException(
        "postgresql: the integration tests need a PostgreSQL server, and there is"
            + " none at "
            + candidate.host
            + ":"
            + candidate.port
            + " ("
            + failure.getMessage()
            + ")"
            + (env == null ? " and no Docker engine for Testcontainers" : "")
            + ". Start the machine's server"
            + " (bash .ci/services.sh, or pg_ctlcluster 15 main start), or name one with"
            + " BIOWERK_DR_PG_URI=postgresql://user:password@host:port/postgres (a superuser: tests create and drop"
            + " databases and roles)",
        failure);
  }

  static PgTestServer of(String host, int port, String user, String password) {
    return new PgTestServer(host, port, user, password);
  }

  private static boolean dockerAvailable() {
    try {
      return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable e) {
      return false;
    }
  }

  /** Testcontainers, only loaded where Docker runs. */
  private static final class Containers {
    @SuppressWarnings("resource")
    static PgTestServer start() {
      var container = new org.testcontainers.containers.PostgreSQLContainer<>("postgres:15");
      container.start();
      Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
      return new PgTestServer(
          container.getHost(),
          container.getMappedPort(5432),
          container.getUsername(),
          container.getPassword());
    }
  }

  Connection connect(String db) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", user);
    if (password != null) {
      props.setProperty("password", password);
    }
    return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + db, props);
  }

  /** {@code postgresql://user[:pw]@host:port/db}. */
  String uri(String db) {
    return "postgresql://"
        + user
        + (password == null ? "" : ":" + password)
        + "@"
        + host
        + ":"
        + port
        + "/"
        + db;
  }

  /** The environment for tools run by tests. */
  ProcessBuilder tool(String... command) {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("PGPASSWORD");
    if (password != null) {
      builder.environment().put("PGPASSWORD", password);
    }
    return builder;
  }

  static String uniqueName(String prefix) {
    byte[] random = new byte[4];
    new SecureRandom().nextBytes(random);
    return (prefix + "_" + HexFormat.of().formatHex(random)).toLowerCase(Locale.ROOT);
  }

  /** Creates a uniquely named database. */
  String createDatabase(String prefix) throws SQLException {
    String name = uniqueName("biowerk_it_" + prefix);
    execute("postgres", "CREATE DATABASE " + name);
    return name;
  }

  void dropDatabase(String name) throws SQLException {
    execute("postgres", "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  boolean databaseExists(String name) throws SQLException {
    return !query("postgres", "SELECT 1 FROM pg_database WHERE datname = '" + name + "'").isEmpty();
  }

  void execute(String db, String sql) throws SQLException {
    try (Connection c = connect(db);
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  /** The first column of every row. */
  List<String> query(String db, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = connect(db);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  String single(String db, String sql) throws SQLException {
    List<String> rows = query(db, sql);
    return rows.isEmpty() ? null : rows.get(0);
  }
}
