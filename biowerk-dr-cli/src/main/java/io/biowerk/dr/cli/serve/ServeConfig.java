package io.biowerk.dr.cli.serve;

import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.retention.GfsPolicy;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The configuration of {@code biowerk-dr serve}, as {@link ConfigReader} reads it from one YAML
 * file: the HTTP listener, the repositories, the keys and, per source, its URI, schedules,
 * retention and recovery objectives. Immutable; secrets are held only as {@link Secret references}.
 *
 * @param file the file it was read from
 * @param server the listener and the service's own limits
 * @param repositories the repositories every backup goes to; reads use the first
 * @param keys the key ring and the rotation reminder
 * @param sources the sources, in file order
 * @param streams the continuous log streams (WAL, oplog), in file order
 */
public record ServeConfig(
    Path file,
    Server server,
    List<URI> repositories,
    Keys keys,
    List<SourceConfig> sources,
    List<StreamConfig> streams) {

  public ServeConfig {
    repositories = List.copyOf(repositories);
    sources = List.copyOf(sources);
    streams = List.copyOf(streams);
  }

  /** The source named {@code name}. */
  public Optional<SourceConfig> source(String name) {
    return sources.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /**
   * The HTTP listener and the service's limits.
   *
   * @param host the address to bind ({@code 127.0.0.1} by default)
   * @param port the port ({@code 8090}, the plan's; 0 picks a free one)
   * @param tokenFile the file holding the bearer token for mutating requests; required off loopback
   * @param maxConcurrentJobs how many jobs run at once across all sources
   * @param shutdownGrace how long a SIGTERM waits for running jobs before aborting them
   * @param leaseTtl how long a repository lease lasts without renewal before another instance may
   *     break it
   * @param drillReportDir where drills write their reports
   * @param drillSchedule when the service runs the DR drill itself, if it does
   * @param drillRules the alert rules file a scheduled drill loads
   */
  public record Server(
      String host,
      int port,
      Optional<Path> tokenFile,
      int maxConcurrentJobs,
      Duration shutdownGrace,
      Duration leaseTtl,
      Path drillReportDir,
      Optional<Schedule> drillSchedule,
      Optional<Path> drillRules) {

    /** Whether {@link #host} is a loopback address (then no token is needed). */
    public boolean loopback() {
      try {
        for (InetAddress address : InetAddress.getAllByName(host)) {
          if (!address.isLoopbackAddress()) {
            return false;
          }
        }
        return true;
      } catch (UnknownHostException e) {
        return false;
      }
    }
  }

  /**
   * The keys.
   *
   * @param file the key file (mode 0600) holding the active key; empty for the CLI's defaults
   * @param rotation how old the active key may get before rotation is due (90 days, the plan's)
   * @param reminder when the service checks the active key's age and logs a reminder when rotation
   *     is due within {@link #REMIND_BEFORE} or overdue (a {@code key-reminder} job)
   */
  public record Keys(Optional<Path> file, Duration rotation, Optional<Schedule> reminder) {

    /** How long before the rotation period ends the reminder (and KeyRotationDue) start. */
    public static final Duration REMIND_BEFORE = Duration.ofDays(10);
  }

  /**
   * A retention policy of the plan's grandfather-father-son kind.
   *
   * @param last keep the N newest
   * @param daily keep the newest of each of N days
   * @param weekly keep the newest of each of N ISO weeks
   * @param monthly keep the newest of each of N months
   * @param yearly keep the newest of each of N years
   * @param within keep every backup younger than this
   * @param logWindow the point-in-time window of the source's archived WAL/oplog: kept are the
   *     segments from the newest kept base backup that ended before {@code now - logWindow}
   *     onwards, plus what each older kept base backup needs ({@link
   *     io.biowerk.dr.core.log.LogRetention})
   */
  public record Retention(
      int last,
      int daily,
      int weekly,
      int monthly,
      int yearly,
      Optional<Duration> within,
      Duration logWindow) {

    /** The plan's: 30 daily, 12 weekly, 12 monthly, and a 7-day point-in-time window. */
    public static final Retention PLAN =
        new Retention(
            0, 30, 12, 12, 0, Optional.empty(), io.biowerk.dr.core.log.LogRetention.DEFAULT_WINDOW);

    /** Checks that {@code within} and {@code logWindow} are given. */
    public Retention {
      java.util.Objects.requireNonNull(within, "within");
      java.util.Objects.requireNonNull(logWindow, "logWindow");
    }

    /** As a policy. */
    public GfsPolicy policy() {
      GfsPolicy.Builder builder =
          GfsPolicy.builder()
              .keepLast(last)
              .keepDaily(daily)
              .keepWeekly(weekly)
              .keepMonthly(monthly)
              .keepYearly(yearly);
      within.ifPresent(builder::keepWithin);
      return builder.build();
    }

    @Override
    public String toString() {
      return policy() + "; log window " + shortly(logWindow);
    }

    /** {@code 7d}, {@code 36h}, {@code 90m}, else ISO-8601: the config's own grammar. */
    private static String shortly(Duration d) {
      if (d.toSecondsPart() == 0 && d.toNanosPart() == 0) {
        if (d.toDaysPart() > 0 && d.toHoursPart() == 0 && d.toMinutesPart() == 0) {
          return d.toDays() + "d";
        }
        if (d.toMinutesPart() == 0) {
          return d.toHours() + "h";
        }
        return d.toMinutes() + "m";
      }
      return d.toString();
    }
  }

  /**
   * A scheduled check of a source's newest backup.
   *
   * @param schedule when it runs
   * @param level how deeply it verifies
   * @param options options for the native verifier (a restore test's {@code scratch-uri})
   */
  public record Check(Schedule schedule, VerificationLevel level, Map<String, String> options) {
    public Check {
      options = Map.copyOf(options);
    }
  }

  /**
   * One source.
   *
   * @param name the name backups are filed under; also the key in the file and the path in the HTTP
   *     API
   * @param uri the source URI, with no password in it
   * @param password the password, by reference, put into the URI's user info when a job runs
   * @param backup when full backups run
   * @param retention what prune keeps after each backup
   * @param verify the scheduled verification, if any
   * @param restoreTest the scheduled restore test, if any
   * @param rpo the recovery point objective
   * @param rto the recovery time objective
   * @param grace how late a scheduled backup may be before it counts as missing
   * @param retries how many times a failed job is tried again
   * @param retryBackoff the wait before the first retry; doubled for each next one
   * @param timeout how long one attempt may run before it is aborted
   * @param compression {@code zstd:LEVEL} or {@code none}
   * @param encrypt whether backups are encrypted with the active key
   */
  public record SourceConfig(
      String name,
      URI uri,
      Optional<Secret> password,
      Schedule backup,
      Retention retention,
      Optional<Check> verify,
      Optional<Check> restoreTest,
      Duration rpo,
      Duration rto,
      Duration grace,
      int retries,
      Duration retryBackoff,
      Duration timeout,
      String compression,
      boolean encrypt) {}

  /**
   * A continuous log stream of one source: its log (PostgreSQL's {@code wal}, MongoDB's {@code
   * oplog}) archived under the source's name, so point-in-time recovery rolls the source's base
   * backups forward with it. The service watches its archive lag and, if {@code run}, runs the
   * log's receiver itself, restarting it with backoff when it fails.
   *
   * @param source the source's name (a key of {@code sources:}); the log is archived under it
   * @param log the log's name, as its provider calls it ({@code wal}, {@code oplog})
   * @param uri the database the receiver reads; empty for the source's own URI (with its password)
   * @param maxLag how old the newest archived change may get before the archive-lag alert fires
   * @param run whether the service runs the receiver (false: something else archives the log, e.g.
   *     PostgreSQL's {@code archive_command} with {@code wal-push}; only the lag is watched)
   * @param restartBackoff the wait before restarting a failed receiver; doubled for each failure in
   *     a row, up to {@code maxBackoff}
   * @param maxBackoff the longest wait between restarts
   */
  public record StreamConfig(
      String source,
      String log,
      Optional<URI> uri,
      Duration maxLag,
      boolean run,
      Duration restartBackoff,
      Duration maxBackoff) {

    /** {@code source/log}, the stream's name in logs, {@code /status} and job ids. */
    public String id() {
      return source + "/" + log;
    }
  }

  /** The default time zone of schedules. */
  public static final ZoneId UTC = ZoneId.of("UTC");
}
