package io.biowerk.dr.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.keys.KeyFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code biowerk-dr import FILE --kind ...} with real dump files: the archive mongodump wrote
 * ({@code shared/testdata/mongodump/dump-w-oplog.archive}), a {@code pg_dump -Fc} file of the local
 * PostgreSQL and an RDB file of the local Redis ({@code redis-cli --rdb}). Each intact file is
 * stored, listed under its source and taken-at time, verifies natively from the repository; each
 * damaged one is refused with exit code 3, a message naming the failed check, and nothing stored.
 */
class ImportCliIT {

  @TempDir Path dir;
  Path repo;
  Path keyFile;
  Cli cli;

  @BeforeEach
  void setUp() throws Exception {
    cli = new Cli(dir.resolve("cli"));
    repo = dir.resolve("repo");
    keyFile = dir.resolve("keys/master.key");
    KeyFile.at(keyFile).create(Clock.systemUTC());
  }

  String[] withRepo(String... args) {
    return Stream.concat(
            Stream.of(args), Stream.of("--repo", repo.toString(), "--key-file", keyFile.toString()))
        .toArray(String[]::new);
  }

  static Path realArchive() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve("shared/testdata/mongodump/dump-w-oplog.archive");
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "shared/testdata/mongodump/dump-w-oplog.archive not found above "
            + Path.of("").toAbsolutePath());
  }

  static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + out).isZero();
  }

  /** Whether anything of {@code source} is in the repository. */
  boolean stored(String source) throws IOException {
    if (!Files.exists(repo)) {
      return false;
    }
    try (Stream<Path> files = Files.walk(repo)) {
      return files.anyMatch(p -> p.toString().contains(source));
    }
  }

  Path damaged(Path intact, String name, boolean truncate) throws IOException {
    byte[] bytes = Files.readAllBytes(intact);
    if (truncate) {
      bytes = Arrays.copyOf(bytes, bytes.length * 2 / 3);
    } else {
      bytes[bytes.length - 4] ^= 0x5a; // inside the RDB's CRC-64 trailer
    }
    return Files.write(dir.resolve(name), bytes);
  }

  void importsAndRefusesDamage(
      String kind, Path intact, String source, List<String> extra, Path broken) throws Exception {
    String[] args =
        Stream.concat(
                Stream.of("import", intact.toString(), "--kind", kind, "--source", source),
                extra.stream())
            .toArray(String[]::new);
    Cli.Result imported = cli.run(withRepo(args));
    assertThat(imported.code()).as(imported.toString()).isZero();
    assertThat(imported.out()).contains("imported " + intact.getFileName() + " as " + source + "_");

    Cli.Result verified = cli.run(withRepo("verify", "latest:" + source, "--level", "native"));
    assertThat(verified.code()).as(verified.toString()).isZero();

    String bad = source + "bad";
    Cli.Result refused =
        cli.run(withRepo("import", broken.toString(), "--kind", kind, "--source", bad));
    assertThat(refused.code()).as(refused.toString()).isEqualTo(ExitCodes.INTEGRITY);
    assertThat(refused.err())
        .contains("import: " + broken)
        .contains("failed the " + kind + " native verification, so nothing was stored")
        .contains("import an intact copy of the dump");
    assertThat(stored(bad)).isFalse();
  }

  @Test
  void importsTheArchiveMongodumpWroteAndRefusesATruncatedOne() throws Exception {
    // Named as the plan's scripts named them: the time in the name is the taken-at time.
    Path named = Files.copy(realArchive(), dir.resolve("mongodb_20240115_023000.archive"));
    importsAndRefusesDamage(
        "mongodb", named, "legacymongo", List.of(), damaged(named, "cut.archive", true));
    Cli.Result list = cli.run("list", "legacymongo", "--repo", repo.toString());
    assertThat(list.code()).as(list.toString()).isZero();
    assertThat(list.out()).contains("legacymongo_20240115_023000");
  }

  @Test
  void importsAPgDumpCustomFileAndRefusesATruncatedOne() throws Exception {
    Path dump = dir.resolve("orders.dump");
    String db = "bwimport_" + Long.toHexString(System.nanoTime());
    run("createdb", "-h", "127.0.0.1", "-U", "postgres", db);
    try {
      run(
          "psql",
          "-h",
          "127.0.0.1",
          "-U",
          "postgres",
          "-d",
          db,
          "-v",
          "ON_ERROR_STOP=1",
          "-c",
          "CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders SELECT generate_series(1, 100)");
      run("pg_dump", "-Fc", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-f", dump.toString());
    } finally {
      run("dropdb", "-h", "127.0.0.1", "-U", "postgres", db);
    }
    importsAndRefusesDamage(
        "postgresql",
        dump,
        "legacypg",
        List.of("--taken-at", "2024-01-15T02:30:00Z"),
        damaged(dump, "cut.dump", true));
    Cli.Result list = cli.run("list", "legacypg", "--repo", repo.toString());
    assertThat(list.out()).contains("legacypg_20240115_023000");
  }

  @Test
  void importsADumpRdbAndRefusesOneWithABadChecksum() throws Exception {
    Path rdb = dir.resolve("dump.rdb");
    run("redis-cli", "-h", "127.0.0.1", "-p", "6379", "--rdb", rdb.toString());
    importsAndRefusesDamage("redis", rdb, "legacyredis", List.of(), damaged(rdb, "bad.rdb", false));
  }

  @Test
  void anUnknownKindIsAUsageError() {
    Cli.Result r = cli.run(withRepo("import", realArchive().toString(), "--kind", "mysql"));
    assertThat(r.code()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err())
        .contains("import: --kind must be mongodb, postgresql or redis, not 'mysql'");
  }
}
