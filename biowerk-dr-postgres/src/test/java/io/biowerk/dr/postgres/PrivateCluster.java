package io.biowerk.dr.postgres;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL cluster of the tests' own (initdb + pg_ctl on a free loopback port in a
 * temp directory), for what must not be done to a shared server: stopping it mid-dump, password
 * authentication, archiving its WAL, killing it with SIGKILL, recovering a copy of it. The
 * machine's shared server on 5432 is never touched. TCP connections need a SCRAM password except
 * for the superuser {@code postgres}, which is also trusted for replication. As root the server
 * runs as the {@code postgres} OS user through {@code runuser}, since PostgreSQL refuses to run as
 * root; {@link #own} hands a folder to that user.
 *
 * <p>Always cleaned up: {@link #close()} stops the server and removes the directory, and a JVM
 * shutdown hook does the same for a cluster a failed test never closed.
 */
// "try": close() stops a server and may be interrupted while waiting; "exports": a test fixture.
@SuppressWarnings({"try", "exports"})
public final class PrivateCluster implements AutoCloseable {

  /** The cluster's own temp directory (log, socket, and data unless restored elsewhere). */
  public final Path dir;

  /** The loopback port it listens on. */
  public final int port;

  private final Path data;
  private final Path bin;
  private final boolean root;
  private final Thread cleanup;
  private boolean closed;

  private PrivateCluster(Path dir, Path data, int port, Path bin, boolean root) {
    this.dir = dir;
    this.data = data;
    this.port = port;
    this.bin = bin;
    this.root = root;
    this.cleanup = new Thread(this::closeQuietly, "private-cluster-cleanup-" + port);
    Runtime.getRuntime().addShutdownHook(cleanup);
  }

  /** Creates and starts a cluster; fails with what to install when initdb is missing. */
  public static PrivateCluster start() throws Exception {
    return start(Map.of());
  }

  /**
   * Creates and starts a cluster with {@code settings} added to its {@code postgresql.conf} (e.g.
   * {@code archive_mode=on}).
   */
  public static PrivateCluster start(Map<String, String> settings) throws Exception {
    Path bin = findBin();
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "biowerk-pgcluster-");
    PrivateCluster cluster = new PrivateCluster(dir, dir.resolve("data"), freePort(), bin, root);
    try {
      cluster.own(dir);
      cluster.asOwner(
          bin.resolve("initdb").toString(),
          "-D",
          cluster.data.toString(),
          "-U",
          "postgres",
          "--auth=trust",
          "-E",
          "UTF8",
          "--locale=C.UTF-8",
          "--no-sync");
      Files.writeString(
          cluster.data.resolve("pg_hba.conf"),
          """
          local all all trust
          local replication all trust
          host all postgres 127.0.0.1/32 trust
          host replication postgres 127.0.0.1/32 trust
          host all all 127.0.0.1/32 scram-sha-256
          """,
          StandardCharsets.UTF_8);
      cluster.configure(settings);
      cluster.startServer();
      return cluster;
    } catch (Exception e) {
      cluster.closeQuietly();
      throw e;
    }
  }

  /**
   * A cluster on a data directory restored elsewhere (moved into a new temp directory of its own,
   * handed to the server's OS user), with {@code settings} appended; not started.
   */
  public static PrivateCluster onRestored(Path restored, Map<String, String> settings)
      throws Exception {
    Path bin = findBin();
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "biowerk-pgrestored-");
    PrivateCluster cluster = new PrivateCluster(dir, restored, freePort(), bin, root);
    try {
      if (root) {
        run(List.of("chown", "-R", "postgres:postgres", dir.toString(), restored.toString()));
      }
      run(List.of("chmod", "0700", restored.toString()));
      cluster.configure(settings);
      return cluster;
    } catch (Exception e) {
      cluster.closeQuietly();
      throw e;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private void configure(Map<String, String> settings) throws Exception {
    if (settings.isEmpty()) {
      return;
    }
    StringBuilder conf = new StringBuilder("\n# private cluster test settings\n");
    settings.forEach(
        (k, v) -> conf.append(k).append(" = '").append(v.replace("'", "''")).append("'\n"));
    Files.writeString(
        data.resolve("postgresql.auto.conf"),
        conf.toString(),
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    if (root) {
      run(List.of("chown", "postgres:postgres", data.resolve("postgresql.auto.conf").toString()));
    }
  }

  private static Path findBin() throws IOException {
    Path root = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(root)) {
      try (Stream<Path> dirs = Files.list(root)) {
        for (Path d : dirs.sorted(Comparator.reverseOrder()).toList()) {
          if (Files.isExecutable(d.resolve("bin/initdb"))) {
            return d.resolve("bin");
          }
        }
      }
    }
    throw new IllegalStateException(
        "postgresql: these tests start a private PostgreSQL cluster and need initdb"
            + " and pg_ctl under /usr/lib/postgresql/<N>/bin; apt-get install postgresql (bash .ci/services.sh"
            + " does)");
  }

  /** The data directory. */
  public Path data() {
    return data;
  }

  /** The tools' directory ({@code initdb}, {@code pg_ctl}, {@code pg_verifybackup}). */
  public Path bin() {
    return bin;
  }

  /**
   * Hands {@code path} (recursively) to the server's OS user, so the server and its commands can
   * use it.
   */
  public void own(Path path) throws Exception {
    if (root) {
      run(List.of("chown", "-R", "postgres:postgres", path.toString()));
    }
  }

  public void startServer() throws Exception {
    try {
      asOwner(
          bin.resolve("pg_ctl").toString(),
          "-D",
          data.toString(),
          "-l",
          dir.resolve("log").toString(),
          "-w",
          "-t",
          "60",
          "-o",
          "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dir + " -c fsync=off",
          "start");
    } catch (IllegalStateException e) {
      throw new IllegalStateException(e.getMessage() + "\nserver log:\n" + log(), e);
    }
  }

  /** The server log so far (its last 4000 characters). */
  public String log() {
    try {
      String text = Files.readString(dir.resolve("log"), StandardCharsets.UTF_8);
      return text.substring(Math.max(0, text.length() - 4000));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Stops the server at once, as a crash would ({@code -m immediate}). */
  public void stopImmediately() throws Exception {
    asOwner(
        bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop");
  }

  /** Stops the server cleanly ({@code -m fast}). */
  public void stop() throws Exception {
    asOwner(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "stop");
  }

  /**
   * Kills the postmaster with SIGKILL, as the out-of-memory killer would, and waits until it is
   * gone.
   */
  public void kill9() throws Exception {
    String pid = Files.readAllLines(data.resolve("postmaster.pid")).get(0).strip();
    run(List.of("kill", "-9", pid));
    for (int i = 0; i < 200 && Files.isDirectory(Path.of("/proc", pid)); i++) {
      Thread.sleep(50);
    }
  }

  /**
   * Waits until the server has left recovery (promoted), failing with its log after {@code
   * seconds}.
   */
  public void awaitPromoted(int seconds) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < until) {
      try {
        if ("f".equals(superuser().single("postgres", "SELECT pg_is_in_recovery()"))
            || "false".equals(superuser().single("postgres", "SELECT pg_is_in_recovery()"))) {
          return;
        }
      } catch (java.sql.SQLException e) {
        // still starting
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(
        "the restored server did not promote in " + seconds + " s:\n" + log());
  }

  /** Runs {@code sql} in the {@code postgres} database as the superuser. */
  public void execute(String sql) throws java.sql.SQLException {
    superuser().execute("postgres", sql);
  }

  /** The first column of {@code sql}'s rows, as text. */
  public List<String> query(String sql) throws java.sql.SQLException {
    return superuser().query("postgres", sql);
  }

  /** The single value {@code sql} returns, as text. */
  public String single(String sql) throws java.sql.SQLException {
    return superuser().single("postgres", sql);
  }

  /**
   * Copies this JVM's test class path into {@code dir} and hands it to the server's OS user, so
   * commands the server runs ({@code archive_command}, {@code restore_command}) can start Java with
   * it (as root, ~/.m2 is not readable by that user). Returns the class path of the copy.
   */
  public String copyClassPath(Path dir) throws Exception {
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Path cp = dir.resolve("cp");
    Files.createDirectories(cp);
    List<String> entries = new ArrayList<>();
    int i = 0;
    for (String entry : classPath.split(java.io.File.pathSeparator, -1)) {
      // split(..., -1) keeps a trailing empty entry, and Path.of("") is the working directory
      if (entry.isEmpty()) {
        continue;
      }
      Path from = Path.of(entry);
      if (!Files.exists(from) || entry.contains("testcontainers") || entry.contains("docker")) {
        continue;
      }
      Path to = cp.resolve(i++ + "-" + from.getFileName());
      if (Files.isDirectory(from)) {
        run(List.of("cp", "-r", from.toString(), to.toString()));
      } else {
        Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      entries.add(to.toString());
    }
    own(dir);
    return String.join(":", entries);
  }

  PgTestServer superuser() {
    return PgTestServer.of("127.0.0.1", port, "postgres", null);
  }

  /** {@code postgresql://postgres@127.0.0.1:<port>/<db>}. */
  public String uri(String db) {
    return "postgresql://postgres@127.0.0.1:" + port + "/" + db;
  }

  private void asOwner(String... command) throws Exception {
    List<String> full = new ArrayList<>();
    if (root) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(List.of(command));
    run(full);
  }

  public static void run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("command " + command + " failed: " + out);
    }
  }

  private void closeQuietly() {
    try {
      close();
    } catch (Exception e) {
      // best effort from the shutdown hook
    }
  }

  @Override
  public synchronized void close() throws Exception {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException shuttingDown) {
      // running from the hook itself
    }
    try {
      if (Files.exists(data.resolve("postmaster.pid"))) {
        asOwner(
            bin.resolve("pg_ctl").toString(),
            "-D",
            data.toString(),
            "-m",
            "immediate",
            "-w",
            "stop");
      }
    } catch (IllegalStateException e) {
      // already stopped
    }
    run(List.of("rm", "-rf", dir.toString()));
    if (!data.startsWith(dir)) {
      run(List.of("rm", "-rf", data.toString()));
    }
  }
}
