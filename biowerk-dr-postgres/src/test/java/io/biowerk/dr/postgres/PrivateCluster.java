package io.biowerk.dr.postgres;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away PostgreSQL cluster of the tests' own (initdb + pg_ctl on a free loopback port in a
 * temp directory), for what must not be done to a shared server: stopping it mid-dump, password
 * authentication. TCP connections need a SCRAM password except for the superuser {@code postgres}.
 * As root the server runs as the {@code postgres} OS user through {@code runuser}, since PostgreSQL
 * refuses to run as root.
 */
final class PrivateCluster implements AutoCloseable {

  final Path dir;
  final int port;
  private final Path bin;
  private final boolean root;

  private PrivateCluster(Path dir, int port, Path bin, boolean root) {
    this.dir = dir;
    this.port = port;
    this.bin = bin;
    this.root = root;
  }

  /** Creates and starts a cluster; fails with what to install when initdb is missing. */
  static PrivateCluster start() throws Exception {
    Path bin = findBin();
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "biowerk-pgcluster-");
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    PrivateCluster cluster = new PrivateCluster(dir, port, bin, root);
    if (root) {
      run(List.of("chown", "postgres:postgres", dir.toString()));
    }
    cluster.asOwner(
        bin.resolve("initdb").toString(),
        "-D",
        dir.resolve("data").toString(),
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8");
    Files.writeString(
        dir.resolve("data/pg_hba.conf"),
        String.join(
            "\n",
            "local all all trust",
            "host all postgres 127.0.0.1/32 trust",
            "host all all 127.0.0.1/32 scram-sha-256",
            ""),
        StandardCharsets.UTF_8);
    cluster.startServer();
    return cluster;
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

  void startServer() throws Exception {
    asOwner(
        bin.resolve("pg_ctl").toString(),
        "-D",
        dir.resolve("data").toString(),
        "-l",
        dir.resolve("log").toString(),
        "-w",
        "-t",
        "60",
        "-o",
        "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dir + " -c fsync=off",
        "start");
  }

  /** Stops the server at once, as a crash would ({@code -m immediate}). */
  void stopImmediately() throws Exception {
    asOwner(
        bin.resolve("pg_ctl").toString(),
        "-D",
        dir.resolve("data").toString(),
        "-m",
        "immediate",
        "-w",
        "stop");
  }

  PgTestServer superuser() {
    return PgTestServer.of("127.0.0.1", port, "postgres", null);
  }

  private void asOwner(String... command) throws Exception {
    List<String> full = new ArrayList<>();
    if (root) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(List.of(command));
    run(full);
  }

  private static void run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("command " + command + " failed: " + out);
    }
  }

  @Override
  public void close() throws Exception {
    try {
      asOwner(
          bin.resolve("pg_ctl").toString(),
          "-D",
          dir.resolve("data").toString(),
          "-m",
          "immediate",
          "-w",
          "stop");
    } catch (IllegalStateException e) {
      // already stopped
    }
    run(List.of("rm", "-rf", dir.toString()));
  }
}
