package io.biowerk.dr.cli;

import io.biowerk.dr.core.ProgressListener;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A subcommand: the options every subcommand has ({@code --json}, {@code --verbose}, {@code --help}) and access
 * to the {@link Environment} of the {@link Main} it runs under. Failures are thrown, and
 * {@link Errors#handleExecutionException} turns them into one line and an exit code.
 */
abstract class CliCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--json", order = 90, description = "Print a machine-readable JSON result on stdout (messages and logs"
      + " stay on stderr).")
  boolean json;

  @Option(names = {"-v", "--verbose"}, order = 91, description = "Print progress logs and, on failure, the stack trace.")
  boolean verbose;

  @Option(names = {"-h", "--help"}, order = 92, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  private ProgressBar progress;

  /** Set once the command printed its JSON result, so a failure after it adds no second document. */
  boolean printedJson;

  /** Prints the command's JSON result on stdout: one document per run. */
  void printJson(Object result) {
    Json.print(out(), result);
    printedJson = true;
  }

  /** The environment of the root command. */
  Environment env() {
    return ((Main) spec.root().userObject()).environment();
  }

  PrintWriter out() {
    return env().out();
  }

  /** Prints a message for the person running the command, on stderr. */
  void note(String message) {
    env().err().println("biowerk-dr: " + message);
    env().err().flush();
  }

  /** A progress bar on stderr when a person watches on a terminal and no JSON is asked for, else nothing. */
  ProgressListener progress(String verb) {
    if (!env().terminal() || json) {
      return ProgressListener.NONE;
    }
    progress = new ProgressBar(env().err(), verb);
    return progress;
  }

  /** Clears a drawn progress line so the next message starts on a clean line. */
  void clearProgress() {
    if (progress != null) {
      progress.clear();
    }
  }
}
