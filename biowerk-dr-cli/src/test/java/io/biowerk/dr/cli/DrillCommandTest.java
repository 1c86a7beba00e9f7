package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code biowerk-dr drill} as a person runs it: the report on stdout and on disk, and the exit
 * code.
 */
class DrillCommandTest {

  @TempDir Path dir;

  Cli cli;
  String rules =
      Path.of("..", "deploy/prometheus/backup-alerts.yml").toAbsolutePath().normalize().toString();

  @BeforeEach
  void setUp() throws Exception {
    cli = new Cli(dir);
    Files.createDirectories(cli.work.resolve("docs"));
    Files.writeString(cli.work.resolve("docs/a.txt"), "alpha\n");
    Files.writeString(
        cli.work.resolve("biowerk-dr.yml"),
        """
        repositories: [repo]
        keys: {file: key}
        server: {drill-reports: reports}
        sources:
          docs: {uri: docs, backup: "0 2 * * *", rpo: 1h}
        """);
    Cli.Result backup = cli.run("backup", "docs", "--repo", "repo", "--key-file", "key");
    assertThat(backup.code()).as(backup.toString()).isZero();
  }

  @Test
  void aDrillWithinTheTargetsExitsZeroAndWritesTheReports() throws Exception {
    cli.clock.advance(Duration.ofMinutes(10));
    Cli.Result drill =
        cli.run("drill", "--config", "biowerk-dr.yml", "--rules", rules, "--no-metrics");
    assertThat(drill.code()).as(drill.toString()).isZero();
    assertThat(drill.out())
        .contains("- [x] All backup files are accessible")
        .contains("- [x] RTO/RPO targets met")
        .contains("- [ ] Monitoring and alerting operational (for a person to confirm)")
        .contains("report: " + cli.work.resolve("reports/drill-20261130-121000.md"));
    assertThat(cli.work.resolve("reports/drill-20261130-121000.json")).exists();
  }

  @Test
  void aMissedRpoExitsOneAndSaysWhereTheReportIs() {
    cli.clock.advance(Duration.ofHours(2));
    Cli.Result drill =
        cli.run("drill", "--config", "biowerk-dr.yml", "--rules", rules, "--no-metrics");
    assertThat(drill.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(drill.out()).contains("- [ ] RTO/RPO targets met **FAILED**").contains("| docs |");
    assertThat(drill.err())
        .contains(
            "drill: a check failed or a target was missed; see "
                + cli.work.resolve("reports/drill-20261130-140000.md"));
  }

  @Test
  void anUnknownSourceIsAUsageError() {
    Cli.Result drill = cli.run("drill", "--config", "biowerk-dr.yml", "orders");
    assertThat(drill.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(drill.err()).contains("drill: no source named 'orders' in");
  }
}
