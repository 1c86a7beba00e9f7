package io.biowerk.dr.cli;

import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogProvider;
import io.biowerk.dr.core.log.LogSpool;
import io.biowerk.dr.core.log.Logs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code biowerk-dr <log>-push}: archives one segment of a database's log (the database's archive
 * hook runs it with the segment's path), or queues it in a local spool ({@code --async}) that
 * {@code --drain} empties into the repository. Registered once per {@link LogProvider} found, under
 * the provider's log name.
 */
@Command(
    sortOptions = false,
    header = "Archive one log segment into the repositories (the database's archive command).",
    description = {
      "Compresses, encrypts and checksums the segment and stores it under <source>/<log>/ with a manifest."
          + " Pushing the same bytes again does nothing and succeeds (databases retry); different bytes under"
          + " the same name are refused, so two servers archiving into one source are noticed.",
      "",
      "--async only copies the segment into a local spool and returns in milliseconds; a long-running"
          + " '--drain' process stores what the spool holds. A segment the drainer failed on makes the next"
          + " --async push of it fail with the drainer's message, so the database keeps it and retries.",
      ""
    }) // examples: set per log in Main, from the log's provider
final class LogPushCommand extends CliCommand {

  private final String log;

  LogPushCommand(String log) {
    this.log = log;
  }

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "FILE",
      description =
          "The segment file (the archive command's %p); its file name is the segment's name.")
  String file;

  @Mixin LogOptions logOptions;

  @Mixin RepositoryOptions repositories;

  @Mixin KeyOptions keys;

  @Option(
      names = "--async",
      description = "Queue the segment in the local spool and return at once.")
  boolean async;

  @Option(
      names = "--drain",
      description =
          "Run until stopped, storing every segment queued in the spool (the --async drainer).")
  boolean drain;

  @Option(names = "--once", description = "With --drain: drain what is queued now, then exit.")
  boolean once;

  @Option(
      names = "--idle",
      paramLabel = "SECONDS",
      description =
          "With --drain: exit once nothing was queued for this long, or the spool is gone (the"
              + " launcher's drainer: one JVM for a burst of segments, not one per batch).")
  Integer idleSeconds;

  @Option(
      names = "--spool",
      paramLabel = "DIR",
      description =
          "The spool of --async and --drain. Default: ~/.local/state/biowerk-dr/spool/SOURCE-LOG.")
  String spool;

  @Override
  public Integer call() throws Exception {
    Environment env = env();
    Path spoolDir = spool == null ? logOptions.defaultSpool(env, "spool", log) : env.resolve(spool);
    if (drain) {
      return drain(env, spoolDir);
    }
    if (file == null) {
      throw new UsageException(log + "-push: give the segment FILE (%p), or --drain");
    }
    Path segment = env.resolve(file);
    String name = segment.getFileName().toString();
    if (!Files.isRegularFile(segment)) {
      throw new java.nio.file.NoSuchFileException(
          segment.toString(),
          null,
          log + "-push: no such segment file; pass the path the database gives (%p)");
    }
    if (async) {
      LogSpool.at(spoolDir).offer(name, segment);
      result(name, "queued", spoolDir.toString());
      return ExitCodes.OK;
    }
    LogProvider provider = Logs.forLog(log);
    var info = provider.describe(name, segment);
    String outcome = "already stored";
    for (Sink sink : repositories.openAll(env)) {
      LogArchive archive = logOptions.forWriting(sink, log, keys, env);
      if (archive.push(info, segment) == LogArchive.PushResult.STORED) {
        outcome = "stored";
      }
    }
    result(name, outcome, null);
    return ExitCodes.OK;
  }

  private int drain(Environment env, Path spoolDir) throws Exception {
    LogProvider provider = Logs.forLog(log);
    List<LogArchive> archives = new ArrayList<>();
    for (Sink sink : repositories.openAll(env)) {
      archives.add(logOptions.forWriting(sink, log, keys, env));
    }
    LogSpool queue = LogSpool.at(spoolDir);
    note(log + "-push: draining " + spoolDir + " into " + archives.get(0).prefix());
    int total = 0;
    long lastWork = System.nanoTime();
    while (true) {
      if (idleSeconds != null && !Files.isDirectory(spoolDir)) {
        break; // the spool was removed: nothing can be queued any more
      }
      int done = 0;
      try {
        for (LogArchive archive : archives) {
          done = queue.drainOnce(archive, provider);
        }
      } catch (java.nio.file.NoSuchFileException e) {
        if (idleSeconds != null && !Files.isDirectory(spoolDir)) {
          break; // removed while it was being read
        }
        throw e;
      }
      total += done;
      if (once) {
        break;
      }
      if (done > 0) {
        lastWork = System.nanoTime();
      } else if (idleSeconds != null
          && System.nanoTime() - lastWork > TimeUnit.SECONDS.toNanos(idleSeconds)) {
        break;
      }
      try {
        Thread.sleep(done > 0 ? 0 : 200);
      } catch (InterruptedException e) {
        break;
      }
    }
    List<String> failed = Files.isDirectory(spoolDir) ? queue.failed() : List.of();
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("ok", failed.isEmpty());
      result.put("stored", total);
      result.put("failed", failed);
      printJson(result);
    } else {
      out()
          .println(
              log
                  + "-push: stored "
                  + total
                  + " segment(s)"
                  + (failed.isEmpty() ? "" : "; failed: " + failed));
      out().flush();
    }
    return failed.isEmpty() ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  private void result(String name, String outcome, String spoolDir) {
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("ok", true);
      result.put("segment", name);
      result.put("outcome", outcome);
      result.put("spool", spoolDir);
      printJson(result);
    } else if (verbose) {
      note(log + "-push: " + name + " " + outcome);
    }
  }
}
