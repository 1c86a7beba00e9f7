package io.biowerk.dr.cli;

import static java.util.Objects.requireNonNull;

import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * What the command reads from the world around it: environment variables, the home and working
 * directories, where output goes, whether stderr is a terminal, and the clock. {@link #system()} is
 * the real one; tests pass their own so that a run never touches the user's home or key.
 *
 * @param variables environment variables ({@code BIOWERK_DR_REPO}, {@code BIOWERK_DR_KEY_FILE},
 *     {@code BIOWERK_DR_KEY})
 * @param home the home directory the default key file lives under
 * @param workingDirectory the directory relative paths (and the default repository) resolve against
 * @param out standard output: results, and JSON with {@code --json}
 * @param err standard error: messages, warnings, progress
 * @param terminal whether standard error is a terminal (a progress bar is drawn only then)
 * @param clock the clock for key ids, retention and reports
 * @param attended whether a person started the command at a terminal (standard input or standard
 *     error is one), or {@code $BIOWERK_DR_ATTENDED} says so: only then may a backup create the
 *     default key or repository, since a key created where nobody sees it printed is a key nobody
 *     stored (see docs/nothing-silent.md, "Unattended runs")
 */
public record Environment(
    Map<String, String> variables,
    Path home,
    Path workingDirectory,
    PrintWriter out,
    PrintWriter err,
    boolean terminal,
    Clock clock,
    boolean attended) {

  /** Repository URI(s), comma-separated, used when no {@code --repo} is given. */
  public static final String REPO_VARIABLE = "BIOWERK_DR_REPO";

  /** Key file used when no {@code --key-file} is given. */
  public static final String KEY_FILE_VARIABLE = "BIOWERK_DR_KEY_FILE";

  /**
   * Key provider ({@code file}, {@code pkcs11}, ...) used when no {@code --key-provider} is given.
   */
  public static final String KEY_PROVIDER_VARIABLE = "BIOWERK_DR_KEY_PROVIDER";

  /**
   * Overrides the terminal check for {@link #attended()}: {@code 1} for attended, {@code 0} for
   * unattended. For test harnesses and wrappers that know better than the check; the README's
   * commands do not need it.
   */
  public static final String ATTENDED_VARIABLE = "BIOWERK_DR_ATTENDED";

  /**
   * The system property the launcher script sets to the standard streams that are terminals ({@code
   * 0}, {@code 1}, {@code 2}, e.g. {@code 02}; {@code none}): the shell's {@code [ -t N ]} is exact
   * where the JVM has only {@code System.console()}, which on JDK 22 and later is not null without
   * a terminal either.
   */
  public static final String TTY_PROPERTY = "biowerk.dr.tty";

  /** An environment attended exactly when {@code terminal} (or the variable says otherwise). */
  public Environment(
      Map<String, String> variables,
      Path home,
      Path workingDirectory,
      PrintWriter out,
      PrintWriter err,
      boolean terminal,
      Clock clock) {
    this(variables, home, workingDirectory, out, err, terminal, clock, terminal);
  }

  public Environment {
    String override = variables.get(ATTENDED_VARIABLE);
    if ("1".equals(override)) {
      attended = true;
    } else if ("0".equals(override)) {
      attended = false;
    }
    variables = Map.copyOf(variables);
    requireNonNull(home, "home");
    workingDirectory = workingDirectory.toAbsolutePath().normalize();
    requireNonNull(out, "out");
    requireNonNull(err, "err");
    requireNonNull(clock, "clock");
  }

  /** The process's own environment, with output on {@code System.out} and {@code System.err}. */
  public static Environment system() {
    Map<String, String> variables = System.getenv();
    String home = variables.getOrDefault("HOME", System.getProperty("user.home"));
    Charset charset = Charset.defaultCharset();
    return new Environment(
        variables,
        Path.of(home),
        Path.of("").toAbsolutePath(),
        new PrintWriter(new java.io.OutputStreamWriter(System.out, charset), true),
        new PrintWriter(new java.io.OutputStreamWriter(System.err, charset), true),
        isTerminal(2),
        Clock.systemUTC(),
        isTerminal(0) || isTerminal(2));
  }

  /**
   * Whether standard stream {@code fd} (0, 1 or 2) is a terminal: the launcher's hint ({@link
   * #TTY_PROPERTY}) when it gave one, else where Linux's {@code /proc/self/fd/N} points (a {@code
   * /dev/pts/} or {@code /dev/tty} device), else {@code System.console() != null}.
   */
  static boolean isTerminal(int fd) {
    return isTerminal(fd, System.getProperty(TTY_PROPERTY), Path.of("/proc/self/fd"));
  }

  // SystemConsoleNull: the last resort where neither the launcher's hint nor /proc exists; on Java
  // 17 console() is null unless stdin and stdout are terminals.
  @SuppressWarnings("SystemConsoleNull")
  static boolean isTerminal(int fd, String hint, Path procFds) {
    if (hint != null && !hint.isBlank()) {
      return hint.indexOf((char) ('0' + fd)) >= 0;
    }
    Path link = procFds.resolve(Integer.toString(fd));
    if (java.nio.file.Files.isDirectory(procFds)) {
      try {
        String target = java.nio.file.Files.readSymbolicLink(link).toString();
        return target.startsWith("/dev/pts/")
            || target.equals("/dev/tty")
            || target.matches("/dev/tty[0-9]+")
            || target.equals("/dev/console");
      } catch (java.io.IOException | UnsupportedOperationException e) {
        return false; // closed, or not a link: no terminal
      }
    }
    return System.console() != null;
  }

  /** The variable's value, if set and not blank. */
  public Optional<String> variable(String name) {
    String value = variables.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
  }

  /**
   * {@code path} resolved against the working directory ({@code ~/} against the home directory).
   */
  public Path resolve(String path) {
    if (path.equals("~")) {
      return home;
    }
    if (path.startsWith("~/")) {
      return home.resolve(path.substring(2)).normalize();
    }
    return workingDirectory.resolve(path).normalize();
  }
}
