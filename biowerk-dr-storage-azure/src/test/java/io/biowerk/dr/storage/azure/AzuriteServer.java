package io.biowerk.dr.storage.azure;

import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An Azure Blob endpoint for integration tests: the account named by a connection string in {@code
 * BIOWERK_DR_AZURE_CONNECTION_STRING} or {@code AZURE_STORAGE_CONNECTION_STRING} (a real account,
 * or an Azurite started elsewhere), else Azurite ({@code npm} package {@code azurite}) started here
 * as {@code azurite-blob} on a free loopback port with in-memory persistence and telemetry off.
 * Azurite is installed by {@code .ci/services.sh} into {@code
 * ~/.cache/biowerk-dr/azurite-<version>} (system property {@code azurite.dir}); if it is missing
 * there, this class installs it with {@code npm install} (about 2 minutes). Stopped when the test
 * run ends. Shipped in this module's test jar so the CLI's tests use the same server.
 */
// "exports": a test fixture; JUnit's types in its signatures need not be re-exported by the module.
// "try": the readiness probe opens a connection only to close it.
@SuppressWarnings({"exports", "try"})
public final class AzuriteServer
    implements AutoCloseable { // JUnit closes an AutoCloseable kept in its store

  /** Azurite's well-known development account (published by Microsoft; not a secret). */
  public static final String ACCOUNT = "devstoreaccount1";

  /** Azurite's well-known development key (published by Microsoft; not a secret). */
  public static final String KEY =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  private static final AtomicInteger CONTAINERS = new AtomicInteger();

  private final String connectionString;
  private final String account;
  private final URI endpoint;
  private final Process process;
  private final BlobServiceClient admin;

  private AzuriteServer(String connectionString, String account, URI endpoint, Process process) {
    this.connectionString = connectionString;
    this.account = account;
    this.endpoint = endpoint;
    this.process = process;
    this.admin = new BlobServiceClientBuilder().connectionString(connectionString).buildClient();
  }

  /** Connects to the account in the environment, or installs (if need be) and starts Azurite. */
  public static AzuriteServer start() {
    for (String variable :
        List.of("BIOWERK_DR_AZURE_CONNECTION_STRING", "AZURE_STORAGE_CONNECTION_STRING")) {
      String external = System.getenv(variable);
      if (external != null && !external.isBlank()) {
        Matcher name = Pattern.compile("(?i)AccountName=([^;]+)").matcher(external);
        Matcher blob = Pattern.compile("(?i)BlobEndpoint=([^;]+)").matcher(external);
        String account = name.find() ? name.group(1).trim() : ACCOUNT;
        URI endpoint =
            blob.find()
                ? URI.create(blob.group(1).trim())
                : URI.create("https://" + account + ".blob.core.windows.net");
        return new AzuriteServer(external, account, endpoint, null);
      }
    }
    Path azurite = install();
    try {
      Path target = Paths.get("target").toAbsolutePath();
      Files.createDirectories(target);
      int port = freePort();
      Path log = target.resolve("azurite-" + port + ".log");
      Process process =
          new ProcessBuilder(
                  azurite.toString(),
                  "--blobHost",
                  "127.0.0.1",
                  "--blobPort",
                  String.valueOf(port),
                  "--inMemoryPersistence",
                  "--disableTelemetry",
                  "--skipApiVersionCheck")
              .directory(target.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      // Should this JVM end without close() (a killed fork, Ctrl-C), the child must not outlive it.
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "azurite-stop"));
      URI endpoint = URI.create("http://127.0.0.1:" + port + "/" + ACCOUNT);
      awaitReady(process, port, log);
      return new AzuriteServer(connectionString(endpoint), ACCOUNT, endpoint, process);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start Azurite from " + azurite, e);
    }
  }

  /** The connection string of the well-known Azurite account at {@code endpoint}. */
  public static String connectionString(URI endpoint) {
    return "DefaultEndpointsProtocol=http;AccountName="
        + ACCOUNT
        + ";AccountKey="
        + KEY
        + ";BlobEndpoint="
        + endpoint
        + ";";
  }

  private static Path install() {
    String version = System.getProperty("azurite.version", "3.37.0");
    Path dir =
        Paths.get(
            System.getProperty(
                "azurite.dir",
                System.getProperty("user.home") + "/.cache/biowerk-dr/azurite-" + version));
    Path bin = dir.resolve("node_modules/.bin/azurite-blob");
    if (Files.isExecutable(bin)) {
      return bin;
    }
    String howTo =
        "set AZURE_STORAGE_CONNECTION_STRING (or BIOWERK_DR_AZURE_CONNECTION_STRING) to a storage"
            + " account or a running Azurite, or install Azurite with `bash .ci/services.sh` (npm install --prefix "
            + dir
            + " azurite@"
            + version
            + ")";
    try {
      Files.createDirectories(dir);
      Path log = dir.resolve("npm-install.log");
      Process npm =
          new ProcessBuilder(
                  "npm",
                  "install",
                  "--no-audit",
                  "--no-fund",
                  "--prefix",
                  dir.toString(),
                  "azurite@" + version)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!npm.waitFor(10, TimeUnit.MINUTES)) {
        npm.destroyForcibly();
        throw new IllegalStateException(
            "npm install azurite@" + version + " took over 10 minutes (see " + log + "); " + howTo);
      }
      if (npm.exitValue() != 0 || !Files.isExecutable(bin)) {
        throw new IllegalStateException(
            "npm install azurite@"
                + version
                + " failed with "
                + npm.exitValue()
                + " (see "
                + log
                + "); "
                + howTo);
      }
      return bin;
    } catch (IOException e) {
      throw new IllegalStateException(
          "Azurite is not installed at " + bin + " and npm could not run (" + e + "); " + howTo, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while installing Azurite", e);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void awaitReady(Process process, int port, Path log) throws IOException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "Azurite exited with "
                + process.exitValue()
                + "; see "
                + log
                + ":\n"
                + Files.readString(log));
      }
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (IOException notYet) {
        // not listening yet
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for Azurite", e);
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException("Azurite did not listen within 60 s; see " + log);
  }

  /** Whether this is Azurite started by this class (some features only a real account has). */
  public boolean isLocalAzurite() {
    return process != null;
  }

  public String account() {
    return account;
  }

  /** The Blob service endpoint, e.g. {@code http://127.0.0.1:40123/devstoreaccount1}. */
  public URI endpoint() {
    return endpoint;
  }

  public String connectionString() {
    return connectionString;
  }

  /** A client with full rights, for test set-up and for checking what the sink left behind. */
  public BlobServiceClient admin() {
    return admin;
  }

  /** Creates a fresh, uniquely named container. */
  public String newContainer(String purpose) {
    String container =
        ("bw-" + purpose + "-" + ProcessHandle.current().pid() + "-" + CONTAINERS.incrementAndGet())
            .toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9-]", "-")
            .replaceAll("-+", "-");
    if (container.length() > 63) {
      container = container.substring(container.length() - 63).replaceAll("^-+", "x");
    }
    admin.createBlobContainer(container);
    return container;
  }

  /** Options for {@code container} on this server, with its connection string. */
  public AzureOptions.Builder options(String container) {
    AzureOptions.Builder b =
        AzureOptions.builder(account, container).connectionString(connectionString);
    return isLocalAzurite() ? b.endpoint(endpoint) : b;
  }

  /**
   * The {@code azure://} URI of {@code container/prefix} on this server (credentials never ride on
   * it).
   */
  public URI uri(String container, String prefix, String extraQuery) {
    return URI.create(
        "azure://"
            + account
            + "/"
            + container
            + "/"
            + prefix
            + "?endpoint="
            + endpoint
            + (extraQuery.isEmpty() ? "" : "&" + extraQuery));
  }

  @Override
  public void close() {
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
  }
}
