package io.biowerk.dr.cli;

import io.biowerk.dr.core.files.RestoreLeftovers;
import io.biowerk.dr.core.files.RestoreLeftovers.Leftover;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code biowerk-dr cleanup}: removes what interrupted file restores left beside their targets (see
 * {@link RestoreLeftovers}), and nothing else.
 */
@Command(
    name = "cleanup",
    sortOptions = false,
    header = "Remove the staging directories that interrupted restores left behind.",
    description = {
      "A killed file restore leaves a hidden staging directory (.<target>.biowerk-restore-...)"
          + " beside its target, and, if killed while replacing a target, the old tree moved aside"
          + " (.<target>.biowerk-old-...). Each PATH is such a leftover or a directory to look in"
          + " (not below it). Only names of that shape are touched; a leftover whose restore is"
          + " still running is kept, and an old tree is kept while its target is missing (it is"
          + " then the only copy: move it back by hand).",
      "The next restore into the same directory removes dead leftovers too, and `biowerk-dr"
          + " status --restore-dir DIR` reports them.",
      ""
    },
    footer = {
      "",
      "Examples:",
      "  biowerk-dr cleanup --dry-run /srv/restore",
      "  biowerk-dr cleanup /srv/restore"
    })
final class CleanupCommand extends CliCommand {

  @Option(names = "--dry-run", description = "Only report what would be removed.")
  boolean dryRun;

  @Parameters(
      arity = "1..*",
      paramLabel = "PATH",
      description = "A restore leftover, or a directory holding some.")
  List<String> paths = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Environment env = env();
    Instant now = env.clock().instant();
    List<Leftover> found = new ArrayList<>();
    for (String text : paths) {
      Path path = env.resolve(text).toAbsolutePath().normalize();
      if (RestoreLeftovers.isLeftoverName(path)) {
        found.add(
            RestoreLeftovers.of(path, now)
                .orElseThrow(
                    () ->
                        new UsageException(
                            "cleanup: "
                                + path
                                + " does not exist or is a link, not a restore leftover; give a"
                                + " leftover or the directory that holds it")));
      } else if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
        found.addAll(RestoreLeftovers.find(path, now));
      } else {
        throw new UsageException(
            "cleanup: "
                + path
                + " is neither a restore leftover (.<target>.biowerk-restore-... or"
                + " .<target>.biowerk-old-...) nor a directory; nothing was removed. Give the"
                + " directory a restore target lies in");
      }
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    int removed = 0;
    int kept = 0;
    for (Leftover leftover : found) {
      String action;
      if (!leftover.removable()) {
        kept++;
        action = leftover.stale() ? "kept (its target is missing: this is the only copy)" : "kept";
      } else if (dryRun) {
        action = "would remove";
      } else {
        RestoreLeftovers.remove(leftover);
        removed++;
        action = "removed";
      }
      rows.add(row(leftover, now, action));
    }
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("ok", true);
      result.put("dryRun", dryRun);
      result.put("removed", removed);
      result.put("kept", kept);
      result.put("leftovers", rows);
      printJson(result);
    } else {
      for (Map<String, Object> row : rows) {
        out()
            .println(
                row.get("action")
                    + " "
                    + row.get("path")
                    + " ("
                    + row.get("kind")
                    + ", "
                    + Format.bytes((Long) row.get("bytes"))
                    + ", "
                    + Format.age(Duration.ofSeconds((Long) row.get("ageSeconds")))
                    + " old"
                    + (leftoverInUse(row) ? ", its restore is still running" : "")
                    + ")");
      }
      out()
          .println(
              found.isEmpty()
                  ? "no restore leftovers found"
                  : (dryRun ? "would remove " : "removed ")
                      + (dryRun ? found.size() - kept : removed)
                      + " restore leftover(s), kept "
                      + kept);
      out().flush();
    }
    return ExitCodes.OK;
  }

  private static boolean leftoverInUse(Map<String, Object> row) {
    return !(Boolean) row.get("stale");
  }

  /** One leftover as a JSON row, shared with {@code status}. */
  static Map<String, Object> row(Leftover leftover, Instant now, String action) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("path", leftover.path().toString());
    row.put("kind", leftover.kind());
    row.put("bytes", leftover.bytes());
    row.put("modified", leftover.modified().toString());
    row.put("ageSeconds", Math.max(0, Duration.between(leftover.modified(), now).toSeconds()));
    row.put("stale", leftover.stale());
    if (action != null) {
      row.put("action", action);
    }
    return row;
  }

  /** The leftovers in each of {@code directories}, for {@code status}. */
  static List<Leftover> findAll(List<Path> directories, Instant now) throws IOException {
    List<Leftover> all = new ArrayList<>();
    for (Path directory : directories) {
      all.addAll(RestoreLeftovers.find(directory, now));
    }
    return all;
  }
}
