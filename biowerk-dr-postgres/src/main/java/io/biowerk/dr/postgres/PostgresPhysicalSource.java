package io.biowerk.dr.postgres;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole PostgreSQL cluster as a physical backup source: {@code pg_basebackup -D - -Ft -X none -c
 * fast} streamed from its stdout into the pipeline with no local copy. The stored bytes are the tar
 * pg_basebackup writes (format {@value #FORMAT}), {@code backup_manifest} included as its last
 * member, so an operator can decode, untar and run {@code pg_verifybackup} with no tool of ours.
 * The WAL the backup needs is not in it ({@code -X none}): it comes from the WAL archive ({@code
 * wal-push} or {@code wal-receive}), which point-in-time recovery replays from the backup's start.
 *
 * <p>URI: {@code postgresql://user@host:port/dbname?mode=physical}, where the user has the
 * REPLICATION attribute (or is a superuser) and {@code pg_hba.conf} allows it a replication
 * connection. Options: {@code name} (the repository name, {@code postgres} by default; the WAL must
 * be archived under the same name), {@code pg-basebackup=/path} (the tool or its directory), {@code
 * archive-check=false} (skip the check that {@code archive_mode} is on, for a cluster whose WAL
 * only a receiver streams).
 *
 * <p>The manifest records the server version, system identifier, timeline, start and stop LSN, the
 * first and last WAL segment the backup needs, the WAL segment size, and when it started and ended
 * by the server's clock. A cluster with tablespaces besides {@code pg_default} and {@code
 * pg_global} is refused: pg_basebackup writes one tar per tablespace and only one can go to stdout.
 * Immutable and thread-safe.
 */
public final class PostgresPhysicalSource implements Source {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresPhysicalSource.class);

  /** The format name: a tar as {@code pg_basebackup -Ft} writes it. */
  public static final String FORMAT = "pgbase";

  /** The URI options a physical source understands. */
  static final Set<String> OPTIONS =
      Set.of("mode", "name", "pg-basebackup", "archive-check", "archive-timeout");

  private static final Pattern WAL_RANGE =
      Pattern.compile(
          "\"Timeline\"\\s*:\\s*(\\d+)\\s*,\\s*\"Start-LSN\"\\s*:\\s*\"([0-9A-Fa-f/]+)\"\\s*,"
              + "\\s*\"End-LSN\"\\s*:\\s*\"([0-9A-Fa-f/]+)\"");
  private static final Pattern START =
      Pattern.compile("START WAL LOCATION: ([0-9A-Fa-f/]+) \\(file ([0-9A-F]{24})\\)");
  private static final Pattern TIMELINE = Pattern.compile("START TIMELINE: (\\d+)");

  private final PgUri uri;
  private final String uriText;
  private final String name;
  private final Optional<String> tool;
  private final boolean archiveCheck;
  private final int archiveTimeoutSeconds;
  private final PgTools tools;

  PostgresPhysicalSource(PgUri uri, String uriText, PgTools tools) {
    this.uri = requireNonNull(uri, "uri");
    this.uriText = uriText;
    this.name = BackupLayout.checkSourceName(uri.option("name").orElse("postgres"));
    this.tool = uri.option("pg-basebackup");
    this.archiveCheck = uri.flag("archive-check", true);
    this.archiveTimeoutSeconds = uri.intOption("archive-timeout", 60, 1);
    this.tools = tools;
  }

  /**
   * A physical source for {@code uri}.
   *
   * @throws IllegalArgumentException if the URI or an option is malformed; the message names it
   */
  public static PostgresPhysicalSource of(URI uri) {
    PgUri parsed = PgUri.parse(uri, OPTIONS);
    return new PostgresPhysicalSource(
        parsed, PostgresSource.redactedWithOptions(parsed, uri), PgTools.system());
  }

  /** Whether {@code uri} asks for a physical backup ({@code mode=physical}). */
  static boolean isPhysical(URI uri) {
    String query = uri.getRawQuery();
    if (query == null) {
      return false;
    }
    for (String part : query.split("&", -1)) {
      if (part.equalsIgnoreCase("mode=physical")) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String kind() {
    return "postgresql";
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String format() {
    return FORMAT;
  }

  @Override
  public SourceStream open() throws IOException {
    Map<String, Object> facts = new LinkedHashMap<>();
    int versionNum;
    try (Connection c = uri.connect();
        Statement st = c.createStatement()) {
      try (ResultSet rs =
          st.executeQuery(
              "SELECT current_setting('server_version'), current_setting('server_version_num')::int,"
                  + " (SELECT system_identifier FROM pg_control_system()),"
                  + " current_setting('wal_level'), current_setting('archive_mode'),"
                  + " (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'),"
                  + " clock_timestamp(), pg_is_in_recovery(),"
                  + " (SELECT string_agg(spcname, ', ' ORDER BY spcname) FROM pg_tablespace"
                  + "  WHERE spcname NOT IN ('pg_default', 'pg_global'))")) {
        rs.next();
        facts.put("serverVersion", rs.getString(1));
        versionNum = rs.getInt(2);
        facts.put("serverVersionNum", versionNum);
        facts.put("systemIdentifier", rs.getString(3));
        String walLevel = rs.getString(4);
        String archiveMode = rs.getString(5);
        facts.put("walSegmentSize", rs.getLong(6));
        facts.put("startTime", rs.getObject(7, OffsetDateTime.class).toInstant().toString());
        facts.put("fromStandby", rs.getBoolean(8));
        String tablespaces = rs.getString(9);
        if (walLevel.equals("minimal")) {
          throw notSetUp(
              "wal_level is minimal, so the server writes no WAL a base backup can be recovered with;"
                  + " set wal_level = replica (or logical) in postgresql.conf and restart the server");
        }
        if (archiveCheck && archiveMode.equals("off")) {
          throw notSetUp(
              "archive_mode is off, so the WAL this backup needs would not be archived and it could not be"
                  + " recovered; set archive_mode = on and archive_command = 'biowerk-dr wal-push %p ...'"
                  + " (see docs/postgres-pitr.md) and restart, or stream the WAL with 'biowerk-dr"
                  + " wal-receive' and add ?archive-check=false");
        }
        if (tablespaces != null) {
          throw notSetUp(
              "the cluster has tablespaces besides pg_default and pg_global ("
                  + tablespaces
                  + "); pg_basebackup writes one tar per tablespace and only one can be streamed, so"
                  + " physical backups of clusters with tablespaces are not supported yet; take a logical"
                  + " backup (without ?mode=physical) or move the tables to pg_default");
        }
      }
    } catch (SQLException e) {
      PgFailure reason = PgFailure.ofSql(e);
      throw new PostgresSourceException(
          "postgresql: cannot connect to "
              + uriText
              + ": "
              + reason.what()
              + ": "
              + e.getMessage()
              + "; "
              + reason.hint(),
          uriText,
          reason,
          String.valueOf(e.getMessage()),
          e);
    }
    PgTools.Tool found;
    try {
      found = tools.find("pg_basebackup", tool, versionNum, "the server");
    } catch (PgTools.ToolProblem e) {
      throw new PostgresSourceException(e.getMessage(), uriText, PgFailure.TOOL_VERSION, "", null);
    }
    facts.put("pgBasebackupVersion", found.version());
    List<String> command = new ArrayList<>();
    command.add(found.path().toString());
    command.addAll(uri.toolConnectionArgs());
    command.addAll(
        List.of("-D", "-", "-Ft", "-X", "none", "-c", "fast", "-l", "biowerk-dr base backup"));
    LOG.info("postgresql: physical backup of {} with {}", uriText, found);
    ArchiveWatch watch = archiveCheck ? new ArchiveWatch() : null;
    PgProcess process =
        PgProcess.start(
            "pg_basebackup", command, uri.toolEnvironment(System.getenv()), false, true);
    if (watch != null) {
      watch.start(process);
    }
    return new BaseStream(process, facts, watch);
  }

  /**
   * Watches {@code pg_stat_archiver} while pg_basebackup runs, and kills it when archiving keeps
   * failing: with {@code -X none} the server does not end the backup until its last segment is
   * archived.
   */
  private final class ArchiveWatch extends Thread {
    private volatile PgProcess process;
    private volatile boolean done;
    private volatile String failure;

    ArchiveWatch() {
      super("biowerk-dr-archive-watch");
      setDaemon(true);
    }

    void start(PgProcess p) {
      this.process = p;
      start();
    }

    @Override
    public void run() {
      long failingSince = 0;
      try (Connection c = uri.connect();
          Statement st = c.createStatement()) {
        while (!done) {
          try (ResultSet rs =
              st.executeQuery(
                  "SELECT coalesce(last_failed_time > coalesce(last_archived_time, 'epoch'), false),"
                      + " last_failed_wal FROM pg_stat_archiver")) {
            rs.next();
            if (rs.getBoolean(1)) {
              if (failingSince == 0) {
                failingSince = System.nanoTime();
              } else if (System.nanoTime() - failingSince
                  > java.util.concurrent.TimeUnit.SECONDS.toNanos(archiveTimeoutSeconds)) {
                failure =
                    "archive_command has been failing for "
                        + archiveTimeoutSeconds
                        + " s (on "
                        + rs.getString(2)
                        + "), and pg_basebackup waits until the backup's WAL is archived; fix"
                        + " archive_command (the server log says why it fails), or raise"
                        + " ?archive-timeout=SECONDS";
                // watch.failure is the message; pg_basebackup's own error output is not reported
                process.kill();
                return;
              }
            } else {
              failingSince = 0;
            }
          }
          Thread.sleep(500);
        }
      } catch (SQLException | InterruptedException e) {
        LOG.debug("postgresql: archive watch ended: {}", e.toString());
      }
    }

    void finish() {
      done = true;
      interrupt();
    }
  }

  private PostgresSourceException notSetUp(String what) {
    return new PostgresSourceException(
        "postgresql: cannot take a physical backup of " + uriText + ": " + what,
        uriText,
        PgFailure.FAILED,
        what,
        null);
  }

  @Override
  public String toString() {
    return uriText + " (physical)";
  }

  /** Facts learned from the tar's {@code backup_label} and {@code backup_manifest}. */
  static void labelFacts(BaseBackupTap tap, long segmentSize, Map<String, Object> facts)
      throws IOException {
    String label = tap.label().orElse("");
    Matcher start = START.matcher(label);
    Matcher timeline = TIMELINE.matcher(label);
    Matcher range = WAL_RANGE.matcher(tap.manifestTail());
    String lastTimeline = null;
    String endLsn = null;
    while (range.find()) {
      lastTimeline = range.group(1);
      endLsn = range.group(3);
    }
    if (!start.find() || !timeline.find() || endLsn == null) {
      throw new IOException(
          "postgresql: the tar pg_basebackup wrote has no readable backup_label or backup_manifest WAL range"
              + " ("
              + tap.members()
              + " members); the backup cannot be recovered; run it again and report this if it repeats");
    }
    int tli = Integer.parseInt(lastTimeline);
    long stop = PgWal.lsn(endLsn);
    facts.put("timeline", Integer.parseInt(timeline.group(1)));
    facts.put("startLsn", start.group(1));
    facts.put("startWal", start.group(2));
    facts.put("stopLsn", PgWal.lsn(stop));
    facts.put("stopTimeline", tli);
    facts.put("stopWal", PgWal.segmentBefore(tli, stop, segmentSize));
  }

  private final class BaseStream implements SourceStream {
    private final PgProcess process;
    private final ArchiveWatch watch;
    private final InputStream stdout;
    private final Map<String, Object> facts;
    private final BaseBackupTap tap = new BaseBackupTap();
    private final byte[] chunk = new byte[256 * 1024];
    private boolean eof;
    private boolean closed;

    BaseStream(PgProcess process, Map<String, Object> facts, ArchiveWatch watch) {
      this.process = process;
      this.watch = watch;
      this.stdout = process.process().getInputStream();
      this.facts = Collections.synchronizedMap(facts);
    }

    @Override
    public Map<String, Object> facts() {
      synchronized (facts) {
        return new LinkedHashMap<>(facts);
      }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (closed) {
        throw new IllegalStateException("closed");
      }
      if (eof) {
        return -1;
      }
      if (!dst.hasRemaining()) {
        return 0;
      }
      // Copied once, from the pipe's heap buffer into the pipeline's buffer.
      int n = stdout.read(chunk, 0, Math.min(chunk.length, dst.remaining()));
      if (n < 0) {
        eof = true;
        return -1;
      }
      int start = dst.position();
      dst.put(chunk, 0, n);
      tap.accept(dst.duplicate().limit(start + n).position(start));
      return n;
    }

    @Override
    public boolean isOpen() {
      return !closed;
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try {
        if (!eof) {
          // a cancel: nothing of pg_basebackup's is reported, so no reason to wait for its exit
          process.kill();
          LOG.info("postgresql: physical backup of {} cancelled", uriText);
          return;
        }
        int status = process.waitFor();
        String stderr = process.stderr();
        if (watch != null && watch.failure != null) {
          throw new PostgresSourceException(
              "postgresql: physical backup of " + uriText + " stopped: " + watch.failure,
              uriText,
              PgFailure.FAILED,
              watch.failure,
              null);
        }
        if (status != 0) {
          PgFailure reason = PgFailure.ofTool(status, stderr);
          throw new PostgresSourceException(
              "postgresql: pg_basebackup of "
                  + uriText
                  + " failed (exit status "
                  + status
                  + "): "
                  + reason.what()
                  + ": "
                  + stderr
                  + "; "
                  + reason.hint(),
              uriText,
              reason,
              stderr,
              null);
        }
        if (!tap.sawManifest()) {
          throw new PostgresSourceException(
              "postgresql: pg_basebackup of "
                  + uriText
                  + " wrote no backup_manifest; use pg_basebackup 13 or later",
              uriText,
              PgFailure.TOOL_VERSION,
              stderr,
              null);
        }
        long segmentSize = ((Number) facts.get("walSegmentSize")).longValue();
        labelFacts(tap, segmentSize, facts);
        try (Connection c = uri.connect();
            Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("SELECT clock_timestamp()")) {
          rs.next();
          facts.put("stopTime", rs.getObject(1, OffsetDateTime.class).toInstant().toString());
        } catch (SQLException e) {
          // The end time by this host's clock: later than the server's end, so recovery targets
          // stay safe.
          facts.put("stopTime", Instant.now().toString());
        }
        facts.put("tablespaces", List.of("pg_default", "pg_global"));
        facts.put("log", PgWalLog.LOG);
        LOG.info(
            "postgresql: physical backup of {} finished: WAL {} .. {}",
            uriText,
            facts.get("startWal"),
            facts.get("stopWal"));
      } finally {
        if (watch != null) {
          watch.finish();
        }
        stdout.close();
      }
    }
  }
}
