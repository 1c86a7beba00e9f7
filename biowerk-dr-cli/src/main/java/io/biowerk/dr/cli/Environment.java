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
 * @param terminal whether a person is watching (a progress bar is drawn only then)
 * @param clock the clock for key ids, retention and reports
 */
public record Environment(
    Map<String, String> variables,
    Path home,
    Path workingDirectory,
    PrintWriter out,
    PrintWriter err,
    boolean terminal,
    Clock clock) {

  /** Repository URI(s), comma-separated, used when no {@code --repo} is given. */
  public static final String REPO_VARIABLE = "BIOWERK_DR_REPO";

  /** Key file used when no {@code --key-file} is given. */
  public static final String KEY_FILE_VARIABLE = "BIOWERK_DR_KEY_FILE";

  /**
   * Key provider ({@code file}, {@code pkcs11}, ...) used when no {@code --key-provider} is given.
   */
  public static final String KEY_PROVIDER_VARIABLE = "BIOWERK_DR_KEY_PROVIDER";

  public Environment {
    variables = Map.copyOf(variables);
    requireNonNull(home, "home");
    workingDirectory = workingDirectory.toAbsolutePath().normalize();
    requireNonNull(out, "out");
    requireNonNull(err, "err");
    requireNonNull(clock, "clock");
  }

  /** The process's own environment, with output on {@code System.out} and {@code System.err}. */
  // SystemConsoleNull: on Java 17, the release this targets, console() is null without a terminal;
  // Console.isTerminal() (Java 22) is the check to use once the release moves past 21.
  @SuppressWarnings("SystemConsoleNull")
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
        System.console() != null,
        Clock.systemUTC());
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
