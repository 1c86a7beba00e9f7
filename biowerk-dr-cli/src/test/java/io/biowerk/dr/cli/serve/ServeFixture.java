package io.biowerk.dr.cli.serve;

import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.Sinks;
import io.biowerk.dr.core.Sources;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.local.LocalSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What the service tests share: a folder with a config file, a repository, a key file and
 * directories to back up with the core's {@code files} source, all real.
 */
final class ServeFixture {

  final Path dir;
  final Path repo;
  final Path keyFile;
  final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());

  ServeFixture(Path dir) throws IOException {
    this.dir = dir;
    this.repo = dir.resolve("repo");
    this.keyFile = dir.resolve("key");
  }

  /**
   * A directory with a few files (and one of {@code bigBytes} random bytes if positive) to back up.
   */
  Path data(String name, int bigBytes) throws IOException {
    Path data = Files.createDirectories(dir.resolve("data").resolve(name));
    Files.writeString(data.resolve("a.txt"), "alpha " + name + "\n");
    Files.writeString(data.resolve("b.txt"), "beta\n".repeat(1000));
    if (bigBytes > 0) {
      byte[] bytes = new byte[bigBytes];
      new Random(7).nextBytes(bytes);
      Files.write(data.resolve("big.bin"), bytes);
    }
    return data;
  }

  ServeConfig config(String yaml) throws IOException {
    Path file = dir.resolve("biowerk-dr.yml");
    Files.writeString(file, yaml);
    return ConfigReader.read(file, Sources.schemes(), Sinks.schemes());
  }

  KeyRing keys(Clock clock) throws IOException {
    KeyFile file = KeyFile.at(keyFile);
    if (!file.exists()) {
      file.create(clock);
    }
    return KeyRing.of(file);
  }

  Orchestrator orchestrator(ServeConfig config, Clock clock, String instance) throws IOException {
    return new Orchestrator(
        config,
        Map.of("DOCS_PASSWORD", "unused"),
        clock,
        keys(clock),
        uri -> uri.toString(),
        instance,
        sleeps::add);
  }

  Catalog catalog(Clock clock) throws IOException {
    return Catalog.of(LocalSink.existing(repo)).withClock(clock);
  }
}
