package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command's surface: help everywhere, version, usage errors and their exit code. */
class MainTest {

  @TempDir Path dir;

  static final List<String> COMMANDS =
      List.of("backup", "list", "show", "verify", "restore", "prune", "keys", "status");

  @Test
  void helpListsEveryCommandAndTheExitCodes() throws Exception {
    Cli.Result result = new Cli(dir).run("--help");
    assertThat(result.code()).as(result.toString()).isEqualTo(0);
    for (String command : COMMANDS) {
      assertThat(result.out()).contains("  " + command + " ");
    }
    assertThat(result.out())
        .contains("3 integrity failure")
        .contains("BIOWERK_DR_REPO")
        .contains("BIOWERK_DR_KEY_FILE");
    assertThat(result.err()).isEmpty();
  }

  /** The schemes come from the adapters on the class path: here every module of the build. */
  @Test
  void helpListsTheSchemesOnTheClassPathWithTheirModules() throws Exception {
    Cli cli = new Cli(dir);
    String help = cli.run("--help").out().replaceAll("\\s+", " ");
    assertThat(help)
        .contains(
            "Sources file (biowerk-dr-core); mongodb, mongodb+srv (biowerk-dr-mongo); postgres,"
                + " postgresql (biowerk-dr-postgres);")
        .contains("rediss (biowerk-dr-redis)")
        .contains(
            "Repositories azure (biowerk-dr-storage-azure); file (biowerk-dr-core);"
                + " gs (biowerk-dr-storage-gcs); s3 (biowerk-dr-storage-s3)");
    assertThat(cli.run("backup", "--help").out().replaceAll("\\s+", " "))
        .contains(
            "Sources: file (biowerk-dr-core); mongodb, mongodb+srv (biowerk-dr-mongo); postgres,"
                + " postgresql (biowerk-dr-postgres)");
    assertThat(cli.run("restore", "--help").out().replaceAll("\\s+", " "))
        .contains("Restore targets: file (biowerk-dr-core)")
        .contains("redis-rdb");
  }

  @Test
  void everyCommandHasHelp() throws Exception {
    Cli cli = new Cli(dir);
    for (String command : COMMANDS) {
      Cli.Result result = cli.run(command, "--help");
      assertThat(result.code()).as(command + ": " + result).isEqualTo(0);
      assertThat(result.out()).as(command).contains("Usage: biowerk-dr " + command);
    }
    for (String sub : List.of("generate", "list", "rotate")) {
      Cli.Result result = cli.run("keys", sub, "--help");
      assertThat(result.code()).as(sub + ": " + result).isEqualTo(0);
      assertThat(result.out()).contains("Usage: biowerk-dr keys " + sub).contains("--key-file");
    }
    assertThat(cli.run("help", "restore").out().replaceAll("\\s+", " "))
        .contains("--target-time")
        .contains("Point-in-time recovery")
        .contains("--target-lsn");
    // One push, fetch and receive command per log an adapter on the class path archives.
    for (String command : List.of("wal-push", "wal-fetch", "wal-receive")) {
      Cli.Result result = cli.run(command, "--help");
      assertThat(result.code()).as(command + ": " + result).isEqualTo(0);
      assertThat(result.out()).as(command).contains("Usage: biowerk-dr " + command);
    }
  }

  /**
   * The log commands' examples come from the log's provider: PostgreSQL's hooks for {@code wal-*},
   * only the plain invocations for a log whose provider names no hook; sync lists the repositories
   * on the class path instead of naming clouds.
   */
  @Test
  void logCommandExamplesComeFromTheProvider() throws Exception {
    Cli cli = new Cli(dir);
    String walPush = cli.run("wal-push", "--help").out();
    assertThat(walPush)
        .contains("  biowerk-dr wal-push --source orders --repo /backups FILE")
        .contains("  biowerk-dr wal-push --source orders --repo /backups --drain")
        .contains("As archive_command in postgresql.conf:")
        .contains("  archive_command = 'biowerk-dr wal-push --source orders --repo /backups %p'");
    assertThat(cli.run("wal-fetch", "--help").out())
        .contains("  biowerk-dr wal-fetch --source orders --repo /backups NAME DEST")
        .contains("restore_command = 'biowerk-dr wal-fetch --source orders --repo /backups %f");
    assertThat(cli.run("wal-receive", "--help").out())
        .contains("  biowerk-dr wal-receive URI --repo /backups");
    String oplogPush = cli.run("oplog-push", "--help").out();
    assertThat(oplogPush)
        .contains("  biowerk-dr oplog-push --source orders --repo /backups FILE")
        .doesNotContain("archive_command")
        .doesNotContain("wal-");
    assertThat(cli.run("sync", "--help").out().replaceAll("\\s+", " "))
        .contains("Repositories: azure (biowerk-dr-storage-azure); file (biowerk-dr-core);")
        .doesNotContain("s3://")
        .doesNotContain("azure://");
  }

  /** The table the lazy start-up builds from names each command as its annotation does. */
  @Test
  void theCommandTableAgreesWithTheAnnotations() {
    Main.COMMANDS.forEach(
        (name, type) ->
            assertThat(type.getAnnotation(CommandLine.Command.class).name())
                .as(type.getName())
                .isEqualTo(name));
  }

  /**
   * A run builds only the subcommand it names (picocli's reflection over every command's options
   * was most of a short command's start-up); the root's help, {@code help} and unknown names get
   * every one, so their listing and suggestions are complete.
   */
  @Test
  void aRunBuildsOnlyTheCommandItNames() {
    assertThat(Main.configure(new Main(), new String[] {"backup", "x"}).getSubcommands().keySet())
        .containsExactly("backup");
    assertThat(Main.configure(new Main(), new String[] {"wal-push", "f"}).getSubcommands().keySet())
        .containsExactly("wal-push");
    for (String[] args :
        List.of(
            new String[] {"--help"}, new String[] {"help", "backup"}, new String[] {"bakcup"})) {
      assertThat(Main.configure(new Main(), args).getSubcommands().keySet())
          .as(String.join(" ", args))
          .containsAll(Main.COMMANDS.keySet())
          .contains("wal-push", "wal-status", "oplog-fetch");
    }
  }

  @Test
  void versionNamesTheBuild() throws Exception {
    Cli.Result result = new Cli(dir).run("--version");
    assertThat(result.code()).isEqualTo(0);
    assertThat(result.out()).startsWith("biowerk-dr 0.").doesNotContain("${");
  }

  @Test
  void noCommandIsAUsageError() throws Exception {
    Cli.Result result = new Cli(dir).run();
    assertThat(result.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err())
        .startsWith("biowerk-dr: missing command")
        .contains("Usage: biowerk-dr");
    assertThat(result.out()).isEmpty();
  }

  @Test
  void unknownCommandOrOptionIsAUsageErrorOnOneLine() throws Exception {
    Cli cli = new Cli(dir);
    Cli.Result command = cli.run("bakcup", "x");
    assertThat(command.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(command.err()).startsWith("biowerk-dr: Unmatched argument").contains("backup");

    Cli.Result option = cli.run("list", "--frobnicate");
    assertThat(option.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(option.err().lines().findFirst().orElseThrow())
        .isEqualTo("biowerk-dr: Unknown option: '--frobnicate'");
    assertThat(option.err()).contains("Try 'biowerk-dr list --help'");

    Cli.Result missing = cli.run("restore", "latest");
    assertThat(missing.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(missing.err()).contains("Missing required parameter").contains("TARGET-URI");
  }
}
