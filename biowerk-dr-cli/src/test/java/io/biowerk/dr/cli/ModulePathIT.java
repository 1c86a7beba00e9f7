package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts the command on the module path, every module of the build and every dependency a module
 * there (the build's own as named modules, the rest as automatic ones), so a broken {@code
 * module-info.java} fails the build: a missing {@code requires}, {@code exports} or {@code opens}
 * (picocli, Jackson), or a {@code provides} that does not match the {@code META-INF/services} entry
 * the class-path tests use. The help must list every adapter's schemes (found through the modules'
 * {@code provides}), and a backup, verify and restore of a small directory must work.
 *
 * <p>Left out: {@code biowerk-dr-storage-gcs} and the Google Cloud client jars only it brings.
 * Those jars split packages ({@code com.google.storage.v2} is in both {@code gapic-} and {@code
 * grpc-google-cloud-storage-v2}), so the JDK refuses to resolve them as modules at all; the GCS
 * module runs on the class path only (docs/gcs.md), where {@code ShadedJarIT} and the GCS tests
 * cover it.
 */
class ModulePathIT {

  @TempDir Path dir;

  /** The GCS module and the jars of the Google Cloud client that only it needs (see above). */
  static final Pattern GCS_ONLY =
      Pattern.compile(
          "biowerk-dr-storage-gcs|/com/google/cloud/|/com/google/api|/io/grpc/|/io/opencensus/"
              + "|/io/opentelemetry/|/com/google/http-client/|/com/google/auth/|/com/google/protobuf/"
              + "|/org/threeten/|/com/google/code/gson/|/io/perfmark/|/com/google/re2j/"
              + "|/org/checkerframework/|/com/google/j2objc/|/javax/annotation/|/com/google/android/"
              + "|/io/grafeas|/com/google/apis/");

  /** The command's classes and its runtime dependencies, as the build wrote them. */
  static String modulePath() throws IOException {
    String classes = System.getProperty("biowerk.classes");
    String runtime =
        Files.readString(Path.of(System.getProperty("biowerk.runtime.classpath"))).strip();
    List<String> kept = new ArrayList<>();
    for (String entry : runtime.split(File.pathSeparator, -1)) {
      if (!GCS_ONLY.matcher(entry.replace(File.separatorChar, '/')).find()) {
        kept.add(entry);
      }
    }
    return classes + File.pathSeparator + String.join(File.pathSeparator, kept);
  }

  Result run(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("--module-path");
    command.add(modulePath());
    command.add("--module");
    command.add("io.biowerk.dr.cli/io.biowerk.dr.cli.Main");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().put("HOME", dir.resolve("home").toString());
    builder.environment().remove("BIOWERK_DR_REPO");
    builder.environment().remove("BIOWERK_DR_KEY");
    builder.environment().remove("BIOWERK_DR_KEY_FILE");
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the command finished").isTrue();
    return new Result(
        process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  record Result(int code, String out, String err) {}

  @Test
  void theCommandRunsOnTheModulePathWithEveryAdapterBound() throws Exception {
    Result help = run("--help");
    assertThat(help.code()).as(help.err()).isZero();
    String text = help.out().replaceAll("\\s+", " ");
    assertThat(text)
        .contains("file (biowerk-dr-core)")
        .contains("postgres, postgresql (biowerk-dr-postgres)")
        .contains("redis, rediss (biowerk-dr-redis)")
        .contains("s3 (biowerk-dr-storage-s3)")
        .contains("azure (biowerk-dr-storage-azure)")
        .contains("Sources file (biowerk-dr-core); mongodb, mongodb+srv (biowerk-dr-mongo);")
        .contains(
            "Restore targets file (biowerk-dr-core); mongodb, mongodb+srv (biowerk-dr-mongo);")
        .contains("oplog-receive")
        .contains("wal-receive");

    Path data = Files.createDirectories(dir.resolve("data"));
    Files.writeString(data.resolve("app.env"), "A=1\n".repeat(1000));
    String repo = dir.resolve("repo").toString();
    Result generate = run("keys", "generate");
    assertThat(generate.code()).as(generate.err()).isZero();
    Result backup = run("backup", data.toString(), "--repo", repo, "--json");
    assertThat(backup.code()).as(backup.err()).isZero();
    assertThat(backup.out()).contains("\"rawSize\"");
    Result verify = run("verify", "latest", "--level", "native", "--repo", repo);
    assertThat(verify.code()).as(verify.err()).isZero();
    Result restore =
        run("restore", "latest:data", dir.resolve("restored").toString(), "--repo", repo);
    assertThat(restore.code()).as(restore.err()).isZero();
    assertThat(Files.readString(dir.resolve("restored/app.env"))).isEqualTo("A=1\n".repeat(1000));
  }
}
