package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.storage.s3.S3ProxyExtension;
import io.biowerk.dr.storage.s3.S3ProxyServer;
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
 * The command with an {@code s3://} repository on S3Proxy: backup, list, verify and restore
 * in-process, and the packaged jar run as AWS users run it, with credentials, region and endpoint
 * from the environment.
 */
@ExtendWith(S3ProxyExtension.class)
class S3RepositoryIT {

  @TempDir Path dir;

  private final S3ProxyServer server;

  S3RepositoryIT(S3ProxyServer server) {
    this.server = server;
  }

  @Test
  void backupListVerifyRestoreThroughS3() throws Exception {
    String bucket = server.newBucket("cli");
    String repo =
        "s3://"
            + bucket
            + "/biowerk?endpoint="
            + server.endpoint()
            + "&path-style=true&region=us-east-1";
    Path docs = Files.createDirectories(dir.resolve("docs"));
    Files.writeString(docs.resolve("a.txt"), "alpha\n".repeat(1000));
    Files.createDirectories(docs.resolve("sub"));
    Files.write(docs.resolve("sub/b.bin"), Fixtures.data(300_000, 5));
    Cli cli = new Cli(dir);
    assertThat(cli.run("keys", "generate").code()).isEqualTo(0);

    // The SDK's default chain reads aws.accessKeyId / aws.secretAccessKey like AWS_ACCESS_KEY_ID /
    // AWS_SECRET_ACCESS_KEY; an in-process test can set only the former. The jar test below uses
    // the latter.
    String oldId = System.setProperty("aws.accessKeyId", server.accessKey());
    String oldSecret = System.setProperty("aws.secretAccessKey", server.secretKey());
    try {
      Cli.Result backup = cli.run("backup", docs.toString(), "--repo", repo);
      assertThat(backup.code()).as(backup.toString()).isEqualTo(0);
      assertThat(backup.out() + backup.err()).doesNotContain(server.secretKey());
      assertThat(
              server
                  .admin()
                  .listObjectsV2(r -> r.bucket(bucket).prefix("biowerk/docs/daily/"))
                  .contents())
          .extracting(o -> o.key())
          .anyMatch(k -> k.endsWith(".tar.zst.enc.manifest.json"));

      Cli.Result list = cli.run("list", "--repo", repo);
      assertThat(list.code()).as(list.toString()).isEqualTo(0);
      assertThat(list.out().lines().toList()).hasSize(2);
      assertThat(list.out().lines().toList().get(1))
          .startsWith("docs_")
          .contains(" docs ")
          .contains(" daily ");

      Cli.Result verify = cli.run("verify", "latest", "--repo", repo);
      assertThat(verify.code()).as(verify.toString()).isEqualTo(0);

      Path restored = dir.resolve("restored");
      Cli.Result restore = cli.run("restore", "latest:docs", restored.toString(), "--repo", repo);
      assertThat(restore.code()).as(restore.toString()).isEqualTo(0);
      assertThat(Files.readString(restored.resolve("a.txt"))).isEqualTo("alpha\n".repeat(1000));
      assertThat(Files.readAllBytes(restored.resolve("sub/b.bin")))
          .isEqualTo(Fixtures.data(300_000, 5));
    } finally {
      restore("aws.accessKeyId", oldId);
      restore("aws.secretAccessKey", oldSecret);
    }

    Cli.Result missing =
        cli.run(
            "list",
            "--repo",
            "s3://biowerk-cli-no-such-bucket/x?endpoint="
                + server.endpoint()
                + "&path-style=true&region=us-east-1&profile=biowerk-no-such-profile");
    assertThat(missing.code()).isNotEqualTo(0);
    assertThat(missing.err()).contains("s3: no AWS credentials found");
  }

  @Test
  void packagedJarTakesCredentialsRegionAndEndpointFromTheEnvironment() throws Exception {
    Path jar = Paths.get(System.getProperty("biowerk.jar", "target/biowerk-dr.jar"));
    assertThat(jar).as("the shaded jar (built by mvn package) is needed").isRegularFile();
    try (JarFile file = new JarFile(jar.toFile())) {
      String sinks =
          new String(
              file.getInputStream(
                      file.getEntry("META-INF/services/io.biowerk.dr.core.SinkProvider"))
                  .readAllBytes(),
              StandardCharsets.UTF_8);
      // merged, not overwritten: both the core's and the S3 module's providers
      assertThat(sinks)
          .contains("io.biowerk.dr.core.local.LocalSinkProvider")
          .contains("io.biowerk.dr.storage.s3.S3SinkProvider");
    }
    String bucket = server.newBucket("jar");
    Path docs = Files.createDirectories(dir.resolve("docs"));
    Files.writeString(docs.resolve("x.txt"), "x");
    // No endpoint, region or credentials on the URI: AWS_ENDPOINT_URL_S3, AWS_REGION and
    // AWS_ACCESS_KEY_ID /
    // AWS_SECRET_ACCESS_KEY supply them, as for any AWS tool.
    String repo = "s3://" + bucket + "/env?path-style=true";
    Map<String, String> env =
        Map.of(
            "AWS_ACCESS_KEY_ID",
            server.accessKey(),
            "AWS_SECRET_ACCESS_KEY",
            server.secretKey(),
            "AWS_REGION",
            "us-east-1",
            "AWS_ENDPOINT_URL_S3",
            server.endpoint().toString());

    Run backup = run(jar, env, "backup", docs.toString(), "--repo", repo, "--no-encrypt");
    assertThat(backup.code).as(backup.output).isEqualTo(0);
    Run list = run(jar, env, "list", "--repo", repo, "--json");
    assertThat(list.code).as(list.output).isEqualTo(0);
    assertThat(list.output).contains("\"id\"").contains("docs_");

    String wrong = "wrong-secret-" + System.nanoTime();
    Run denied =
        run(
            jar,
            Map.of(
                "AWS_ACCESS_KEY_ID",
                server.accessKey(),
                "AWS_SECRET_ACCESS_KEY",
                wrong,
                "AWS_REGION",
                "us-east-1",
                "AWS_ENDPOINT_URL_S3",
                server.endpoint().toString()),
            "list",
            "--repo",
            repo);
    assertThat(denied.code).isNotEqualTo(0);
    assertThat(denied.output)
        .contains(
            "s3: the store rejected the credentials for ListObjectsV2 on bucket '" + bucket + "'")
        .doesNotContain(wrong);
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
    // A clean environment: nothing of the developer's AWS set-up leaks in, HOME is the test's own.
    builder.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("BIOWERK_"));
    builder.environment().put("HOME", Files.createDirectories(dir.resolve("home")).toString());
    builder.environment().putAll(env);
    Process process = builder.start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }

  private static void restore(String property, String old) {
    if (old == null) {
      System.clearProperty(property);
    } else {
      System.setProperty(property, old);
    }
  }
}
