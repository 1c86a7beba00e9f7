package io.biowerk.dr.postgres;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogReceiver;
import io.biowerk.dr.core.log.LogSegmentInfo;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A streaming WAL receiver: a long-running process on PostgreSQL's physical replication protocol
 * (pgjdbc's {@code START_REPLICATION}) that writes the WAL into the {@link LogArchive} as the
 * server produces it, like {@code pg_receivewal} but into the repository. A complete segment is
 * stored as such (the same object {@code wal-push} would store; a segment both store is kept once);
 * the segment being written is stored as {@code <segment>.partial} at every flush interval (default
 * 1 s), so a lost primary loses about that much: each flush stores only what arrived since the last
 * one, as a piece {@code <segment>.partial.<from>-<to>} ({@link LogArchive#storePiece}; every
 * {@value #MAX_PIECES} pieces one flush stores the received part whole and removes them), and the
 * complete segment replaces the pieces.
 *
 * <p>A physical replication slot ({@code ?slot=}, default {@code biowerk_<name>}) makes the server
 * keep the WAL the receiver has not stored; it is created at the first start, when the archive
 * holds no segment yet, and advanced to what is stored (a partial segment included: the server then
 * keeps that whole segment, where a reconnect starts). The partial segment is stored at every flush
 * interval even while data keeps coming, and the stored position is reported to the server as
 * flushed, so {@code pg_stat_replication.flush_lag} is the receiver's loss window. After a network
 * drop or a server restart the receiver reconnects (with a growing pause, up to 30 s) and starts
 * again at the first segment the archive lacks, so no segment is lost or stored twice. If the slot
 * disappears while the archive already holds segments, the receiver stops with a {@link
 * PostgresSourceException}: WAL may have been removed unseen, and a new base backup is needed. Lag
 * (bytes between the server's current position and what is stored) is logged every 10 s.
 *
 * <p>URI: {@code postgresql://user@host:port/dbname?slot=NAME&name=SOURCE&flush-interval=MILLIS},
 * the user with the REPLICATION attribute. One thread runs {@link #run}; {@link #close} may be
 * called from any thread.
 */
final class PgWalReceiver implements LogReceiver {

  private static final Logger LOG = LoggerFactory.getLogger(PgWalReceiver.class);

  static final Set<String> OPTIONS = Set.of("name", "slot", "flush-interval", "create-slot");

  private final PgUri uri;
  private final String uriText;
  private final String name;
  private final String slot;
  private final Duration flushInterval;
  private final Optional<Boolean> createSlot;
  private volatile boolean closed;
  private volatile Connection replication;
  private volatile long storedUpTo;
  private final java.util.concurrent.CountDownLatch stopped =
      new java.util.concurrent.CountDownLatch(1);
  private volatile Thread runner;

  /** How long {@link #close} waits for the running receiver to store its partial segment. */
  static final Duration STOP_GRACE = Duration.ofSeconds(5);

  private PgWalReceiver(PgUri uri, String uriText) {
    this.uri = uri;
    this.uriText = uriText;
    this.name = BackupLayout.checkSourceName(uri.option("name").orElse("postgres"));
    this.slot = uri.option("slot").orElse("biowerk_" + name.replace('-', '_'));
    if (!slot.matches("[a-z0-9_]{1,63}")) {
      throw new IllegalArgumentException(
          "postgresql: option slot (" + slot + ") must be 1-63 lower-case letters, digits or '_'");
    }
    this.flushInterval = Duration.ofMillis(uri.intOption("flush-interval", 1000, 50));
    this.createSlot = uri.option("create-slot").map(v -> uri.flag("create-slot", false));
  }

  /** A receiver for {@code uri}. */
  static PgWalReceiver of(URI uri) {
    PgUri parsed = PgUri.parse(requireNonNull(uri, "uri"), OPTIONS);
    return new PgWalReceiver(parsed, PostgresSource.redactedWithOptions(parsed, uri));
  }

  @Override
  public String sourceName() {
    return name;
  }

  /** The WAL position up to which complete segments are stored (0 before the first). */
  long storedUpTo() {
    return storedUpTo;
  }

  @Override
  public void run(LogArchive archive) throws IOException {
    runner = Thread.currentThread();
    try {
      receive(archive);
    } finally {
      stopped.countDown();
    }
  }

  private void receive(LogArchive archive) throws IOException {
    Duration pause = Duration.ofSeconds(1);
    Path work = Files.createTempDirectory("biowerk-dr-wal-receive-");
    try {
      while (!closed) {
        try {
          session(archive, work);
          pause = Duration.ofSeconds(1);
        } catch (PostgresSourceException e) {
          throw e;
        } catch (SQLException | IOException e) {
          if (closed) {
            break;
          }
          LOG.warn(
              "wal-receive: {}: {}; reconnecting in {} s",
              uriText,
              e.getMessage(),
              pause.toSeconds());
          sleep(pause);
          pause =
              pause.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0
                  ? Duration.ofSeconds(30)
                  : pause.multipliedBy(2);
        }
      }
    } finally {
      try (var files = Files.list(work)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(work);
    }
  }

  private void sleep(Duration pause) throws InterruptedIOException {
    long until = System.nanoTime() + pause.toNanos();
    try {
      while (!closed && System.nanoTime() < until) {
        Thread.sleep(50);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("wal-receive: interrupted");
    }
  }

  private void session(LogArchive archive, Path work) throws SQLException, IOException {
    long segmentSize;
    int timeline;
    long start;
    try (Connection sql = uri.connect();
        Statement st = sql.createStatement()) {
      try (ResultSet rs =
          st.executeQuery(
              "SELECT (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'),"
                  + " (SELECT timeline_id FROM pg_control_checkpoint()), pg_current_wal_lsn()::text")) {
        rs.next();
        segmentSize = rs.getLong(1);
        timeline = rs.getInt(2);
      }
      Optional<Long> restart = slotRestart(sql);
      Optional<String> last = lastSegment(archive, timeline);
      if (restart.isEmpty()) {
        if (last.isPresent() && !createSlot.orElse(false)) {
          throw new PostgresSourceException(
              "postgresql: wal-receive from "
                  + uriText
                  + ": the replication slot '"
                  + slot
                  + "' does not exist although "
                  + archive.prefix()
                  + " holds WAL up to "
                  + last.get()
                  + "; it was dropped, so the server may have removed WAL that was never stored. Take a new"
                  + " base backup, then start the receiver again with ?create-slot=true",
              uriText,
              PgFailure.FAILED,
              "replication slot missing",
              null);
        }
        try (PreparedStatement ps =
            sql.prepareStatement("SELECT pg_create_physical_replication_slot(?, true)")) {
          ps.setString(1, slot);
          ps.execute();
        }
        LOG.info("wal-receive: created the physical replication slot '{}' on {}", slot, uriText);
        restart = slotRestart(sql);
      }
      long slotStart = restart.orElseThrow() / segmentSize * segmentSize;
      if (last.isPresent()) {
        start = PgWal.startOf(last.get(), segmentSize) + segmentSize;
        if (slotStart > start) {
          LOG.warn(
              "wal-receive: the slot '{}' starts at {}, after the archive's end ({}); the segments between are"
                  + " expected from archive_command",
              slot,
              PgWal.lsn(slotStart),
              last.get());
          start = slotStart;
        }
      } else {
        start = slotStart;
      }
    }
    stream(archive, work, segmentSize, timeline, start);
  }

  private Optional<Long> slotRestart(Connection sql) throws SQLException {
    try (PreparedStatement ps =
        sql.prepareStatement(
            "SELECT restart_lsn::text FROM pg_replication_slots WHERE slot_name = ? AND slot_type = 'physical'")) {
      ps.setString(1, slot);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        String lsn = rs.getString(1);
        return Optional.of(lsn == null ? 0L : PgWal.lsn(lsn));
      }
    }
  }

  private static Optional<String> lastSegment(LogArchive archive, int timeline) throws IOException {
    String last = null;
    for (String n : archive.names()) {
      if (PgWal.isSegment(n) && PgWal.timeline(n) == timeline) {
        last = n;
      }
    }
    return Optional.ofNullable(last);
  }

  private void stream(LogArchive archive, Path work, long segmentSize, int timeline, long start)
      throws SQLException, IOException {
    Properties props = new Properties();
    PGProperty.USER.set(props, uri.user());
    uri.password().ifPresent(p -> PGProperty.PASSWORD.set(props, p));
    PGProperty.REPLICATION.set(props, "true");
    PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "9.4");
    PGProperty.PREFER_QUERY_MODE.set(props, "simple");
    PGProperty.APPLICATION_NAME.set(props, "biowerk-dr wal-receive");
    PGProperty.CONNECT_TIMEOUT.set(props, 15);
    String host = uri.host().contains(":") ? "[" + uri.host() + "]" : uri.host();
    Connection connection =
        DriverManager.getConnection(
            "jdbc:postgresql://" + host + ":" + uri.port() + "/postgres", props);
    replication = connection;
    LOG.info(
        "wal-receive: streaming {} from {} on timeline {}", uriText, PgWal.lsn(start), timeline);
    try (connection;
        Connection sql = uri.connect()) {
      PGReplicationStream stream =
          connection
              .unwrap(PGConnection.class)
              .getReplicationAPI()
              .replicationStream()
              .physical()
              .withSlotName(slot)
              .withStartPosition(LogSequenceNumber.valueOf(start))
              .withStatusInterval(1, TimeUnit.SECONDS)
              .start();
      Segment current = new Segment(work, timeline, start / segmentSize, segmentSize);
      long lastFlush = System.nanoTime();
      long lastReport = System.nanoTime();
      try {
        while (!closed) {
          ByteBuffer data = stream.readPending();
          long now = System.nanoTime();
          if (data != null) {
            // For physical replication pgjdbc reports the position after the payload.
            long lsn = stream.getLastReceiveLSN().asLong() - data.remaining();
            while (data.hasRemaining()) {
              long segment = lsn / segmentSize;
              if (segment != current.number) {
                if (segment != current.number + 1 || current.written != segmentSize) {
                  throw new IOException(
                      "wal-receive: the server sent "
                          + PgWal.lsn(lsn)
                          + " while segment "
                          + current.name()
                          + " is incomplete; reconnecting from the archive's end");
                }
                current.close();
                current = new Segment(work, timeline, segment, segmentSize);
              }
              int n = (int) Math.min(data.remaining(), segmentSize - lsn % segmentSize);
              ByteBuffer part = data.slice().limit(n);
              current.write(part, lsn % segmentSize);
              data.position(data.position() + n);
              lsn += n;
              if (current.written == segmentSize) {
                store(archive, current, stream);
              }
            }
          }
          // Checked on every pass, not only when nothing is pending: under a steady write load
          // there is always data, and the partial segment must still reach the repository each
          // interval.
          if (now - lastFlush >= flushInterval.toNanos()) {
            if (current.dirty) {
              storePartial(archive, current, stream);
            }
            lastFlush = now;
          }
          if (data == null) {
            Thread.sleep(10);
          }
          if (now - lastReport >= TimeUnit.SECONDS.toNanos(10)) {
            lastReport = now;
            report(sql, current);
          }
        }
        if (current.dirty) {
          storePartial(archive, current, stream);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        if (current.dirty) {
          storePartial(archive, current, stream);
        }
      } finally {
        current.close();
      }
    } finally {
      replication = null;
    }
  }

  private void report(Connection sql, Segment current) {
    try (Statement st = sql.createStatement();
        ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
      rs.next();
      long server = PgWal.lsn(rs.getString(1));
      long received = current.number * current.size + current.written;
      LOG.info(
          "wal-receive: received up to {}, server at {}, lag {} bytes; complete segments stored up to {}",
          PgWal.lsn(received),
          PgWal.lsn(server),
          Math.max(0, server - received),
          PgWal.lsn(storedUpTo));
    } catch (SQLException e) {
      LOG.info("wal-receive: cannot read the server's position for the lag: {}", e.getMessage());
    }
  }

  private void store(LogArchive archive, Segment segment, PGReplicationStream stream)
      throws IOException, SQLException {
    segment.channel.force(false);
    LogSegmentInfo info = new PgWalLog().describe(segment.name(), segment.file);
    archive.push(info, segment.file);
    // The complete segment replaces its pieces (and an older receiver's single partial object).
    for (String piece : segment.storedPieces(archive)) {
      archive.delete(piece);
    }
    archive.delete(segment.name() + ".partial");
    long end = (segment.number + 1) * segment.size;
    storedUpTo = end;
    stream.setFlushedLSN(LogSequenceNumber.valueOf(end));
    stream.setAppliedLSN(LogSequenceNumber.valueOf(end));
    stream.forceUpdateStatus();
    segment.dirty = false;
  }

  /**
   * How many pieces a partial segment may have before the next flush stores one piece from its
   * start instead, replacing them: a flush stores what arrived since the last one, and every
   * {@value} flushes (while WAL trickles in) one stores the whole received part, so a restore reads
   * a bounded number of objects.
   */
  static final int MAX_PIECES = 32;

  /**
   * Stores what arrived since the last flush as a piece of {@code <segment>.partial} (see {@link
   * LogArchive#storePiece}): the cost of a flush follows what arrived, not the segment's size.
   */
  private void storePartial(LogArchive archive, Segment segment, PGReplicationStream stream)
      throws IOException, SQLException {
    if (segment.written <= segment.piecesEnd) {
      return;
    }
    List<String> pieces = segment.storedPieces(archive);
    if (!segment.legacyRemoved) {
      // an older receiver's single object would be served before the pieces
      archive.delete(segment.name() + ".partial");
      segment.legacyRemoved = true;
    }
    boolean compact = pieces.size() >= MAX_PIECES;
    long from = compact ? 0 : segment.piecesEnd;
    long received = segment.number * segment.size + segment.written;
    LogSegmentInfo described = new PgWalLog().describe(segment.name() + ".partial", segment.file);
    Map<String, Object> facts = new LinkedHashMap<>(described.facts());
    facts.put("receivedUpTo", PgWal.lsn(received));
    String piece =
        archive.storePiece(
            new LogSegmentInfo(
                described.name(),
                PgWal.lsn(segment.number * segment.size + from),
                PgWal.lsn(received),
                described.firstTime(),
                described.lastTime(),
                facts),
            segment.file,
            from,
            segment.written,
            segment.size);
    if (compact) {
      for (String old : pieces) {
        archive.delete(old);
      }
      pieces.clear();
    }
    pieces.add(piece);
    segment.piecesEnd = segment.written;
    segment.dirty = false;
    // What is in the repository, partial segment included, is flushed as far as the server is
    // concerned (its flush_lag measures the loss window). The slot's restart_lsn moves into the
    // current segment, and the server keeps that whole segment, which is where a reconnect starts.
    if (!closed) {
      stream.setFlushedLSN(LogSequenceNumber.valueOf(received));
      stream.setAppliedLSN(LogSequenceNumber.valueOf(received));
      stream.forceUpdateStatus();
    }
  }

  /**
   * Stops the receiver: {@link #run} stores the segment being written as a partial one and returns.
   * When called from another thread, waits up to {@link #STOP_GRACE} for that, and only then closes
   * the replication connection under it (a receiver stuck on the network).
   */
  @Override
  public void close() {
    closed = true;
    Thread running = runner;
    try {
      if (running != null
          && running != Thread.currentThread()
          && !stopped.await(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn(
            "wal-receive: did not finish its flush within {} ms of the stop; closing the connection",
            STOP_GRACE.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Connection c = replication;
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        // closing anyway
      }
    }
  }

  @Override
  public String toString() {
    return "wal-receive " + uriText + " (slot " + slot + ")";
  }

  /** The segment being received, as a zero-filled local file of the segment size. */
  private static final class Segment {
    final long number;
    final long size;
    final int timeline;
    final Path file;
    final FileChannel channel;
    long written;
    boolean dirty;

    /** How far the pieces stored by this receiver reach (bytes from the segment's start). */
    long piecesEnd;

    /** The stored pieces of this segment, this session's and earlier ones'; null until listed. */
    private List<String> pieces;

    /** Whether an older receiver's single {@code .partial} object was removed. */
    boolean legacyRemoved;

    Segment(Path work, int timeline, long number, long size) throws IOException {
      this.number = number;
      this.size = size;
      this.timeline = timeline;
      this.file = work.resolve(PgWal.segmentName(timeline, number, size));
      try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
        raf.setLength(0);
        raf.setLength(size);
      }
      this.channel = FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE);
    }

    String name() {
      return PgWal.segmentName(timeline, number, size);
    }

    /** The stored pieces of this segment (listed once, then kept up to date by the receiver). */
    List<String> storedPieces(LogArchive archive) throws IOException {
      if (pieces == null) {
        pieces = new ArrayList<>(archive.pieces(name() + ".partial"));
      }
      return pieces;
    }

    void write(ByteBuffer data, long offset) throws IOException {
      long at = offset;
      while (data.hasRemaining()) {
        at += channel.write(data, at);
      }
      written = Math.max(written, at);
      dirty = true;
    }

    void close() throws IOException {
      channel.close();
      Files.deleteIfExists(file);
    }
  }
}
