package io.biowerk.dr.postgres;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds the PostgreSQL client tools ({@code pg_dump}, {@code pg_restore}) of a major version at
 * least the server's: an explicit path first, else {@code /usr/lib/postgresql/<N>/bin} from the
 * highest {@code N} (the Debian layout, where several majors live side by side), else {@code PATH}.
 * pg_dump refuses to dump a server newer than itself, so the check runs before anything is written.
 */
final class PgTools {

  /** Whether {@code stdbuf} runs a tool, by "stdbuf path, tool path": checked once per JVM. */
  private static final Map<String, Boolean> STDBUF_WORKS = new ConcurrentHashMap<>();

  private static final Pattern VERSION =
      Pattern.compile("\\(PostgreSQL\\) (\\d+)(?:\\.(\\d+))?(?:\\.(\\d+))?");

  /** A tool found and the version it reports. */
  record Tool(Path path, String version, int versionNum) {
    int major() {
      return PgTools.major(versionNum);
    }

    @Override
    public String toString() {
      return path + " (" + version + ")";
    }
  }

  /** Why no suitable tool was found; the message says what to install. */
  static final class ToolProblem extends Exception {
    private static final long serialVersionUID = 1L;

    ToolProblem(String message) {
      super(message);
    }
  }

  private final Path root;
  private final String searchPath;

  PgTools(Path root, String searchPath) {
    this.root = root;
    this.searchPath = searchPath == null ? "" : searchPath;
  }

  static PgTools system() {
    return new PgTools(Path.of("/usr/lib/postgresql"), System.getenv("PATH"));
  }

  /**
   * The major version of a {@code server_version_num}-style number: 150020 -> 15, 90624 -> 906
   * (9.6).
   */
  static int major(int versionNum) {
    return versionNum >= 100000 ? versionNum / 10000 : versionNum / 100;
  }

  /** The major version as people write it: 15, or 9.6. */
  static String majorText(int versionNum) {
    int major = major(versionNum);
    return versionNum >= 100000 ? Integer.toString(major) : (major / 100) + "." + (major % 100);
  }

  /** Parses {@code pg_dump (PostgreSQL) 15.20 (Debian ...)} into a version number (150020). */
  static Optional<Integer> parseVersion(String output) {
    Matcher m = VERSION.matcher(output);
    if (!m.find()) {
      return Optional.empty();
    }
    int first = Integer.parseInt(m.group(1));
    int second = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
    int third = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
    return Optional.of(first >= 10 ? first * 10000 + second : first * 10000 + second * 100 + third);
  }

  /**
   * The tool {@code name} whose major version is at least {@code minimumVersionNum}'s.
   *
   * @param explicit a path to the tool, or to the directory holding it, chosen by the operator
   * @param needFor what the version is needed for, for the message ("the server", "the dump")
   * @throws ToolProblem if none fits; the message names the versions found and what to install
   */
  Tool find(String name, Optional<String> explicit, int minimumVersionNum, String needFor)
      throws ToolProblem {
    String wanted = majorText(minimumVersionNum);
    String install = "apt-get install postgresql-client-" + wanted;
    if (explicit.isPresent()) {
      Path path = Path.of(explicit.get());
      if (Files.isDirectory(path)) {
        path = path.resolve(name);
      }
      if (!Files.isExecutable(path)) {
        throw new ToolProblem(
            "postgresql: "
                + name
                + " at "
                + path
                + " (given in the URI) is not an executable"
                + " file; point the option at "
                + name
                + " "
                + wanted
                + " or later, or "
                + install);
      }
      Tool tool =
          probe(path)
              .orElseThrow(
                  () ->
                      new ToolProblem(
                          "postgresql: "
                              + explicit.get()
                              + " does not report a PostgreSQL version; point the option at "
                              + name
                              + " "
                              + wanted
                              + " or later"));
      if (tool.major() < major(minimumVersionNum)) {
        throw tooOld(name, tool, minimumVersionNum, needFor, install);
      }
      return tool;
    }
    List<Tool> candidates = new ArrayList<>();
    if (Files.isDirectory(root)) {
      try (Stream<Path> dirs = Files.list(root)) {
        for (Path dir : dirs.toList()) {
          Path path = dir.resolve("bin").resolve(name);
          if (Files.isExecutable(path)) {
            probe(path).ifPresent(candidates::add);
          }
        }
      } catch (IOException e) {
        // an unreadable /usr/lib/postgresql is the same as none: PATH is next
      }
    }
    candidates.sort(Comparator.comparingInt(Tool::versionNum).reversed());
    if (candidates.isEmpty() || candidates.get(0).major() < major(minimumVersionNum)) {
      onPath(name).flatMap(PgTools::probe).ifPresent(candidates::add);
      candidates.sort(Comparator.comparingInt(Tool::versionNum).reversed());
    }
    if (candidates.isEmpty()) {
      throw new ToolProblem(
          "postgresql: "
              + name
              + " not found in "
              + root
              + "/<N>/bin or on the PATH; "
              + install
              + " (or name it with the URI option "
              + name.replace('_', '-')
              + "=/path/to/"
              + name
              + ")");
    }
    Tool best = candidates.get(0);
    if (best.major() < major(minimumVersionNum)) {
      throw tooOld(name, best, minimumVersionNum, needFor, install);
    }
    return best;
  }

  private static ToolProblem tooOld(
      String name, Tool tool, int minimumVersionNum, String needFor, String install) {
    return new ToolProblem(
        "postgresql: "
            + name
            + " "
            + tool.version()
            + " at "
            + tool.path()
            + " is older than "
            + needFor
            + " (PostgreSQL "
            + versionText(minimumVersionNum)
            + "); "
            + name
            + " must be of major version "
            + majorText(minimumVersionNum)
            + " or later: "
            + install
            + " (or name one with the URI option "
            + name.replace('_', '-')
            + "=/path/to/"
            + name
            + ")");
  }

  static String versionText(int versionNum) {
    if (versionNum >= 100000) {
      return (versionNum / 10000) + "." + (versionNum % 10000);
    }
    return (versionNum / 10000) + "." + (versionNum / 100 % 100) + "." + (versionNum % 100);
  }

  /**
   * {@code command} run with its stdout fully buffered in writes of {@code bytes}, through
   * coreutils' {@code stdbuf} when it is on the PATH and works with the tool; else {@code command}
   * unchanged.
   *
   * <p>Why: pg_dump writes its custom-format archive through stdio, whose buffer on a pipe is one
   * page, so it makes one write(2) per 4 KiB (half a million for a 2 GB dump) and wakes the reading
   * thread as often. With a 1 MiB buffer that is about 2,000 writes, and the reader gets up to a
   * full pipe (64 KiB) per read. The check ({@code stdbuf -oN tool --version}) runs once per tool
   * and JVM.
   */
  List<String> withStdoutBuffer(List<String> command, int bytes) {
    Optional<Path> stdbuf = onPath("stdbuf");
    if (stdbuf.isEmpty()) {
      return command;
    }
    List<String> wrapped = new ArrayList<>(List.of(stdbuf.get().toString(), "-o" + bytes));
    wrapped.addAll(command);
    boolean works =
        STDBUF_WORKS.computeIfAbsent(
            stdbuf.get() + " " + command.get(0), k -> probe(wrapped.subList(0, 3)).isPresent());
    return works ? wrapped : command;
  }

  /** The first executable {@code name} on the search path. */
  Optional<Path> onPath(String name) {
    for (String dir : searchPath.split(File.pathSeparator, -1)) {
      if (!dir.isEmpty()) {
        Path path = Path.of(dir, name);
        if (Files.isExecutable(path) && !Files.isDirectory(path)) {
          return Optional.of(path);
        }
      }
    }
    return Optional.empty();
  }

  /** Runs {@code tool --version}. */
  static Optional<Tool> probe(Path path) {
    return probe(List.of(path.toString())).map(t -> new Tool(path, t.version(), t.versionNum()));
  }

  /** Runs {@code command --version}. */
  private static Optional<Tool> probe(List<String> command) {
    try {
      List<String> line = new ArrayList<>(command);
      line.add("--version");
      Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
      process.getOutputStream().close();
      String output = new String(process.getInputStream().readNBytes(4096), StandardCharsets.UTF_8);
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return Optional.empty();
      }
      if (process.exitValue() != 0) {
        return Optional.empty();
      }
      Path path = Path.of(command.get(command.size() - 1));
      return parseVersion(output).map(v -> new Tool(path, versionText(v), v));
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
