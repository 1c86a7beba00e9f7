package io.biowerk.dr.cli;

import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceStream;
import io.biowerk.dr.core.Sources;
import io.biowerk.dr.core.internal.FileTrees;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Random;

/**
 * The training run of the command's class-data-sharing archive; not a command. The launcher ({@code
 * biowerk-dr} at the repository root) runs it once per jar and JDK under {@code
 * -XX:DumpLoadedClassList} and dumps a static archive of the classes it loaded, and every later run
 * maps them instead of reading, parsing and verifying them again (see docs/benchmarks.md, "cli"): a
 * backup's JVM then spends less CPU on start-up, CPU a database's own dump tool on the same host
 * wants.
 *
 * <p>In a fresh temporary directory, with a throwaway key and none of the user's environment, home
 * or keys, it generates a key, backs up a small directory (zstd + AES-256-GCM), lists, verifies and
 * restores it, and opens a source of every network scheme on the class path against loopback port
 * 1, where nothing listens, so their connection code is loaded without reaching any server. It
 * deletes the directory afterwards and exits non-zero, naming the step, if a step that must work
 * did not.
 */
public final class ClassDataTraining {

  private ClassDataTraining() {}

  /** Runs the training; arguments are ignored. */
  public static void main(String[] args) throws IOException {
    Path dir = Files.createTempDirectory("biowerk-dr-cds-");
    try {
      train(dir);
    } finally {
      FileTrees.delete(dir);
    }
  }

  // "try": the training opens a source only to load its connection code; the stream is not read.
  @SuppressWarnings("try")
  static void train(Path dir) throws IOException {
    Path data = Files.createDirectories(dir.resolve("data"));
    Random random = new Random(42);
    byte[] noise = new byte[256 * 1024];
    random.nextBytes(noise);
    Files.write(data.resolve("noise.bin"), noise);
    Files.writeString(
        data.resolve("table.sql"),
        "INSERT INTO t VALUES (1, 'a');\n".repeat(20_000),
        StandardCharsets.UTF_8);
    String repo = dir.resolve("repo").toUri().toString();
    StringWriter output = new StringWriter();
    PrintWriter writer = new PrintWriter(output);
    Environment environment =
        new Environment(
            Map.of(), dir.resolve("home"), dir, writer, writer, false, Clock.systemUTC());
    // The root's help builds every subcommand's model (a run builds only the one it names).
    step(environment, output, "--help");
    step(environment, output, "keys", "generate");
    step(environment, output, "backup", data.toUri().toString(), "--repo", repo);
    step(environment, output, "list", "--repo", repo, "--json");
    step(environment, output, "verify", "latest", "--repo", repo);
    step(
        environment,
        output,
        "restore",
        "latest:data",
        dir.resolve("restored").toString(),
        "--repo",
        repo);
    step(environment, output, "status", "--repo", repo);
    // Every network source on the class path, against loopback port 1 where nothing listens.
    for (String scheme : Sources.available().keySet()) {
      if (scheme.equals("file")) {
        continue;
      }
      String uri = scheme + "://training@127.0.0.1:1/training";
      Source source;
      try {
        source = Sources.forUri(URI.create(uri));
      } catch (IllegalArgumentException | IOException notThisShape) {
        continue; // a scheme whose URIs look different: nothing to train for it
      }
      try (source;
          SourceStream stream = source.open()) {
        throw new IllegalStateException(
            "training: something answered at " + uri + "; nothing should listen" + " on port 1");
      } catch (IOException expected) {
        // The connection is refused: its code and error path are loaded, which is all the training
        // wants.
      }
    }
  }

  private static void step(Environment environment, StringWriter output, String... args) {
    output.getBuffer().setLength(0);
    int code = Main.run(environment, args);
    if (code != 0) {
      throw new IllegalStateException(
          "training step 'biowerk-dr "
              + String.join(" ", args)
              + "' exited with "
              + code
              + ": "
              + output);
    }
  }
}
