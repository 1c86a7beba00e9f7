package io.biowerk.dr.postgres;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogChain;
import io.biowerk.dr.core.log.LogLag;
import io.biowerk.dr.core.log.LogProvider;
import io.biowerk.dr.core.log.LogReceiver;
import io.biowerk.dr.core.log.LogRecovery;
import io.biowerk.dr.core.log.LogSegment;
import io.biowerk.dr.core.log.LogSegmentInfo;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * PostgreSQL's write-ahead log as a {@link LogProvider}: the log {@value #LOG}, whose segments
 * {@code archive_command} hands to {@code biowerk-dr wal-push %p} and {@code restore_command}
 * fetches with {@code biowerk-dr wal-fetch %f %p}; recovery to a point in time from a physical base
 * backup ({@link PostgresPhysicalSource}). A segment is checked before it is stored: its first page
 * header must name the same timeline and position as its file name; the system identifier it
 * carries is recorded, so segments of another cluster are told apart. Stateless and thread-safe.
 */
public final class PgWalLog implements LogProvider {

  /** The log's name, and the repository folder {@code <source>/wal/}. */
  public static final String LOG = "wal";

  /** Magic numbers of WAL page headers, PostgreSQL 10 to 17; only checked for being a WAL page. */
  private static final int LONG_HEADER = 0x0002;

  private final Clock clock;

  /** The provider ServiceLoader makes. */
  public PgWalLog() {
    this(Clock.systemUTC());
  }

  PgWalLog(Clock clock) {
    this.clock = clock;
  }

  @Override
  public String log() {
    return LOG;
  }

  @Override
  public String displayName() {
    return "WAL";
  }

  @Override
  public String description() {
    return "PostgreSQL's write-ahead log";
  }

  /**
   * PostgreSQL's {@code archive_command} runs {@code wal-push %p}; its {@code restore_command} runs
   * {@code wal-fetch %f "%p"}; the receiver has no hook (it connects as a replication client).
   */
  @Override
  public List<String> hookExamples(String command) {
    return switch (command) {
      case "push" ->
          List.of(
              "As archive_command in postgresql.conf:",
              "  archive_command = 'biowerk-dr wal-push --source orders --repo /backups %p'",
              "  archive_command = 'biowerk-dr wal-push --source orders --async %p'");
      case "fetch" ->
          List.of(
              "As restore_command (biowerk-dr restore writes it itself):",
              "  restore_command = 'biowerk-dr wal-fetch --source orders --repo /backups %f \"%p\"'");
      default -> List.of();
    };
  }

  @Override
  public LogSegmentInfo describe(String name, Path file) throws IOException {
    if (!PgWal.isArchivable(name)) {
      throw new IllegalArgumentException(
          "wal: '"
              + name
              + "' is not a WAL file name (24 hex digits, or a .history, .backup or .partial file);"
              + " archive_command must pass %p of the segment PostgreSQL names");
    }
    Map<String, Object> facts = new LinkedHashMap<>();
    Instant now = clock.instant();
    if (!PgWal.isSegment(name) && !name.endsWith(".partial")) {
      facts.put("kind", PgWal.isHistory(name) ? "history" : "backup-history");
      facts.put("timeline", Integer.parseUnsignedInt(name.substring(0, 8), 16));
      return new LogSegmentInfo(name, "", "", Optional.empty(), Optional.of(now), facts);
    }
    String segment = name.substring(0, 24);
    ByteBuffer header = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
    try (InputStream in = Files.newInputStream(file)) {
      header.put(in.readNBytes(40)).flip();
    }
    if (header.remaining() < 40 || (header.getShort(2) & LONG_HEADER) == 0) {
      throw new IOException(
          "wal: "
              + file
              + " does not start with a WAL segment's long page header; it is not the segment "
              + name
              + " (damaged, or not a WAL file)");
    }
    int timeline = header.getInt(4);
    long pageAddress = header.getLong(8);
    long systemId = header.getLong(24);
    long segmentSize = Integer.toUnsignedLong(header.getInt(32));
    if (segmentSize == 0 || Long.bitCount(segmentSize) != 1) {
      throw new IOException(
          "wal: " + file + " has no valid segment size in its header; it is damaged");
    }
    long start = PgWal.startOf(segment, segmentSize);
    // The first segment of a new timeline starts with a copy of its parent's pages (an older
    // timeline).
    if (Integer.compareUnsigned(timeline, PgWal.timeline(segment)) > 0 || pageAddress != start) {
      throw new IOException(
          "wal: "
              + file
              + " holds timeline "
              + timeline
              + " at "
              + PgWal.lsn(pageAddress)
              + ", not segment "
              + name
              + " (timeline "
              + PgWal.timeline(segment)
              + " at "
              + PgWal.lsn(start)
              + "); the file is not the segment it is named after");
    }
    facts.put("kind", name.endsWith(".partial") ? "partial" : "segment");
    facts.put("timeline", PgWal.timeline(segment));
    facts.put("systemIdentifier", Long.toUnsignedString(systemId));
    facts.put("segmentSize", segmentSize);
    return new LogSegmentInfo(
        name,
        PgWal.lsn(start),
        PgWal.lsn(start + segmentSize),
        Optional.empty(),
        Optional.of(now),
        facts);
  }

  @Override
  public LogReceiver receiver(URI uri) throws IOException {
    return PgWalReceiver.of(uri);
  }

  @Override
  public Optional<LogRecovery> recovery(BackupManifest base) {
    if (base.sourceKind().equals("postgresql")
        && base.format().equals(PostgresPhysicalSource.FORMAT)) {
      return Optional.of(new PgRecovery());
    }
    return Optional.empty();
  }

  /**
   * The server's current WAL position ({@code pg_current_wal_lsn()}, or on a standby the position
   * it received up to) against the end of what {@code archive} holds: the newest complete segment's
   * end, or the receiver's partial segment as far as its pieces join up.
   */
  @Override
  public Optional<LogLag> lag(URI source, LogArchive archive) throws IOException {
    Set<String> options = new HashSet<>();
    if (source.getRawQuery() != null) {
      for (String pair : source.getRawQuery().split("&", -1)) {
        options.add(pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair);
      }
    }
    PgUri uri = PgUri.parse(source, options);
    long server;
    long segmentSize;
    try (Connection sql = uri.connect(uri.database(), LAG_CONNECT_TIMEOUT_SECONDS);
        Statement st = sql.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT (CASE WHEN pg_is_in_recovery()"
                    + " THEN coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())"
                    + " ELSE pg_current_wal_lsn() END)::text,"
                    + " (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size')")) {
      rs.next();
      if (rs.getString(1) == null) {
        throw new SQLException(
            "the server reports no WAL position (a standby that has not replayed)");
      }
      server = PgWal.lsn(rs.getString(1));
      segmentSize = rs.getLong(2);
    } catch (SQLException e) {
      throw new IOException(
          "postgresql: cannot read the WAL position of "
              + PostgresSource.redactedWithOptions(uri, source)
              + ": "
              + e.getMessage()
              + "; check that the server is running and reachable from here (until then the age of"
              + " the newest archived WAL is the only measure of the lag)",
          e);
    }
    List<String> names = archive.names();
    long archived = 0;
    for (String n : names) {
      if (PgWal.isSegment(n)) {
        archived = Math.max(archived, PgWal.startOf(n, segmentSize) + segmentSize);
      } else if (PgWal.isPartialPiece(n)) {
        String segment = n.substring(0, 24);
        archived =
            Math.max(
                archived,
                PgWal.startOf(segment, segmentSize)
                    + LogArchive.piecesCover(segment + ".partial", names));
      } else if (PgWal.isPartial(n)) {
        Optional<LogSegment> partial = archive.segment(n);
        Object received = partial.map(p -> p.manifest().facts().get("receivedUpTo")).orElse(null);
        if (received != null) {
          archived = Math.max(archived, PgWal.lsn(received.toString()));
        }
      }
    }
    return Optional.of(
        new LogLag(PgWal.lsn(server), PgWal.lsn(archived), Math.max(0, server - archived)));
  }

  /** How long {@link #lag} tries to connect before it reports the server unreachable. */
  static final int LAG_CONNECT_TIMEOUT_SECONDS = 5;

  @Override
  public Optional<LogChain> chain() {
    return Optional.of(new PgWalChain());
  }
}
