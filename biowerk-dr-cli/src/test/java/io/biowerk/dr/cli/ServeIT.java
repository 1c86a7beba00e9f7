package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.local.LocalSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code biowerk-dr serve} as real processes of the shaded jar: two instances on one repository,
 * exactly one runs jobs; the standby takes over when the first is killed with SIGKILL; SIGTERM
 * during a backup aborts it within the shutdown bound, keeps nothing partial and releases the
 * lease.
 */
class ServeIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private Path config(String name, int port, String sources) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(
        file,
        "server: {listen: \"127.0.0.1:"
            + port
            + "\", lease-ttl: 3s, shutdown-grace: 1s, max-concurrent-jobs: 1}\n"
            + "repositories: [repo]\n"
            + "keys: {file: key}\n"
            + "sources:\n"
            + sources);
    return file;
  }

  private Process serve(Path config, String log) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder =
        new ProcessBuilder(
                java,
                "-Xmx256m",
                "-jar",
                System.getProperty("biowerk.jar"),
                "serve",
                "--config",
                config.toString())
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(log).toFile());
    builder.environment().put("HOME", dir.toString());
    return builder.start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** GET a path; the status, or -1 when nothing answers. */
  private static int status(int port, String path) {
    try {
      HttpURLConnection c =
          (HttpURLConnection)
              URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(5000);
      int code = c.getResponseCode();
      c.disconnect();
      return code;
    } catch (IOException e) {
      return -1;
    }
  }

  private static JsonNode get(int port, String path) throws IOException {
    HttpURLConnection c =
        (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
    try (InputStream in = c.getResponseCode() >= 400 ? c.getErrorStream() : c.getInputStream()) {
      return JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private String log(String name) throws IOException {
    Path file = dir.resolve(name);
    return Files.exists(file) ? Files.readString(file) : "";
  }

  private void await(String what, long seconds, Check check) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < end) {
      if (check.ok()) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "timed out waiting until "
            + what
            + "\n--- a.log\n"
            + log("a.log")
            + "\n--- b.log\n"
            + log("b.log"));
  }

  interface Check {
    boolean ok() throws Exception;
  }

  @Test
  void oneInstanceRunsJobsTheOtherTakesOverAfterKillAndSigtermAbortsCleanly() throws Exception {
    Files.createDirectories(dir.resolve("docs"));
    Files.writeString(dir.resolve("docs/a.txt"), "alpha\n");
    // A sparse 6 GiB file: a backup that takes seconds without filling the disk.
    Files.createDirectories(dir.resolve("big"));
    try (RandomAccessFile big =
        new RandomAccessFile(dir.resolve("big/sparse.bin").toFile(), "rw")) {
      big.setLength(6L << 30);
    }
    KeyFile.at(dir.resolve("key")).create(Clock.systemUTC());
    int portA = freePort();
    int portB = freePort();
    Path configA = config("a.yml", portA, "  docs: {uri: docs, backup: \"0 2 * * *\"}\n");
    Path configB =
        config(
            "b.yml",
            portB,
            """
              docs: {uri: docs, backup: "0 2 * * *"}
              big: {uri: big, backup: "0 3 * * *", retries: 0, compression: "zstd:1"}
            """);

    Process a = serve(configA, "a.log");
    Process b = null;
    try {
      await("a is ready", 60, () -> status(portA, "/ready") == 200);
      await(
          "a has backed up docs",
          60,
          () -> get(portA, "/status").at("/sources/0/backups").asInt() == 1);

      b = serve(configB, "b.log");
      await("b answers", 60, () -> status(portB, "/health") == 200);
      Thread.sleep(2000);
      assertThat(status(portB, "/ready")).as("b stands by while a holds the lease").isEqualTo(503);
      assertThat(get(portB, "/jobs").get("jobs").size()).isZero();

      a.destroyForcibly(); // SIGKILL: no shutdown hook, the lease stays behind unrenewed
      assertThat(a.waitFor(30, TimeUnit.SECONDS)).isTrue();
      await("b takes over", 60, () -> status(portB, "/ready") == 200);
      // b's catch-up: docs has today's backup already (from a), big has none and starts now.
      await(
          "b runs the backup of big",
          60,
          () -> {
            for (JsonNode job : get(portB, "/jobs").get("jobs")) {
              if (job.get("source").asText().equals("big")
                  && job.get("state").asText().equals("running")) {
                return true;
              }
            }
            return false;
          });
      assertThat(get(portB, "/jobs").get("jobs").findValuesAsText("source")).containsExactly("big");
      Thread.sleep(1000);

      long start = System.nanoTime();
      b.destroy(); // SIGTERM during the backup
      assertThat(b.waitFor(60, TimeUnit.SECONDS)).as(log("b.log")).isTrue();
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
      // shutdown-grace 1 s, then the aborted backup's cleanup: within the 20 s bound.
      assertThat(seconds).as(log("b.log")).isLessThan(25);
      assertThat(log("b.log")).contains("serve: shutting down").contains("serve: stopped");
    } finally {
      a.destroyForcibly();
      if (b != null) {
        b.destroyForcibly();
      }
    }
    Catalog catalog = Catalog.of(LocalSink.existing(dir.resolve("repo")));
    assertThat(catalog.list("big")).as("nothing of the aborted backup is a backup").isEmpty();
    assertThat(catalog.list("docs")).hasSize(1);
    List<String> leftovers;
    try (var files = Files.walk(dir.resolve("repo"))) {
      leftovers =
          files
              .filter(Files::isRegularFile)
              .map(p -> dir.resolve("repo").relativize(p).toString())
              .filter(p -> p.startsWith("big/") || p.startsWith(".biowerk-dr/"))
              .toList();
    }
    assertThat(leftovers).as("no partial data, no in-progress marker, no lease").isEmpty();
  }
}
