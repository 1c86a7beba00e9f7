package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code backup --workers} and the automatic choice, as the manifest records them (issue 19). */
class BackupWorkersTest {

  @TempDir Path dir;
  Cli cli;

  @BeforeEach
  void aDirectory() throws Exception {
    cli = new Cli(dir);
    Path data = Files.createDirectories(cli.work.resolve("data"));
    Files.writeString(data.resolve("t.sql"), "INSERT INTO t VALUES (1, 'x');\n".repeat(50_000));
  }

  private JsonNode zstdParameters(Cli.Result result) throws Exception {
    assertThat(result.code()).as(result.toString()).isEqualTo(0);
    return Json.read(result.out()).get("manifest").get("codecs").get(0).get("parameters");
  }

  @Test
  void byDefaultADirectoryGetsOneWorkerPerCoreInTheManifest() throws Exception {
    JsonNode parameters = zstdParameters(cli.run("backup", "data", "--json", "--no-encrypt"));
    int cores = Runtime.getRuntime().availableProcessors();
    if (cores == 1) {
      assertThat(parameters.has("workers")).as(parameters.toString()).isFalse();
    } else {
      assertThat(parameters.get("workers").asInt()).isEqualTo(Math.min(cores, 8));
    }
  }

  @Test
  void workersOverridesTheChoiceAndZeroMeansTheCallingThread() throws Exception {
    assertThat(
            zstdParameters(cli.run("backup", "data", "--json", "--no-encrypt", "--workers", "3"))
                .get("workers")
                .asText())
        .isEqualTo("3");
    assertThat(
            zstdParameters(cli.run("backup", "data", "--json", "--no-encrypt", "--workers", "0"))
                .has("workers"))
        .isFalse();
    // and the backups restore
    Cli.Result restore = cli.run("restore", "latest", "back");
    assertThat(restore.code()).as(restore.toString()).isEqualTo(0);
    assertThat(cli.work.resolve("back/t.sql"))
        .hasSameTextualContentAs(cli.work.resolve("data/t.sql"));
  }

  @Test
  void workersOutOfRangeIsAUsageErrorAndChangesNothing() throws Exception {
    Cli.Result result = cli.run("backup", "data", "--workers", "65");
    assertThat(result.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).contains("--workers must be a whole number 0-64, not 65");
    assertThat(cli.defaultRepo()).doesNotExist();
    Cli.Result negative = cli.run("backup", "data", "--workers", "-1");
    assertThat(negative.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(negative.err()).contains("--workers must be a whole number 0-64, not -1");
  }
}
