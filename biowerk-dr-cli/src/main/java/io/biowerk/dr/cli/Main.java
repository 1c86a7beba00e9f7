package io.biowerk.dr.cli;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.log.LogProvider;
import io.biowerk.dr.core.log.Logs;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code biowerk-dr} command: the root of the subcommands and the process entry point.
 *
 * <p>{@link #commandLine(Environment)} builds the configured picocli {@link CommandLine} (one-line
 * error messages, exit codes from {@link ExitCodes}); {@link #main} runs it against the real
 * environment and exits with its code. Tests run the same command in-process with an {@link
 * Environment} of their own.
 */
@Command(
    name = "biowerk-dr",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Backs up databases and directories into compressed, encrypted, verified backups, and"
          + " restores them. Sources, targets and repositories are found by URI scheme, served by"
          + " the adapter modules on the class path (listed below).",
      ""
    },
    subcommands = {
      BackupCommand.class,
      ListCommand.class,
      ShowCommand.class,
      VerifyCommand.class,
      RestoreCommand.class,
      PruneCommand.class,
      CleanupCommand.class,
      SyncCommand.class,
      KeysCommand.class,
      StatusCommand.class,
      ImportCommand.class,
      ServeCommand.class,
      DrillCommand.class,
      CommandLine.HelpCommand.class
    },
    footerHeading = "%nDefaults:%n",
    footer = {
      "  repository  --repo, else $BIOWERK_DR_REPO, else ./biowerk-backups",
      "  key file    --key-file, else $BIOWERK_DR_KEY_FILE, else",
      "              ~/.config/biowerk-dr/key (made on first backup, mode 0600);",
      "              keys in $BIOWERK_DR_KEY (id:base64,...) join the ring",
      "",
      "Exit codes: 0 ok, 1 failure, 2 usage error, 3 integrity failure (damage or",
      "wrong key). Run 'biowerk-dr COMMAND --help' for a command's options."
    })
public final class Main implements Callable<Integer> {

  private final Environment environment;

  @Spec CommandSpec spec;

  /** The command on the real environment of this process. */
  public Main() {
    this(Environment.system());
  }

  /** The command on {@code environment}. */
  public Main(Environment environment) {
    this.environment = requireNonNull(environment, "environment");
  }

  /** The environment the command runs in. */
  public Environment environment() {
    return environment;
  }

  /** With no subcommand: print the usage and fail as a usage error. */
  @Override
  public Integer call() {
    environment
        .err()
        .println(
            "biowerk-dr: missing command; one of: backup, list, show, verify, restore,"
                + " prune, keys, status, serve, drill");
    spec.commandLine().usage(environment.err());
    return ExitCodes.USAGE;
  }

  /**
   * The configured command line over {@code environment}: its output goes to the environment's
   * writers, parameter errors exit 2, and failures are printed on one line and mapped by {@link
   * ExitCodes}.
   */
  public static CommandLine commandLine(Environment environment) {
    return configure(new Main(environment));
  }

  private static CommandLine configure(Main main) {
    Environment environment = main.environment;
    CommandLine cli = new CommandLine(main);
    // One push, fetch, receive and status command per log an installed adapter archives, named
    // after the log; their examples come from the provider, which knows the database's hooks.
    for (LogProvider provider : Logs.all()) {
      String log = provider.log();
      cli.addSubcommand(log + "-push", new LogPushCommand(log));
      cli.addSubcommand(log + "-fetch", new LogFetchCommand(log));
      cli.addSubcommand(log + "-receive", new LogReceiveCommand(log));
      cli.addSubcommand(log + "-status", new LogStatusCommand(log));
      examples(
          cli.getSubcommands().get(log + "-push"),
          provider.hookExamples("push"),
          log + "-push --source orders --repo /backups FILE",
          log + "-push --source orders --async FILE",
          log + "-push --source orders --repo /backups --drain");
      examples(
          cli.getSubcommands().get(log + "-fetch"),
          provider.hookExamples("fetch"),
          log + "-fetch --source orders --repo /backups NAME DEST");
      examples(
          cli.getSubcommands().get(log + "-receive"),
          provider.hookExamples("receive"),
          log + "-receive URI --repo /backups");
    }
    cli.setOut(environment.out());
    cli.setErr(environment.err());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setParameterExceptionHandler(Errors::handleParameterException);
    cli.setExecutionExceptionHandler(Errors::handleExecutionException);
    Schemes.describe(cli);
    return cli;
  }

  /**
   * Sets the footer of a log command: its plain invocations, then the lines showing how the
   * database runs it through its own hook, as the log's provider gives them.
   */
  private static void examples(CommandLine command, List<String> hook, String... plain) {
    List<String> lines = new ArrayList<>(List.of("", "Examples:"));
    for (String invocation : plain) {
      lines.add("  biowerk-dr " + invocation);
    }
    if (!hook.isEmpty()) {
      lines.add("");
      lines.addAll(hook);
    }
    command.getCommandSpec().usageMessage().footer(lines.toArray(String[]::new));
  }

  /** Runs {@code args} on {@code environment} and returns the exit code. */
  public static int run(Environment environment, String... args) {
    Main main = new Main(environment);
    try {
      CommandLine cli = configure(main);
      int code = cli.execute(args);
      code = closeRepositories(cli, code);
      environment.out().flush();
      environment.err().flush();
      return code;
    } finally {
      main.finished.countDown();
    }
  }

  /**
   * Closes the repositories the command opened; a failure to close is reported on stderr and fails
   * a run that had succeeded.
   */
  private static int closeRepositories(CommandLine cli, int code) {
    CommandLine.ParseResult parsed = cli.getParseResult();
    int result = code;
    for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
      for (CommandSpec mixin : p.commandSpec().mixins().values()) {
        if (mixin.userObject() instanceof RepositoryOptions repositories) {
          try {
            repositories.closeAll();
          } catch (IOException e) {
            cli.getErr().println("biowerk-dr: cannot close a repository: " + e.getMessage());
            cli.getErr().flush();
            result = code == 0 ? 1 : code;
          }
        }
      }
    }
    return result;
  }

  /** Counted down when the command has printed its result or error; a shutdown waits for it. */
  final CountDownLatch finished = new CountDownLatch(1);

  /** The process entry point. */
  public static void main(String[] args) {
    for (String arg : args) {
      if (arg.equals("--verbose") || arg.equals("-v")) {
        // slf4j-simple reads its level once, when the first logger is made: this must come first.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
      }
      if (arg.equals("--")) {
        break;
      }
    }
    System.exit(run(Environment.system(), args));
  }

  /** The version from the build, for {@code --version}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      return new String[] {
        "biowerk-dr " + version(),
        "Java "
            + System.getProperty("java.version")
            + " ("
            + System.getProperty("java.vm.name")
            + ")"
      };
    }

    static String version() throws IOException {
      Properties properties = new Properties();
      try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          properties.load(in);
        }
      }
      return properties.getProperty("version", "unknown");
    }
  }
}
