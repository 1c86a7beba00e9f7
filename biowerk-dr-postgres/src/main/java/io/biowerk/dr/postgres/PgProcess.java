package io.biowerk.dr.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running PostgreSQL client tool with its error output drained on a daemon thread into a bounded
 * buffer (the first and the last 32 KiB), so a chatty tool never blocks on a full stderr pipe and
 * memory stays bounded. The command line never carries a password: that travels in the child's
 * environment.
 */
final class PgProcess {

  private static final Logger LOG = LoggerFactory.getLogger(PgProcess.class);
  private static final int KEEP = 32 * 1024;

  private final String name;
  private final Process process;
  private final Thread drain;
  private final StringBuilder head = new StringBuilder();
  private final StringBuilder tail = new StringBuilder();
  private long dropped;

  private PgProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    this.drain = new Thread(this::drainStderr, "biowerk-dr-" + name + "-stderr-" + process.pid());
    drain.setDaemon(true);
    drain.start();
  }

  /**
   * Starts {@code command} with {@code env} as its whole environment.
   *
   * @param stdinPiped whether the caller writes the child's stdin (else it reads nothing)
   * @param stdoutPiped whether the caller reads the child's stdout (else it is discarded)
   */
  static PgProcess start(
      List<String> command, Map<String, String> env, boolean stdinPiped, boolean stdoutPiped)
      throws IOException {
    return start(baseName(command.get(0)), command, env, stdinPiped, stdoutPiped);
  }

  /**
   * As {@link #start(List, Map, boolean, boolean)}, for a command that runs the tool {@code name}
   * through another.
   */
  static PgProcess start(
      String name,
      List<String> command,
      Map<String, String> env,
      boolean stdinPiped,
      boolean stdoutPiped)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().clear();
    builder.environment().putAll(env);
    builder.redirectInput(
        stdinPiped
            ? ProcessBuilder.Redirect.PIPE
            : ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    builder.redirectOutput(
        stdoutPiped ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.DISCARD);
    builder.redirectError(ProcessBuilder.Redirect.PIPE);
    LOG.debug("postgresql: running {}", command);
    return new PgProcess(name, builder.start());
  }

  private static String baseName(String command) {
    return command.substring(command.lastIndexOf('/') + 1);
  }

  private void drainStderr() {
    byte[] buffer = new byte[8192];
    try (InputStream err = process.getErrorStream()) {
      int n;
      while ((n = err.read(buffer)) >= 0) {
        String text = new String(buffer, 0, n, StandardCharsets.UTF_8);
        synchronized (this) {
          if (head.length() < KEEP) {
            int take = Math.min(KEEP - head.length(), text.length());
            head.append(text, 0, take);
            text = text.substring(take);
          }
          tail.append(text);
          if (tail.length() > KEEP) {
            dropped += tail.length() - KEEP;
            tail.delete(0, tail.length() - KEEP);
          }
        }
      }
    } catch (IOException e) {
      // the process went away; what was read is kept
    }
  }

  Process process() {
    return process;
  }

  long pid() {
    return process.pid();
  }

  /** Waits for the tool to exit and returns its status (128 + signal when killed). */
  int waitFor() throws java.io.InterruptedIOException {
    try {
      int status = process.waitFor();
      drain.join(TimeUnit.SECONDS.toMillis(10));
      return status;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
      throw new java.io.InterruptedIOException(
          "postgresql: interrupted while waiting for " + name + "; it was killed");
    }
  }

  /** The error output so far (all of it once {@link #waitFor()} returned), trimmed. */
  synchronized String stderr() {
    String middle = dropped > 0 ? "\n[... " + dropped + " characters left out ...]\n" : "";
    return (head + middle + tail).strip();
  }

  /**
   * Waits up to {@code graceMillis} for the tool to exit on its own, kills it if it has not, and
   * returns its status as {@link #waitFor()} does. For a tool that stopped reading its input: it is
   * usually exiting with an error message, and killing it at once would lose that message (the JDK
   * closes a process's error stream when it destroys a process it has not reaped yet).
   */
  int exitOrKill(long graceMillis) throws java.io.InterruptedIOException {
    try {
      if (!process.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
        kill();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
      throw new java.io.InterruptedIOException(
          "postgresql: interrupted while waiting for " + name + "; it was killed");
    }
    return waitFor();
  }

  /** Kills the tool and waits for it; idempotent. */
  void kill() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return name + "[" + process.pid() + "]";
  }
}
