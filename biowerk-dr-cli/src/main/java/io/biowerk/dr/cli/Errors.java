package io.biowerk.dr.cli;

import io.biowerk.dr.core.TargetNotEmptyException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Turns failures into what a person at 3 a.m. and a scheduler both need: one line on stderr
 * starting with {@code biowerk-dr:} that says what happened and what to do, and an exit code from
 * {@link ExitCodes}. The stack trace is printed only with {@code --verbose}; with {@code --json} a
 * JSON error object also goes to stdout.
 */
final class Errors {

  private Errors() {}

  /** Picocli's hook for a command line that does not parse: exit 2. */
  static int handleParameterException(ParameterException e, String[] args) {
    CommandLine cli = e.getCommandLine();
    PrintWriter err = cli.getErr();
    err.println("biowerk-dr: " + oneLine(e.getMessage()));
    UnmatchedArgumentException.printSuggestions(e, err);
    err.println("Try '" + cli.getCommandSpec().qualifiedName() + " --help' for more information.");
    err.flush();
    return ExitCodes.USAGE;
  }

  /** Picocli's hook for a failure thrown by a command: one line, and the mapped exit code. */
  static int handleExecutionException(Exception e, CommandLine cli, ParseResult parseResult) {
    Object command = cli.getCommand();
    boolean verbose = false;
    boolean json = false;
    if (command instanceof CliCommand cliCommand) {
      cliCommand.clearProgress();
      verbose = cliCommand.verbose;
      json = cliCommand.json && !cliCommand.printedJson;
    }
    int code = ExitCodes.of(e);
    String message = message(e);
    PrintWriter err = cli.getErr();
    err.println("biowerk-dr: " + message);
    if (verbose) {
      e.printStackTrace(err);
    } else if (code == ExitCodes.FAILURE && isBug(e)) {
      err.println(
          "biowerk-dr: this looks like a bug; run again with --verbose for the stack trace and report it");
    }
    err.flush();
    if (json) {
      Map<String, Object> error = new LinkedHashMap<>();
      error.put("ok", false);
      error.put("exitCode", code);
      error.put("error", message);
      error.put("type", e.getClass().getSimpleName());
      Json.print(cli.getOut(), error);
    }
    return code;
  }

  /** The one-line message for {@code e}: its own message, with JDK file errors said in words. */
  static String message(Throwable e) {
    String message;
    if (e instanceof NoSuchFileException f) {
      message = "no such file or directory: " + f.getFile();
    } else if (e instanceof AccessDeniedException f) {
      message = "permission denied: " + f.getFile();
    } else if (e instanceof FileAlreadyExistsException f) {
      message =
          f.getReason() != null
              ? f.getReason() + " (" + f.getFile() + ")"
              : "already exists: " + f.getFile();
    } else if (e instanceof FileSystemException f && f.getReason() != null) {
      message = f.getReason() + ": " + f.getFile();
    } else if (e.getMessage() == null || e.getMessage().isBlank()) {
      message = e.getClass().getSimpleName();
    } else if (isBug(e)) {
      message = "internal error: " + e;
    } else {
      message = e.getMessage();
    }
    if (e instanceof TargetNotEmptyException && !message.contains("--force")) {
      message += "; pass --force to overwrite it";
    }
    return oneLine(message);
  }

  private static boolean isBug(Throwable e) {
    return e instanceof NullPointerException
        || e instanceof IllegalStateException
        || e instanceof ClassCastException
        || e instanceof IndexOutOfBoundsException;
  }

  /** {@code text} on one line: line breaks (a tool's stderr in a message) become "; ". */
  static String oneLine(String text) {
    return text.strip().replaceAll("\\s*\\R\\s*", "; ");
  }
}
