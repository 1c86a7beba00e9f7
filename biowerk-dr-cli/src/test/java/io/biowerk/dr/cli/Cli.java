package io.biowerk.dr.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs {@code biowerk-dr} in-process through picocli ({@link Main#commandLine}) with captured
 * stdout and stderr, a home and working directory of the test's own, its own environment variables
 * and a settable clock, so a test never touches the user's home, key or repository.
 *
 * <p>A test has no terminal, and without one a backup refuses to create the default key or
 * repository (docs/nothing-silent.md, "Unattended runs"). Most tests here exercise those defaults
 * as a person at a terminal meets them, so the harness opts in with {@code BIOWERK_DR_ATTENDED=1};
 * {@code UnattendedRunTest} removes it to test the refusal.
 */
final class Cli {

  final Path home;
  final Path work;
  final Map<String, String> variables = new HashMap<>();
  final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T12:00:00Z"));

  Cli(Path dir) throws IOException {
    this.home = Files.createDirectories(dir.resolve("home"));
    this.work = Files.createDirectories(dir.resolve("work"));
    variables.put(Environment.ATTENDED_VARIABLE, "1");
  }

  /** The result of one run. */
  record Result(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Environment env =
        new Environment(
            variables,
            home,
            work,
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            false,
            clock);
    int code = Main.run(env, args);
    return new Result(code, out.toString(), err.toString());
  }

  /** The default key file under the test's home. */
  Path defaultKeyFile() {
    return home.resolve(".config/biowerk-dr/key");
  }

  /** The default repository under the test's working directory. */
  Path defaultRepo() {
    return work.resolve("biowerk-backups");
  }

  /** A clock the test moves by hand. */
  static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void set(Instant instant) {
      now = instant;
    }

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
