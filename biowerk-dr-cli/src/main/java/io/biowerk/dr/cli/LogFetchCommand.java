package io.biowerk.dr.cli;

import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogPrefetch;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code biowerk-dr <log>-fetch}: fetches one archived segment for a recovering database (the
 * database's restore hook runs it with the segment's name and destination), with read-ahead of the
 * next segments into a local spool. Exit 1 without a message on stdout when the archive lacks the
 * segment, which is how a database learns that recovery reached the end of the archive.
 */
@Command(
    sortOptions = false,
    header = "Fetch one archived log segment (the database's restore command).",
    description = {
      "Decrypts, decompresses and checks the segment, and writes it to DEST only when every checksum matched."
          + " The next segments are fetched in parallel into a local spool at the same time, so the following"
          + " requests are answered from disk. Exits 1 when the archive does not hold the segment.",
      ""
    }) // examples: set per log in Main, from the log's provider
final class LogFetchCommand extends CliCommand {

  private final String log;

  LogFetchCommand(String log) {
    this.log = log;
  }

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "NAME",
      description = "The segment's name (the restore command's %f).")
  String name;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "DEST",
      description = "Where to write it (the archive command's %p).")
  String destination;

  @Mixin LogOptions logOptions;

  @Mixin RepositoryOptions repositories;

  @Mixin KeyOptions keys;

  @Option(
      names = "--ahead",
      paramLabel = "N",
      defaultValue = "8",
      description = "Segments to fetch ahead into the spool. Default: ${DEFAULT-VALUE}.")
  int ahead;

  @Option(
      names = "--threads",
      paramLabel = "N",
      defaultValue = "4",
      description = "Parallel fetches. Default: ${DEFAULT-VALUE}.")
  int threads;

  @Option(
      names = "--spool",
      paramLabel = "DIR",
      description = "The read-ahead spool. Default: $TMPDIR/biowerk-dr-USER/fetch/SOURCE-LOG.")
  String spool;

  @Option(
      names = "--prefetcher",
      hidden = true,
      description =
          "Run as the spool's long-running prefetcher (the launcher script starts it): keep the segments"
              + " after the one the database asked for last ready in the spool, until idle.")
  boolean prefetcher;

  @Option(
      names = "--idle",
      hidden = true,
      paramLabel = "SECONDS",
      defaultValue = "60",
      description = "How long the prefetcher waits for the next request before it stops.")
  int idleSeconds;

  /**
   * Set by the launcher on a fetch it hands to the JVM while a prefetcher runs on the spool: no
   * read-ahead of its own then, the prefetcher does it.
   */
  static final String READ_AHEAD_VARIABLE = "BIOWERK_DR_FETCH_READ_AHEAD";

  @Override
  public Integer call() throws Exception {
    Environment env = env();
    if (ahead < 0 || threads < 1) {
      throw new UsageException("--ahead must be 0 or more and --threads 1 or more");
    }
    if (prefetcher != (name == null) || prefetcher != (destination == null)) {
      throw new UsageException(
          prefetcher
              ? "--prefetcher takes no NAME or DEST"
              : "give the segment's NAME and its DEST (the restore command's %f and %p)");
    }
    if (idleSeconds < 1) {
      throw new UsageException("--idle must be 1 or more seconds");
    }
    // Read-ahead is disposable: the default spool is under the temp directory, per user.
    Path spoolDir =
        spool == null
            ? Path.of(
                System.getProperty("java.io.tmpdir"),
                "biowerk-dr-" + System.getProperty("user.name"),
                "fetch",
                logOptions.source + "-" + log)
            : env.resolve(spool);
    LogArchive archive = logOptions.forReading(repositories.openPrimary(env), log, keys, env);
    if (prefetcher) {
      LogPrefetch.of(archive, spoolDir, ahead, threads)
          .keepAhead(java.time.Duration.ofSeconds(idleSeconds));
      return ExitCodes.OK;
    }
    Path dest = env.resolve(destination);
    int readAhead = env.variable(READ_AHEAD_VARIABLE).filter("off"::equals).isPresent() ? 0 : ahead;
    boolean found = LogPrefetch.of(archive, spoolDir, readAhead, threads).fetch(name, dest);
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("ok", found);
      result.put("segment", name);
      result.put("found", found);
      printJson(result);
    } else if (!found) {
      note(log + "-fetch: " + name + " is not in " + archive.prefix());
    }
    return found ? ExitCodes.OK : ExitCodes.FAILURE;
  }
}
