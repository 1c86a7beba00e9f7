package io.biowerk.dr.cli;

import io.biowerk.dr.core.ProgressListener;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A subcommand: the options every subcommand has ({@code --json}, {@code --verbose}, {@code
 * --help}) and access to the {@link Environment} of the {@link Main} it runs under. Failures are
 * thrown, and {@link Errors#handleExecutionException} turns them into one line and an exit code.
 */
abstract class CliCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--json",
      order = 90,
      description =
          "Print a machine-readable JSON result on stdout (messages and logs" + " stay on stderr).")
  boolean json;

  @Option(
      names = {"-v", "--verbose"},
      order = 91,
      description = "Print progress logs and, on failure, the stack trace.")
  boolean verbose;

  @Option(
      names = {"-h", "--help"},
      order = 92,
      usageHelp = true,
      description = "Show this help and exit.")
  boolean help;

  private ProgressBar progress;

  /**
   * Set once the command printed its JSON result, so a failure after it adds no second document.
   */
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

  /**
   * A progress bar on stderr when a person watches on a terminal and no JSON is asked for, else
   * nothing.
   */
  ProgressListener progress(String verb) {
    if (!env().terminal() || json) {
      return ProgressListener.NONE;
    }
    progress = new ProgressBar(env().err(), verb);
    return progress;
  }

  /**
   * Runs {@code work} so that Ctrl-C or a SIGTERM (a scheduler's timeout, a pod being stopped)
   * cleans up instead of just dying: the JVM's shutdown interrupts the working thread and waits up
   * to {@link #CLEANUP_WAIT} for it, so a backup aborts its writes and removes its in-progress
   * marker (which would otherwise hold off retention for a day) and a restore aborts its target.
   */
  <T> T cleanUpOnShutdown(Callable<T> work) throws Exception {
    Thread worker = Thread.currentThread();
    // Waits until the error ("... was interrupted; nothing was kept") has been printed, not just
    // the cleanup.
    CountDownLatch finished = ((Main) spec.root().userObject()).finished;
    Thread hook =
        new Thread(
            () -> {
              worker.interrupt();
              try {
                finished.await(CLEANUP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "biowerk-dr-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return work.call();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // The hook is running: it returns once Main.run has printed the outcome.
      }
    }
  }

  /** How long a shutdown waits for an interrupted backup or restore to clean up. */
  static final Duration CLEANUP_WAIT = Duration.ofSeconds(20);

  /** Clears a drawn progress line so the next message starts on a clean line. */
  void clearProgress() {
    if (progress != null) {
      progress.clear();
    }
  }
}
