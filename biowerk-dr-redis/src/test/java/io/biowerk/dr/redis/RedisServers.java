package io.biowerk.dr.redis;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit extension that starts private {@code redis-server} processes on free loopback ports, each
 * in its own temporary directory with persistence off, and kills them after each test (or after the
 * class, for those started in {@code @BeforeAll}). Register with {@code @RegisterExtension static
 * RedisServers servers = ...}.
 */
final class RedisServers implements AfterEachCallback, AfterAllCallback {

  /** $REDIS_SERVER, else /usr/bin/redis-server (Debian's), else redis-server on the PATH. */
  static final String BINARY =
      System.getenv()
          .getOrDefault(
              "REDIS_SERVER",
              Files.isExecutable(Path.of("/usr/bin/redis-server"))
                  ? "/usr/bin/redis-server"
                  : "redis-server");

  /** One running server. */
  static final class Server {
    final Process process;
    final int port;
    final Path dir;
    final String password;
    final Path tlsCa;

    Server(Process process, int port, Path dir, String password, Path tlsCa) {
      this.process = process;
      this.port = port;
      this.dir = dir;
      this.password = password;
      this.tlsCa = tlsCa;
    }

    URI uri() {
      return uri("");
    }

    URI uri(String query) {
      String auth = password == null ? "" : "default:" + password + "@";
      if (tlsCa != null) {
        query = "tls-ca=" + tlsCa + (query.isEmpty() ? "" : "&" + query);
      }
      return URI.create(
          (tlsCa == null ? "redis://" : "rediss://")
              + auth
              + "127.0.0.1:"
              + port
              + (query.isEmpty() ? "" : "?" + query));
    }

    RespConnection connect() throws IOException {
      return RespConnection.open(RedisEndpoint.parse(uri(), RedisSource.OPTIONS));
    }

    void kill() {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private final List<Server> perTest = new ArrayList<>();
  private final List<Server> perClass = new ArrayList<>();
  private boolean inClassSetup = true;

  /**
   * Starts a server; {@code config} lines go into its redis.conf (e.g. {@code repl-diskless-sync
   * yes}).
   */
  Server start(String... config) throws IOException {
    return start(null, config);
  }

  /**
   * Starts a server that speaks only TLS, with a fresh self-signed certificate for 127.0.0.1 (made
   * with openssl); its {@link Server#uri()} is {@code rediss://} and trusts that certificate
   * through {@code tls-ca}.
   */
  Server startTls(String... config) throws IOException {
    Path certs = Files.createTempDirectory("biowerk-redis-tls-");
    Path cert = certs.resolve("cert.pem");
    Path key = certs.resolve("key.pem");
    try {
      Process openssl =
          new ProcessBuilder(
                  "openssl",
                  "req",
                  "-x509",
                  "-newkey",
                  "rsa:2048",
                  "-nodes",
                  "-days",
                  "2",
                  "-subj",
                  "/CN=127.0.0.1",
                  "-addext",
                  "subjectAltName=IP:127.0.0.1",
                  "-keyout",
                  key.toString(),
                  "-out",
                  cert.toString())
              .redirectErrorStream(true)
              .redirectOutput(certs.resolve("openssl.log").toFile())
              .start();
      if (!openssl.waitFor(60, TimeUnit.SECONDS) || openssl.exitValue() != 0) {
        throw new IOException(
            "openssl could not make a test certificate; see " + certs.resolve("openssl.log"));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    String[] all = java.util.Arrays.copyOf(config, config.length + 4);
    all[config.length] = "tls-cert-file " + cert;
    all[config.length + 1] = "tls-key-file " + key;
    all[config.length + 2] = "tls-ca-cert-file " + cert;
    all[config.length + 3] = "tls-auth-clients no";
    return start(cert, all);
  }

  private Server start(Path tlsCa, String... config) throws IOException {
    Path dir = Files.createTempDirectory("biowerk-redis-");
    String password = null;
    for (String line : config) {
      if (line.startsWith("requirepass ")) {
        password = line.substring("requirepass ".length());
      }
    }
    for (int attempt = 0; ; attempt++) {
      int port = freePort();
      StringBuilder conf = new StringBuilder();
      conf.append(tlsCa == null ? "port " + port : "port 0\ntls-port " + port)
          .append('\n')
          .append("bind 127.0.0.1\n")
          .append("save \"\"\n")
          .append("appendonly no\n")
          .append("dir ")
          .append(dir)
          .append('\n')
          .append("logfile ")
          .append(dir.resolve("redis.log"))
          .append('\n')
          .append("repl-diskless-sync-delay 0\n");
      for (String line : config) {
        conf.append(line).append('\n');
      }
      Path file = dir.resolve("redis.conf");
      Files.writeString(file, conf);
      Process process =
          new ProcessBuilder(BINARY, file.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("stdout.log").toFile())
              .start();
      Server server = new Server(process, port, dir, password, tlsCa);
      (inClassSetup ? perClass : perTest).add(server);
      if (awaitReady(server)) {
        return server;
      }
      server.kill();
      if (attempt == 3) {
        throw new IOException("redis-server did not start; see " + dir.resolve("redis.log"));
      }
    }
  }

  /** Marks the end of class setup: servers started from now on die after each test. */
  void classSetupDone() {
    inClassSetup = false;
  }

  private static boolean awaitReady(Server server) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline && server.process.isAlive()) {
      try (RespConnection c = server.connect()) {
        if ("PONG".equals(c.call("PING"))) {
          return true;
        }
      } catch (IOException e) {
        // not up yet
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    perTest.forEach(Server::kill);
    perTest.forEach(RedisServers::deleteQuietly);
    perTest.clear();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    perClass.forEach(Server::kill);
    perClass.forEach(RedisServers::deleteQuietly);
    perClass.clear();
  }

  private static void deleteQuietly(Server server) {
    try (var paths = Files.walk(server.dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp dir left behind is harmless
    }
  }
}
