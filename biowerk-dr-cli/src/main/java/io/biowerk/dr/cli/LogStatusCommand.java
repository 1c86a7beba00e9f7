package io.biowerk.dr.cli;

import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogProvider;
import io.biowerk.dr.core.log.Logs;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code biowerk-dr <log>-status}: the archived log of one source: how many segments, the newest
 * and its age (the RPO of point-in-time recovery), and for every base backup the window it can
 * recover to, or the first missing segment that cuts it short. Exit 1 when the newest base backup
 * cannot be rolled forward without a gap.
 */
@Command(
    sortOptions = false,
    header = "Show the archived log of a source: RPO, recoverable windows, gaps.",
    description = {
      "Checks every base backup of the source against the archived log: each one's recoverable window"
          + " (from its end to the newest archived segment), or the first missing segment. The RPO is the age"
          + " of the newest archived segment.",
      ""
    })
final class LogStatusCommand extends CliCommand {

  private final String log;

  LogStatusCommand(String log) {
    this.log = log;
  }

  @Mixin LogOptions logOptions;

  @Mixin RepositoryOptions repositories;

  @Mixin KeyOptions keys;

  @Override
  public Integer call() throws Exception {
    Environment env = env();
    LogProvider provider = Logs.forLog(log);
    Sink sink = repositories.openPrimary(env);
    LogArchive archive = logOptions.forReading(sink, log, keys, env);
    Instant now = env.clock().instant();
    PitrStatus state =
        PitrStatus.of(
            archive, provider, Catalog.of(sink).withClock(env.clock()).list(logOptions.source));
    List<Map<String, Object>> bases = state.bases();
    boolean newestOk = state.newestOk();
    Instant newest = state.newestTime();
    String newestName = state.newest();
    int objects = state.objects();
    Long rpoSeconds = state.rpo(now).map(Duration::toSeconds).orElse(null);
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("ok", newestOk);
      result.put("source", logOptions.source);
      result.put("log", log);
      result.put("objects", objects);
      result.put("newest", newestName);
      result.put("newestTime", newest == null ? null : newest.toString());
      result.put("rpoSeconds", rpoSeconds);
      result.put("earliestRecoverable", state.earliest().map(Instant::toString).orElse(null));
      result.put("latestRecoverable", state.latest().map(Instant::toString).orElse(null));
      result.put("serverPosition", state.lag() == null ? null : state.lag().serverPosition());
      result.put("archivedPosition", state.lag() == null ? null : state.lag().archivedPosition());
      result.put("lagBytes", state.lag() == null ? null : state.lag().bytes());
      if (state.lagProblem() != null) {
        result.put("lagProblem", state.lagProblem());
      }
      result.put("bases", bases);
      printJson(result);
    } else {
      var out = out();
      out.println(
          log
              + " of '"
              + logOptions.source
              + "': "
              + objects
              + " archived object(s)"
              + (newest == null
                  ? ""
                  : ", newest "
                      + newestName
                      + " at "
                      + newest
                      + " (RPO "
                      + Format.duration(Duration.ofSeconds(rpoSeconds))
                      + ")"));
      state.lagText().ifPresent(t -> out.println("  " + t));
      if (state.earliest().isPresent()) {
        out.println(
            "  point-in-time window: from "
                + state.earliest().get()
                + " to "
                + state.latest().orElseThrow());
      }
      if (bases.isEmpty()) {
        out.println(
            "  no base backup of '" + logOptions.source + "' can be rolled forward with it");
      }
      for (Map<String, Object> base : bases) {
        if (base.containsKey("gap")) {
          out.println("  " + base.get("id") + ": GAP: " + base.get("gap"));
        } else {
          out.println(
              "  "
                  + base.get("id")
                  + ": recoverable from "
                  + base.get("from")
                  + " to "
                  + base.get("to")
                  + " ("
                  + base.get("segments")
                  + " segments "
                  + base.get("firstSegment")
                  + " .. "
                  + base.get("lastSegment")
                  + ")");
        }
      }
      out.flush();
    }
    return newestOk ? ExitCodes.OK : ExitCodes.FAILURE;
  }
}
