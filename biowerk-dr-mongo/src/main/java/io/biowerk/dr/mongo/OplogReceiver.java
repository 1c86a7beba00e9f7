package io.biowerk.dr.mongo;

import com.mongodb.CursorType;
import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogReceiver;
import io.biowerk.dr.core.log.LogSegment;
import io.biowerk.dr.core.log.RecoveryRangeException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous oplog archiving: tails {@code local.oplog.rs} with a tailable await cursor and stores
 * time- or size-bounded segments ({@code segmentSeconds}, default 10; {@code segmentBytes}, default
 * 16 MiB) in a {@link LogArchive}. It resumes from the last archived entry after a restart or a
 * dropped connection, with no gap and no duplicate: the resumed cursor must start at that very
 * entry (then skipped). When the server's oplog no longer reaches back to it, the receiver fails
 * loudly with a {@link RecoveryRangeException}: point-in-time recovery is broken from there until
 * the next full backup.
 *
 * <p>URI options besides the driver's: {@code name} (the source name, default {@code mongodb}),
 * {@code segmentSeconds}, {@code segmentBytes}. The first run, with an empty archive, starts at the
 * newest oplog entry. {@link #run} blocks until {@link #close()} from another thread, then stores
 * what it holds and returns.
 */
public final class OplogReceiver implements LogReceiver {

  private static final Logger log = LoggerFactory.getLogger(OplogReceiver.class);
  static final String COMPONENT = "mongodb oplog receiver";

  private final MongoUri uri;
  private final String name;
  private final long segmentNanos;
  private final long segmentBytes;
  private volatile boolean closed;
  private boolean ran;

  private OplogReceiver(MongoUri uri) {
    this.uri = uri;
    this.name = uri.option("name").orElse("mongodb");
    BackupLayout.checkSourceName(name);
    this.segmentNanos = TimeUnit.SECONDS.toNanos(uri.positive("segmentSeconds", 10, COMPONENT));
    this.segmentBytes = uri.positive("segmentBytes", 16 << 20, COMPONENT);
  }

  /**
   * A receiver for the server at {@code uri}.
   *
   * @throws IllegalArgumentException if the URI or an option is malformed
   */
  public static OplogReceiver of(URI uri) {
    return new OplogReceiver(MongoUri.parse(uri, COMPONENT));
  }

  @Override
  public String sourceName() {
    return name;
  }

  /**
   * Receives until closed.
   *
   * @throws RecoveryRangeException if the server's oplog no longer holds the entry to resume from
   * @throws IOException if the server refuses (authentication, no oplog) or the archive cannot be
   *     written
   */
  @Override
  public void run(LogArchive archive) throws IOException {
    if (ran) {
      throw new IllegalStateException("a receiver runs once");
    }
    ran = true;
    Optional<BsonTimestamp> resume = lastArchived(archive);
    Segment segment = new Segment(archive);
    long backoffMillis = 500;
    try (MongoClient client = Clients.open(uri, false)) {
      MongoCollection<RawBsonDocument> oplog =
          client.getDatabase("local").getCollection("oplog.rs", RawBsonDocument.class);
      while (!closed) {
        try {
          if (resume.isEmpty()) {
            RawBsonDocument newest =
                oplog.find().sort(Sorts.descending("$natural")).limit(1).first();
            if (newest == null) {
              throw new IOException(
                  COMPONENT
                      + ": "
                      + uri
                      + " has no oplog (local.oplog.rs is missing or "
                      + "empty): oplog archiving needs a replica set member; start mongod with --replSet");
            }
            // The first run starts at the newest entry, which it archives.
            resume = Optional.of(newest.getTimestamp("ts"));
            tail(oplog, resume.get(), false, segment);
          } else {
            tail(oplog, resume.get(), true, segment);
          }
          break;
        } catch (MongoException e) {
          if (!MongoErrors.isConnection(e) || e instanceof com.mongodb.MongoSecurityException) {
            throw new IOException(
                MongoErrors.describe(COMPONENT, uri, "tailing the oplog", e),
                MongoErrors.isConnection(e) ? null : e);
          }
          log.warn(
              "{}; retrying in {} ms",
              MongoErrors.describe(COMPONENT, uri, "tailing the oplog", e),
              backoffMillis);
          segment.store(); // what was received is kept before waiting
          resume = segment.last().or(() -> resume0(archive));
          sleep(backoffMillis);
          backoffMillis = Math.min(backoffMillis * 2, 30_000);
        }
      }
    } finally {
      segment.storeQuietlyOnExit();
    }
  }

  private static Optional<BsonTimestamp> resume0(LogArchive archive) {
    try {
      return lastArchived(archive);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The last entry of the newest segment in the archive. */
  static Optional<BsonTimestamp> lastArchived(LogArchive archive) throws IOException {
    List<String> names = new ArrayList<>(archive.names());
    names.sort(null);
    for (int i = names.size() - 1; i >= 0; i--) {
      Optional<LogSegment> segment = archive.segment(names.get(i));
      if (segment.isPresent()) {
        return Optional.of(OplogProvider.parsePosition(segment.get().lastPosition()));
      }
    }
    return Optional.empty();
  }

  /**
   * Tails from {@code from}; with {@code skipFirst}, that entry must be the first one and is
   * skipped. A tailable await cursor reads until it has nothing new; then a new one resumes from
   * the last entry seen, which must again come first (servers whose tailable cursors do not wait,
   * or end, are served the same way, and a rollover between two cursors is caught like one across
   * restarts).
   */
  private void tail(
      MongoCollection<RawBsonDocument> oplog,
      BsonTimestamp from,
      boolean skipFirst,
      Segment segment)
      throws IOException {
    BsonTimestamp resumeAt = from;
    boolean skip = skipFirst;
    while (!closed) {
      boolean first = true;
      try (MongoCursor<RawBsonDocument> cursor =
          oplog
              .find(Filters.gte("ts", resumeAt))
              .sort(Sorts.ascending("$natural"))
              .cursorType(CursorType.TailableAwait)
              .maxAwaitTime(500, TimeUnit.MILLISECONDS)
              .cursor()) {
        while (!closed) {
          RawBsonDocument entry = cursor.tryNext();
          if (entry == null) {
            if (first) {
              // Nothing at all from the entry to resume from on: the oplog starts after it.
              throw gap(oplog, resumeAt, null);
            }
            break;
          }
          BsonTimestamp ts = entry.getTimestamp("ts");
          if (first) {
            first = false;
            if (!ts.equals(resumeAt)) {
              throw gap(oplog, resumeAt, ts);
            }
            if (skip) {
              segment.seen(ts); // the entry resumed from: the next segment follows it
              continue;
            }
          }
          segment.add(entry);
          resumeAt = ts;
          skip = true;
          if (segment.due(segmentNanos, segmentBytes)) {
            segment.store();
          }
        }
      }
      if (segment.due(segmentNanos, segmentBytes)) {
        segment.store();
      }
      if (!closed) {
        sleep(200);
      }
    }
  }

  private RecoveryRangeException gap(
      MongoCollection<RawBsonDocument> oplog, BsonTimestamp from, BsonTimestamp found) {
    RawBsonDocument oldest = oplog.find().sort(Sorts.ascending("$natural")).limit(1).first();
    String oldestText = oldest == null ? "none" : OplogProvider.position(oldest.getTimestamp("ts"));
    String message =
        COMPONENT
            + ": the server's oplog no longer reaches back to "
            + OplogProvider.position(from)
            + ", the last archived entry (its oldest entry is "
            + oldestText
            + (found == null ? "" : ", the next after it " + OplogProvider.position(found))
            + "): point-in-time recovery is broken "
            + "from there until the next full backup; take a full backup with oplog=true now, enlarge the oplog "
            + "(replSetResizeOplog), then start the receiver again";
    log.error("{}", message);
    return new RecoveryRangeException(message, OplogProvider.name(from));
  }

  private static void sleep(long millis) throws InterruptedIOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(COMPONENT + ": interrupted");
    }
  }

  /** Stops {@link #run}, which stores what it holds and returns. Idempotent. */
  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return COMPONENT + " " + uri + " -> " + name + "/oplog/";
  }

  /**
   * The segment being filled: entries in memory up to {@code segmentBytes}, then a file, then the
   * archive.
   */
  private static final class Segment {
    private final LogArchive archive;
    private final List<ByteBuffer> entries = new ArrayList<>();
    private long bytes;
    private long startedNanos;
    private BsonTimestamp first;
    private BsonTimestamp last;
    private BsonTimestamp lastStored;
    // The last entry received or resumed from before the current segment's first: what it follows.
    private BsonTimestamp seen;
    private BsonTimestamp after;

    Segment(LogArchive archive) {
      this.archive = archive;
    }

    void add(RawBsonDocument entry) {
      BsonTimestamp ts = entry.getTimestamp("ts");
      if (entries.isEmpty()) {
        first = ts;
        after = seen;
        startedNanos = System.nanoTime();
      }
      last = ts;
      seen = ts;
      ByteBuffer b = entry.getByteBuffer().asNIO();
      entries.add(b);
      bytes += b.remaining();
    }

    /** {@code ts} was received (or resumed from) but not added: the next entry follows it. */
    void seen(BsonTimestamp ts) {
      if (entries.isEmpty()) {
        seen = ts;
      }
    }

    Optional<BsonTimestamp> last() {
      return Optional.ofNullable(last != null ? last : lastStored);
    }

    boolean due(long nanos, long maxBytes) {
      return !entries.isEmpty() && (bytes >= maxBytes || System.nanoTime() - startedNanos >= nanos);
    }

    void store() throws IOException {
      if (entries.isEmpty()) {
        return;
      }
      Path file = Files.createTempFile("biowerk-oplog-", ".archive");
      try {
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
          ArchiveWriter writer = new ArchiveWriter(out);
          writer.writeHeader(1, "", "biowerk-dr oplog receiver");
          writer.writePrelude(List.of(new PreludeEntry(Namespace.OPLOG, "", "collection")));
          writer.writeSegment(Namespace.OPLOG, entries);
          writer.endNamespace(Namespace.OPLOG);
          writer.finish();
          out.force(true);
        }
        archive.push(OplogProvider.info(first, last, entries.size(), after), file);
        log.info(
            "{}: stored {} ({} entries, {}..{})",
            COMPONENT,
            OplogProvider.name(first),
            entries.size(),
            OplogProvider.position(first),
            OplogProvider.position(last));
        lastStored = last;
        entries.clear();
        bytes = 0;
        first = null;
        last = null;
        after = null;
      } finally {
        Files.deleteIfExists(file);
      }
    }

    void storeQuietlyOnExit() throws IOException {
      store();
    }
  }
}
