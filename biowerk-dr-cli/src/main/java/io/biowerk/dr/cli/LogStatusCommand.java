package io.biowerk.dr.cli;

import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogProvider;
import io.biowerk.dr.core.log.LogRecovery;
import io.biowerk.dr.core.log.LogSegment;
import io.biowerk.dr.core.log.Logs;
import io.biowerk.dr.core.log.RecoveryRangeException;
import io.biowerk.dr.core.log.RecoveryWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    List<String> names = archive.names();
    Instant newest = null;
    String newestName = null;
    for (String name : names.subList(Math.max(0, names.size() - 8), names.size())) {
      Optional<LogSegment> segment = archive.segment(name);
      if (segment.isPresent() && (newest == null || segment.get().lastTime().isAfter(newest))) {
        newest = segment.get().lastTime();
        newestName = name;
      }
    }
    Instant now = env.clock().instant();
    List<Map<String, Object>> bases = new ArrayList<>();
    boolean newestOk = true;
    boolean first = true;
    for (BackupRecord record : Catalog.of(sink).withClock(env.clock()).list(logOptions.source)) {
      Optional<LogRecovery> recovery = provider.recovery(record.manifest());
      if (recovery.isEmpty()) {
        continue;
      }
      Map<String, Object> base = new LinkedHashMap<>();
      base.put("id", record.manifest().id());
      try {
        RecoveryWindow window = recovery.get().window(record.manifest(), archive);
        base.put("from", window.from().toString());
        base.put("to", window.to().toString());
        base.put("firstSegment", window.firstSegment());
        base.put("lastSegment", window.lastSegment());
        base.put("segments", window.segments());
      } catch (RecoveryRangeException e) {
        base.put("gap", e.getMessage());
        e.missingSegment().ifPresent(m -> base.put("missingSegment", m));
        if (first) {
          newestOk = false;
        }
      }
      first = false;
      bases.add(base);
    }
    Long rpoSeconds = newest == null ? null : Duration.between(newest, now).toSeconds();
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("ok", newestOk);
      result.put("source", logOptions.source);
      result.put("log", log);
      result.put("objects", names.size());
      result.put("newest", newestName);
      result.put("newestTime", newest == null ? null : newest.toString());
      result.put("rpoSeconds", rpoSeconds);
      result.put("bases", bases);
      printJson(result);
    } else {
      var out = out();
      out.println(
          log
              + " of '"
              + logOptions.source
              + "': "
              + names.size()
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
