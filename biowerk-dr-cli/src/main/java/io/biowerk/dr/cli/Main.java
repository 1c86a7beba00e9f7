package io.biowerk.dr.cli;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.log.LogProvider;
import io.biowerk.dr.core.log.Logs;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 *
 * <p>The subcommands are listed in {@link #COMMANDS}, not in the annotation: picocli builds a
 * command's model by reflection over its options, which took most of a short command's start-up CPU
 * when all of them were built for every run, so {@link #run} builds only the one its arguments name
 * (every one for the root's help, {@code help}, or a name it does not know, whose error suggests
 * the closest).
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
    return configure(new Main(environment), null);
  }

  /**
   * The subcommands, in the order the root's help lists them, each with the name its {@code
   * Command} annotation gives it ({@code MainTest} checks that they agree); then {@code help}, then
   * the log commands of the adapters on the class path ({@link #addLogCommands}).
   */
  static final Map<String, Class<?>> COMMANDS = commands();

  private static Map<String, Class<?>> commands() {
    Map<String, Class<?>> commands = new LinkedHashMap<>();
    commands.put("backup", BackupCommand.class);
    commands.put("list", ListCommand.class);
    commands.put("show", ShowCommand.class);
    commands.put("verify", VerifyCommand.class);
    commands.put("restore", RestoreCommand.class);
    commands.put("prune", PruneCommand.class);
    commands.put("cleanup", CleanupCommand.class);
    commands.put("sync", SyncCommand.class);
    commands.put("keys", KeysCommand.class);
    commands.put("status", StatusCommand.class);
    commands.put("import", ImportCommand.class);
    commands.put("serve", ServeCommand.class);
    commands.put("drill", DrillCommand.class);
    commands.put("help", CommandLine.HelpCommand.class);
    return Collections.unmodifiableMap(commands);
  }

  /** The suffixes of the commands made per log ({@code wal-push}, {@code oplog-status}). */
  private static final List<String> LOG_COMMANDS =
      List.of("-push", "-fetch", "-receive", "-status");

  /**
   * The command line with the subcommands {@code args} need: only the one named by the first
   * argument when it names one (other than {@code help}); every one otherwise, or when {@code args}
   * is null.
   */
  static CommandLine configure(Main main, String[] args) {
    Environment environment = main.environment;
    CommandLine cli = new CommandLine(main);
    String named = args == null || args.length == 0 ? null : args[0];
    Class<?> only = named == null || named.equals("help") ? null : COMMANDS.get(named);
    if (only != null) {
      cli.addSubcommand(named, only);
    } else if (named != null && isLogCommand(named)) {
      addLogCommands(cli, named);
    }
    boolean rootHelp =
        args != null && args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"));
    if (rootHelp) {
      // The root's help lists each command by its header: read from its annotation, not a model.
      for (Map.Entry<String, Class<?>> command : COMMANDS.entrySet()) {
        cli.addSubcommand(command.getKey(), listed(command.getValue()));
      }
      for (LogProvider provider : Logs.all()) {
        for (String suffix : LOG_COMMANDS) {
          cli.addSubcommand(provider.log() + suffix, listed(logCommand(suffix)));
        }
      }
    } else if (cli.getSubcommands().isEmpty()) {
      // A loop, not a method reference to CommandLine: the class-data archive is dumped from the
      // training's class list, and a lambda proxy whose target is a picocli method makes the dump
      // link picocli's Java 5 classes, which a static archive then leaves out (LauncherIT).
      for (Map.Entry<String, Class<?>> command : COMMANDS.entrySet()) {
        cli.addSubcommand(command.getKey(), command.getValue());
      }
      addLogCommands(cli, null);
    }
    cli.setOut(environment.out());
    cli.setErr(environment.err());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setParameterExceptionHandler(Errors::handleParameterException);
    cli.setExecutionExceptionHandler(Errors::handleExecutionException);
    Schemes.describe(cli);
    return cli;
  }

  /** Runs {@code args} on {@code environment} and returns the exit code. */
  public static int run(Environment environment, String... args) {
    Main main = new Main(environment);
    try {
      CommandLine cli = configure(main, args);
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

  private static boolean isLogCommand(String name) {
    return LOG_COMMANDS.stream().anyMatch(name::endsWith);
  }

  /**
   * One push, fetch, receive and status command per log an installed adapter archives ({@code
   * wal-push}, {@code oplog-receive}); only {@code name} when it is not null (and a log command).
   */
  private static void addLogCommands(CommandLine cli, String name) {
    for (LogProvider provider : Logs.all()) {
      String log = provider.log();
      for (String suffix : LOG_COMMANDS) {
        if (name == null || name.equals(log + suffix)) {
          cli.addSubcommand(log + suffix, logCommand(log, suffix));
          // Their examples come from the provider, which knows the database's hooks.
          examples(cli.getSubcommands().get(log + suffix), provider, log, suffix);
        }
      }
    }
  }

  private static void examples(
      CommandLine command, LogProvider provider, String log, String suffix) {
    switch (suffix) {
      case "-push" ->
          examples(
              command,
              provider.hookExamples("push"),
              log + "-push --source orders --repo /backups FILE",
              log + "-push --source orders --async FILE",
              log + "-push --source orders --repo /backups --drain");
      case "-fetch" ->
          examples(
              command,
              provider.hookExamples("fetch"),
              log + "-fetch --source orders --repo /backups NAME DEST");
      case "-receive" ->
          examples(command, provider.hookExamples("receive"), log + "-receive URI --repo /backups");
      default -> {
        // The status command shows no hook.
      }
    }
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

  private static Object logCommand(String log, String suffix) {
    return switch (suffix) {
      case "-push" -> new LogPushCommand(log);
      case "-fetch" -> new LogFetchCommand(log);
      case "-receive" -> new LogReceiveCommand(log);
      default -> new LogStatusCommand(log);
    };
  }

  private static Class<?> logCommand(String suffix) {
    return switch (suffix) {
      case "-push" -> LogPushCommand.class;
      case "-fetch" -> LogFetchCommand.class;
      case "-receive" -> LogReceiveCommand.class;
      default -> LogStatusCommand.class;
    };
  }

  /**
   * A command as the root's help lists it: its header, description and visibility from its
   * annotation, without the model of its options, which it does not show.
   */
  private static CommandSpec listed(Class<?> type) {
    Command command = type.getAnnotation(Command.class);
    CommandSpec spec = CommandSpec.create();
    spec.usageMessage()
        .header(command.header())
        .description(command.description())
        .hidden(command.hidden());
    return spec;
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
