package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code biowerk-dr backup redis://...}, {@code verify --level native}, then {@code restore ...
 * redis://...} against two private redis-server processes this test starts (and kills) on free
 * loopback ports.
 */
class RedisCliIT {

  static final String SERVER = System.getenv().getOrDefault("REDIS_SERVER", "redis-server");
  static final String CLIENT = System.getenv().getOrDefault("REDIS_CLI", "redis-cli");

  @TempDir Path dir;
  final List<Process> started = new ArrayList<>();

  @AfterEach
  void kill() throws InterruptedException {
    for (Process process : started) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  int startServer(String name) throws Exception {
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
    throw new IOException(
        "redis-server on port " + port + " did not start; see " + data.resolve("log"));
  }

  /** Runs redis-cli with commands on stdin (one a line) and returns its output, trimmed. */
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
  void backupVerifyAndRestoreRedisThroughTheCommand() throws Exception {
    int source = startServer("source");
    StringBuilder load = new StringBuilder();
    for (int i = 0; i < 2_000; i++) {
      load.append("SET key:").append(i).append(" value-").append(i).append('\n');
    }
    load.append("HSET profile name ada lang en\n")
        .append("RPUSH queue a b c\n")
        .append("SET session abc PX 3600000\n")
        .append("SELECT 3\n")
        .append("SADD tags x y z\n");
    redis(source, load.toString());

    Cli cli = new Cli(dir);
    assertThat(cli.run("keys", "generate").code()).isEqualTo(0);
    Cli.Result backup = cli.run("backup", "redis://127.0.0.1:" + source, "--json");
    assertThat(backup.code()).as(backup.toString()).isEqualTo(0);
    assertThat(backup.out())
        .contains("\"sourceName\" : \"redis\"")
        .contains(".rdb.zst.enc")
        .contains("\"mode\" : \"sync\"")
        .contains("\"rdbVersion\" : 10");

    Cli.Result verify = cli.run("verify", "latest:redis", "--level", "native");
    assertThat(verify.code()).as(verify.toString()).isEqualTo(0);
    assertThat(verify.out())
        .contains("native")
        .contains("RDB v10: 2004 keys in 2 databases (db0=2003, db3=1)")
        .contains("CRC-64");

    int scratch = startServer("scratch");
    Cli.Result drill =
        cli.run(
            "verify",
            "latest:redis",
            "--level",
            "restore",
            "-o",
            "scratch-uri=redis://127.0.0.1:" + scratch);
    assertThat(drill.code()).as(drill.toString()).isEqualTo(0);
    assertThat(drill.out())
        .contains("redis restore into scratch server: 2004 keys (db0=2003, db3=1)");

    int target = startServer("target");
    Cli.Result restore = cli.run("restore", "latest:redis", "redis://127.0.0.1:" + target);
    assertThat(restore.code()).as(restore.toString()).isEqualTo(0);
    assertThat(redis(target, "DBSIZE")).isEqualTo("2003");
    assertThat(redis(target, "GET key:1999")).isEqualTo("value-1999");
    assertThat(redis(target, "HGET profile lang")).isEqualTo("en");
    assertThat(Long.parseLong(redis(target, "PTTL session"))).isBetween(3_000_000L, 3_600_000L);
    assertThat(redis(target, "SELECT 3\nSCARD tags")).endsWith("3");

    // A second restore into the now non-empty server is refused, and the message says what to do.
    Cli.Result again = cli.run("restore", "latest:redis", "redis://127.0.0.1:" + target);
    assertThat(again.code()).as(again.toString()).isNotEqualTo(0);
    assertThat(again.err())
        .contains("redis: restore target redis://127.0.0.1:" + target + " is not empty")
        .contains("flush=true");
  }
}
