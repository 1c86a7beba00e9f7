package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.storage.azure.AzuriteExtension;
import io.biowerk.dr.storage.azure.AzuriteServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged command with an {@code azure://} repository on Azurite, run as Azure users run it:
 * credentials from {@code AZURE_STORAGE_CONNECTION_STRING}, a backup fanned out to a local
 * directory and the container, then list and restore from the container.
 */
@ExtendWith(AzuriteExtension.class)
class AzureRepositoryIT {

  @TempDir Path dir;

  private final AzuriteServer server;

  AzureRepositoryIT(AzuriteServer server) {
    this.server = server;
  }

  @Test
  void backupFanOutListAndRestoreThroughAnAzureContainer() throws Exception {
    Path jar = Paths.get(System.getProperty("biowerk.jar", "target/biowerk-dr.jar"));
    assertThat(jar).as("the shaded jar (built by mvn package) is needed").isRegularFile();
    try (JarFile file = new JarFile(jar.toFile())) {
      String sinks =
          new String(
              file.getInputStream(
                      file.getEntry("META-INF/services/io.biowerk.dr.core.SinkProvider"))
                  .readAllBytes(),
              StandardCharsets.UTF_8);
      assertThat(sinks).contains("io.biowerk.dr.storage.azure.AzureSinkProvider");
    }
    String container = server.newContainer("cli");
    Path docs = Files.createDirectories(dir.resolve("docs"));
    Files.writeString(docs.resolve("a.txt"), "alpha\n".repeat(1000));
    Files.write(docs.resolve("b.bin"), Fixtures.data(300_000, 5));
    String repo = "azure://" + server.account() + "/" + container + "/biowerk";
    Map<String, String> env = Map.of("AZURE_STORAGE_CONNECTION_STRING", server.connectionString());

    Run backup =
        run(
            jar,
            env,
            "backup",
            docs.toString(),
            "--repo",
            dir.resolve("local").toString(),
            "--repo",
            repo,
            "--no-encrypt");
    assertThat(backup.code).as(backup.output).isEqualTo(0);
    assertThat(backup.output).doesNotContain(AzuriteServer.KEY);
    assertThat(
            server.admin().getBlobContainerClient(container).listBlobs().stream()
                .map(b -> b.getName()))
        .anyMatch(n -> n.startsWith("biowerk/docs/daily/") && n.endsWith(".manifest.json"));

    Run list = run(jar, env, "list", "--repo", repo, "--json");
    assertThat(list.code).as(list.output).isEqualTo(0);
    assertThat(list.output).contains("docs_");

    Path restored = dir.resolve("restored");
    Run restore = run(jar, env, "restore", "latest:docs", restored.toString(), "--repo", repo);
    assertThat(restore.code).as(restore.output).isEqualTo(0);
    assertThat(Files.readString(restored.resolve("a.txt"))).isEqualTo("alpha\n".repeat(1000));
    assertThat(Files.readAllBytes(restored.resolve("b.bin"))).isEqualTo(Fixtures.data(300_000, 5));

    Run missing = run(jar, env, "list", "--repo", repo.replace(container, "bw-cli-missing"));
    assertThat(missing.code).isEqualTo(1);
    assertThat(missing.output)
        .contains("azure sink: container 'bw-cli-missing' does not exist")
        .doesNotContain(AzuriteServer.KEY);
  }

  private record Run(int code, String output) {}

  private Run run(Path jar, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-jar",
                jar.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).directory(dir.toFile());
    // A clean environment: nothing of the developer's Azure set-up leaks in, HOME is the test's
    // own.
    builder
        .environment()
        .keySet()
        .removeIf(k -> k.startsWith("AZURE_") || k.startsWith("BIOWERK_"));
    builder.environment().put("HOME", Files.createDirectories(dir.resolve("home")).toString());
    builder.environment().putAll(env);
    Process process = builder.start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }
}
