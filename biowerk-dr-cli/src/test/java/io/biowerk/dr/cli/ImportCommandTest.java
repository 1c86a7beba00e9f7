package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.verify.Verifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Usage errors of {@code import}, found before the file is read or anything is created. */
class ImportCommandTest {

  @TempDir Path dir;

  @Test
  void aMalformedTakenAtNamesItsOwnOptionAndCreatesNothing() throws Exception {
    Cli cli = new Cli(dir);
    Path dump = Files.write(dir.resolve("redis_20240115_030000.rdb"), new byte[] {1, 2, 3});
    Cli.Result result =
        cli.run("import", dump.toString(), "--kind", "redis", "--taken-at", "yesterday");
    assertThat(result.code()).as(result.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err())
        .contains("--taken-at 'yesterday' is not an ISO-8601 time")
        .contains("2024-01-15T09:00:00Z")
        .doesNotContain("--target-time");
    assertThat(cli.defaultRepo()).doesNotExist();
  }

  @Test
  void theKindsComeFromTheAdaptersOnTheClassPath() {
    // Each adapter's verifier says which format its dump files have: the one its own backups
    // record, so an imported file restores and verifies like a backup the adapter made.
    Map<String, String> formats = new TreeMap<>();
    Verifier.importFormats().forEach((kind, format) -> formats.put(kind, format.format()));
    assertThat(formats)
        .containsEntry("mongodb", "archive")
        .containsEntry("postgresql", "dump")
        .containsEntry("redis", "rdb");
    assertThat(Verifier.importFormats().get("postgresql").defaultSourceName())
        .isEqualTo("postgres");
    assertThat(ImportCommand.kinds(List.of("a", "b", "c"))).isEqualTo("a, b or c");
    assertThat(ImportCommand.kinds(List.of("a"))).isEqualTo("a");
  }

  @Test
  void theHelpListsTheKindsThatCanBeImported() throws Exception {
    Cli.Result help = new Cli(dir).run("import", "--help");
    assertThat(help.code()).as(help.toString()).isZero();
    assertThat(help.out().replaceAll("\\s+", " "))
        .contains("Kinds on this class path:")
        .contains("mongodb: a mongodump --archive file")
        .contains("postgresql: a pg_dump -Fc file")
        .contains("redis: an RDB file")
        .contains("source name by default: postgres");
  }
}
