package io.biowerk.dr.storage.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An S3 endpoint for integration tests: an external S3-compatible server named by {@code
 * BIOWERK_DR_S3_ENDPOINT} (with {@code BIOWERK_DR_S3_ACCESS_KEY} / {@code
 * BIOWERK_DR_S3_SECRET_KEY}, e.g. a MinIO in CI) or else S3Proxy ({@code org.gaul:s3proxy}) started
 * as a child JVM on a free loopback port with a filesystem backend under {@code target/}. Shipped
 * in this module's test jar so the CLI's tests use the same server. A child process rather than
 * in-process: S3Proxy's fat jar bundles its own copies of libraries the SDK also uses. Stopped (and
 * its data deleted) when the test run ends.
 */
// "exports": a test fixture; JUnit's types in its signatures need not be re-exported by the module.
// "try": the readiness probe opens a connection only to close it.
@SuppressWarnings({"exports", "try"})
public final class S3ProxyServer
    implements AutoCloseable { // JUnit closes an AutoCloseable kept in its store

  static final String ACCESS_KEY = "biowerk-test-access";
  // Random per run, so a test can assert that no message ever contains it.
  static final String SECRET_KEY = "biowerk-secret-" + UUID.randomUUID();
  private static final AtomicInteger BUCKETS = new AtomicInteger();

  private final URI endpoint;
  private final String accessKey;
  private final String secretKey;
  private final Process process;
  private final Path data;
  private final S3Client admin;

  private S3ProxyServer(
      URI endpoint, String accessKey, String secretKey, Process process, Path data) {
    this.endpoint = endpoint;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.process = process;
    this.data = data;
    this.admin =
        S3Client.builder()
            .endpointOverride(endpoint)
            .region(Region.US_EAST_1)
            .forcePathStyle(true)
            .credentialsProvider(credentials())
            .build();
  }

  /** Starts S3Proxy, or connects to the server in {@code BIOWERK_DR_S3_ENDPOINT}. */
  public static S3ProxyServer start() {
    String external = System.getenv("BIOWERK_DR_S3_ENDPOINT");
    if (external != null && !external.isBlank()) {
      return new S3ProxyServer(
          URI.create(external),
          System.getenv("BIOWERK_DR_S3_ACCESS_KEY"),
          System.getenv("BIOWERK_DR_S3_SECRET_KEY"),
          null,
          null);
    }
    Path jar = jar();
    try {
      Path target = Paths.get("target").toAbsolutePath();
      Files.createDirectories(target);
      Path data = Files.createTempDirectory(target, "s3proxy-data-");
      int port = freePort();
      URI endpoint = URI.create("http://127.0.0.1:" + port);
      Properties properties = new Properties();
      properties.setProperty("s3proxy.endpoint", endpoint.toString());
      properties.setProperty("s3proxy.authorization", "aws-v2-or-v4");
      properties.setProperty("s3proxy.identity", ACCESS_KEY);
      properties.setProperty("s3proxy.credential", SECRET_KEY);
      properties.setProperty("jclouds.provider", "filesystem-nio2");
      properties.setProperty("jclouds.filesystem.basedir", data.resolve("blobs").toString());
      Files.createDirectories(data.resolve("blobs"));
      Path file = data.resolve("s3proxy.properties");
      try (var out = Files.newOutputStream(file)) {
        properties.store(out, "BIOwerk DR test S3Proxy");
      }
      Path log = target.resolve("s3proxy-" + port + ".log");
      String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
      Process process =
          new ProcessBuilder(
                  java,
                  "-Xmx512m",
                  "-XX:+UseSerialGC",
                  "-jar",
                  jar.toString(),
                  "--properties",
                  file.toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      S3ProxyServer server = new S3ProxyServer(endpoint, ACCESS_KEY, SECRET_KEY, process, data);
      // Should this JVM end without close() (a killed fork, Ctrl-C), the child must not outlive it.
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "s3proxy-stop"));
      server.awaitReady(log);
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start S3Proxy from " + jar, e);
    }
  }

  private static Path jar() {
    String configured = System.getProperty("s3proxy.jar");
    List<Path> candidates =
        Stream.of(
                configured,
                "target/s3proxy/s3proxy.jar",
                System.getProperty("user.home")
                    + "/.m2/repository/org/gaul/s3proxy/4.1.0/"
                    + "s3proxy-4.1.0-jar-with-dependencies.jar")
            .filter(p -> p != null && !p.isBlank())
            .map(Paths::get)
            .toList();
    return candidates.stream()
        .filter(Files::isRegularFile)
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "S3Proxy jar not found (looked at "
                        + candidates
                        + "); run the tests through Maven (the build copies it"
                        + " to target/s3proxy), or set BIOWERK_DR_S3_ENDPOINT to an S3-compatible server"));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private void awaitReady(Path log) throws IOException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "S3Proxy exited with " + process.exitValue() + "; see " + log + ":\n" + tail(log));
      }
      try {
        HttpURLConnection connection = (HttpURLConnection) endpoint.toURL().openConnection();
        connection.setConnectTimeout(1000);
        connection.setReadTimeout(2000);
        int status = connection.getResponseCode(); // 403 for an anonymous request: it is serving
        try (InputStream ignored = connection.getErrorStream()) {
          if (status > 0) {
            return;
          }
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for S3Proxy", e);
      }
    }
    close();
    throw new IllegalStateException(
        "S3Proxy did not answer within 120 s; see " + log + ":\n" + tail(log));
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }

  public URI endpoint() {
    return endpoint;
  }

  public StaticCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  /** A client with full rights, for test set-up and for checking what the sink left behind. */
  public S3Client admin() {
    return admin;
  }

  /** Creates a fresh, uniquely named bucket. */
  public String newBucket(String purpose) {
    String bucket =
        ("biowerk-"
                + purpose
                + "-"
                + ProcessHandle.current().pid()
                + "-"
                + BUCKETS.incrementAndGet())
            .toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9-]", "-");
    admin.createBucket(b -> b.bucket(bucket));
    return bucket;
  }

  /** Options for {@code bucket} on this server, with its credentials. */
  public S3Options.Builder options(String bucket) {
    return S3Options.builder(bucket)
        .endpoint(endpoint)
        .region("us-east-1")
        .pathStyle(true)
        .credentials(credentials());
  }

  /**
   * The {@code s3://} URI of {@code bucket/prefix} on this server (credentials not included: they
   * never are).
   */
  public URI uri(String bucket, String prefix, String extraQuery) {
    return URI.create(
        "s3://"
            + bucket
            + "/"
            + prefix
            + "?endpoint="
            + endpoint
            + "&path-style=true&region=us-east-1"
            + (extraQuery.isEmpty() ? "" : "&" + extraQuery));
  }

  @Override
  public void close() {
    admin.close();
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
    if (data != null) {
      try (Stream<Path> files = Files.walk(data)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // best effort: target/ is wiped by mvn clean anyway
      }
    }
  }
}
