package io.biowerk.dr.cli;

import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogLag;
import io.biowerk.dr.core.log.LogProvider;
import io.biowerk.dr.core.log.LogRecovery;
import io.biowerk.dr.core.log.LogSegment;
import io.biowerk.dr.core.log.RecoveryRangeException;
import io.biowerk.dr.core.log.RecoveryWindow;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The point-in-time recovery state of one source's archived log, as {@code status} and {@code
 * <log>-status} report it: the newest archived segment (its age is the RPO), and for every base
 * backup the window it can recover to or the gap that cuts it short.
 *
 * @param log the log's name
 * @param objects how many objects the archive holds
 * @param newest the newest segment's name, or null
 * @param newestTime no entry of the newest segment is later than this, or null
 * @param bases per base backup, newest first: id, and from/to/firstSegment/lastSegment/segments or
 *     gap/missingSegment
 * @param newestOk whether the newest base backup rolls forward without a gap
 * @param lag how far the archive is behind the live database (asked at the URI the newest base
 *     backup records), or null
 * @param lagProblem why the lag could not be measured against the database, or null
 */
record PitrStatus(
    String log,
    int objects,
    String newest,
    Instant newestTime,
    List<Map<String, Object>> bases,
    boolean newestOk,
    LogLag lag,
    String lagProblem) {

  /**
   * Reads the state of {@code archive} with the base backups {@code records} (newest first; those
   * that are no base backup of this log are skipped), and asks the database at the URI the newest
   * base backup records for its current position (the lag); a database that cannot be reached
   * leaves the lag unmeasured with the reason, and the newest segment's age stands for it.
   *
   * @throws IOException if the archive cannot be read
   */
  static PitrStatus of(LogArchive archive, LogProvider provider, List<BackupRecord> records)
      throws IOException {
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
    List<Map<String, Object>> bases = new ArrayList<>();
    boolean newestOk = true;
    boolean first = true;
    for (BackupRecord record : records) {
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
      } catch (IOException e) {
        // a history file to follow a timeline switch needs the key; status runs without one
        base.put("gap", "cannot be checked: " + e.getMessage());
        if (first) {
          newestOk = false;
        }
      }
      first = false;
      bases.add(base);
    }
    LogLag lag = null;
    String lagProblem = null;
    Optional<BackupRecord> newestBase =
        records.stream().filter(r -> provider.recovery(r.manifest()).isPresent()).findFirst();
    if (newestBase.isPresent()) {
      try {
        lag =
            provider.lag(URI.create(newestBase.get().manifest().sourceUri()), archive).orElse(null);
      } catch (IOException | IllegalArgumentException e) {
        lagProblem = e.getMessage();
      }
    }
    return new PitrStatus(
        archive.log(), names.size(), newestName, newest, bases, newestOk, lag, lagProblem);
  }

  /**
   * The lag against the live database in words: the bytes behind and both positions, or why it
   * could not be measured; empty when the log's provider cannot tell.
   */
  Optional<String> lagText() {
    if (lag != null) {
      return Optional.of(
          "behind the server by "
              + Format.bytes(lag.bytes())
              + " (archived up to "
              + lag.archivedPosition()
              + ", server at "
              + lag.serverPosition()
              + ")");
    }
    return Optional.ofNullable(lagProblem).map(p -> "lag against the server unknown: " + p);
  }

  /** The earliest time any base backup recovers to without a gap. */
  Optional<Instant> earliest() {
    return bases.stream()
        .filter(b -> b.containsKey("from"))
        .map(b -> Instant.parse((String) b.get("from")))
        .min(Instant::compareTo);
  }

  /** The latest time any base backup recovers to without a gap. */
  Optional<Instant> latest() {
    return bases.stream()
        .filter(b -> b.containsKey("to"))
        .map(b -> Instant.parse((String) b.get("to")))
        .max(Instant::compareTo);
  }

  /** The age of the newest archived segment at {@code now}: the RPO of point-in-time recovery. */
  Optional<Duration> rpo(Instant now) {
    return Optional.ofNullable(newestTime)
        .map(t -> Duration.between(t, now))
        .map(d -> d.isNegative() ? Duration.ZERO : d);
  }

  /** A JSON-compatible map of this state at {@code now}. */
  Map<String, Object> toMap(Instant now) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("log", log);
    map.put("objects", objects);
    map.put("newest", newest);
    map.put("newestTime", newestTime == null ? null : newestTime.toString());
    map.put("rpoSeconds", rpo(now).map(Duration::toSeconds).orElse(null));
    map.put("earliestRecoverable", earliest().map(Instant::toString).orElse(null));
    map.put("latestRecoverable", latest().map(Instant::toString).orElse(null));
    map.put("newestBaseRollsForward", newestOk);
    map.put("serverPosition", lag == null ? null : lag.serverPosition());
    map.put("archivedPosition", lag == null ? null : lag.archivedPosition());
    map.put("lagBytes", lag == null ? null : lag.bytes());
    if (lagProblem != null) {
      map.put("lagProblem", lagProblem);
    }
    return map;
  }
}
