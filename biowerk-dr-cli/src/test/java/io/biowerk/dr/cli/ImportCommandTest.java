package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
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
}
