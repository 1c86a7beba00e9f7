package io.biowerk.dr.redis;

import static com.google.common.base.Preconditions.checkArgument;

import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceFailedException;
import io.biowerk.dr.core.SourceStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Redis server as a backup source: {@code redis://[user:password@]host:port[?options]}, or {@code
 * rediss://} for TLS. Produces an RDB snapshot (format {@code rdb}) in one of two modes.
 *
 * <ul>
 *   <li>{@code mode=sync} (default): the server's own point-in-time snapshot over the replication
 *       protocol. The source announces itself as a replica ({@code REPLCONF capa eof capa psync2},
 *       {@code REPLCONF rdb-only 1}), asks for a full resync ({@code PSYNC ? -1}, or {@code SYNC}
 *       on servers without PSYNC), and streams the RDB into the pipeline as it arrives, in both
 *       transfer forms ({@code $<length>} from disk, {@code $EOF:<mark>} diskless), skipping the
 *       newline keep-alives the server sends while it forks. A parser runs over the bytes on the
 *       way through: the stream ends only after the last record parsed and the CRC-64 trailer
 *       matched, so a server that dies mid-transfer or a damaged snapshot fails the backup and
 *       nothing is committed.
 *   <li>{@code mode=scan}: for servers that refuse SYNC/PSYNC (managed Redis): {@code SCAN} +
 *       {@code DUMP} + {@code PTTL} per key, pipelined, written as an RDB stream of the same format
 *       (the payloads' RDB version, aux fields, {@code SELECTDB}, {@code RESIZEDB} from {@code INFO
 *       keyspace}, expiries, each payload's CRC checked, function libraries from {@code FUNCTION
 *       DUMP}). Not a point-in-time snapshot: keys written during the scan may or may not be in it;
 *       the manifest says so.
 *   <li>{@code mode=auto}: sync, falling back to scan only when the server refuses both PSYNC and
 *       SYNC.
 * </ul>
 *
 * <p>Other options: {@code name} (repository name, default {@code redis}), {@code db} (scan mode: a
 * comma-separated list of databases, default all), {@code timeout} (socket read timeout, default
 * {@code 60s}), {@code scan-count} (SCAN COUNT, default 1000), {@code tls-ca} (with {@code
 * rediss://}: a PEM file of CA certificates to trust instead of the JDK's; the server's name is
 * always checked).
 *
 * <p>Why a hand-written replication reader and parser rather than {@code
 * com.moilioncircle:redis-replicator}: the protocol part is a handful of lines, neither Jedis nor
 * Lettuce exposes the raw stream, and our own parser streams in constant memory, computes the CRC
 * in bulk, and names key and byte offset in every error; a dependency of that size would buy
 * nothing we need.
 *
 * <p>Immutable and thread-safe; every {@link #open()} is a new run on a new connection. The
 * password never appears in {@link #toString()}, messages or the manifest.
 */
public final class RedisSource implements Source {

  private static final Logger LOG = LoggerFactory.getLogger(RedisSource.class);
  static final Set<String> OPTIONS =
      Set.of("name", "mode", "db", "timeout", "scan-count", "tls-ca");
  private static final Pattern NAME = Pattern.compile("[a-z0-9_-]+");

  private final RedisEndpoint endpoint;
  private final String name;
  private final String mode;
  private final List<Integer> dbs;
  private final int scanCount;

  // StringSplitter: a trailing comma in ?db=0,1, is dropped, as it always was.
  @SuppressWarnings("StringSplitter")
  private RedisSource(RedisEndpoint endpoint) {
    this.endpoint = endpoint;
    this.name = endpoint.option("name").orElse("redis");
    checkArgument(
        NAME.matcher(name).matches(),
        "redis: option name (%s) may hold only a-z, 0-9, - and _",
        name);
    this.mode = endpoint.option("mode").orElse("sync");
    checkArgument(
        Set.of("sync", "scan", "auto").contains(mode),
        "redis: option mode (%s) must be sync, scan or auto",
        mode);
    List<Integer> selected = new ArrayList<>();
    endpoint
        .option("db")
        .ifPresent(
            list -> {
              checkArgument(
                  !mode.equals("sync"),
                  "redis: option db selects databases only in mode=scan; a sync snapshot "
                      + "always holds every database (restore can pick with ?db-map=)");
              for (String part : list.split(",")) {
                try {
                  selected.add(Integer.parseInt(part.trim()));
                } catch (NumberFormatException e) {
                  throw new IllegalArgumentException(
                      "redis: option db (" + list + ") must be database numbers, e.g. 0,1");
                }
              }
            });
    this.dbs = List.copyOf(selected);
    this.scanCount = Integer.parseInt(endpoint.option("scan-count").orElse("1000"));
    checkArgument(scanCount > 0, "redis: option scan-count (%s) must be positive", scanCount);
    endpoint.timeout();
  }

  /**
   * A source for {@code uri}.
   *
   * @throws IllegalArgumentException if the URI or an option is malformed; the message names it
   */
  public static RedisSource of(URI uri) {
    return new RedisSource(RedisEndpoint.parse(uri, OPTIONS));
  }

  @Override
  public String kind() {
    return "redis";
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String format() {
    return "rdb";
  }

  /** The URI without password or options, as the manifest records it. */
  public String redactedUri() {
    return endpoint.redacted();
  }

  /**
   * Connects, authenticates, and starts the snapshot.
   *
   * @throws SourceFailedException if the server cannot be reached, refuses the credentials, or (in
   *     {@code mode=sync}) refuses both PSYNC and SYNC
   */
  @Override
  public SourceStream open() throws IOException {
    RespConnection connection;
    try {
      connection = RespConnection.open(endpoint);
    } catch (IOException e) {
      throw new SourceFailedException(
          e.getMessage(),
          endpoint.redacted(),
          e instanceof RedisCommandException c ? c.reply() : "",
          e);
    }
    try {
      Map<String, String> server = connection.info("server");
      Map<Integer, Long> keyspace = connection.keyspace();
      Map<String, Object> facts = new LinkedHashMap<>();
      String version = server.getOrDefault("redis_version", "unknown");
      facts.put("serverVersion", version);
      facts.put("redisMode", server.getOrDefault("redis_mode", "standalone"));
      if (!mode.equals("scan")) {
        Handshake handshake = startReplication(connection, facts);
        String refusal = handshake.refusal();
        if (refusal == null) {
          return sync(connection, facts, handshake);
        }
        if (mode.equals("sync")) {
          throw new SourceFailedException(
              "redis: "
                  + endpoint.address()
                  + " refused PSYNC and SYNC ("
                  + refusal
                  + "); this server does not allow replication (managed Redis often does not). Use ?mode=scan for a "
                  + "SCAN/DUMP backup (not a point-in-time snapshot), or ?mode=auto to fall back to it",
              endpoint.redacted(),
              refusal);
        }
        LOG.warn(
            "redis: {} refused PSYNC and SYNC ({}); mode=auto falls back to SCAN/DUMP, which is not a "
                + "point-in-time snapshot",
            endpoint.redacted(),
            refusal);
        connection.close();
        connection = RespConnection.open(endpoint);
      }
      return scan(connection, facts, version, keyspace);
    } catch (IOException | RuntimeException e) {
      connection.close();
      if (e instanceof SourceFailedException) {
        throw e;
      }
      throw new SourceFailedException(
          e.getMessage() != null && e.getMessage().startsWith("redis: ")
              ? e.getMessage()
              : "redis: backup of " + endpoint.redacted() + " cannot start: " + e,
          endpoint.redacted(),
          e instanceof RedisCommandException c ? c.reply() : "",
          e);
    }
  }

  // ---- sync mode ----

  /** The server's refusal, or the transfer it announced: a length, or a 40-byte end mark. */
  // ArrayRecordComponent: mark is read once, by this class; handshakes are never compared.
  @SuppressWarnings("ArrayRecordComponent")
  private record Handshake(String refusal, long length, byte[] mark) {}

  /** Announces a replica and asks for a full resync. */
  private Handshake startReplication(RespConnection c, Map<String, Object> facts)
      throws IOException {
    Object capa = c.call("REPLCONF", "capa", "eof", "capa", "psync2");
    if (capa instanceof RespConnection.ErrorReply error) {
      return new Handshake("REPLCONF: " + error.text(), 0, null);
    }
    // Redis 7.0+: no replication stream after the RDB; older servers answer an error, which changes
    // nothing.
    c.call("REPLCONF", "rdb-only", "1");
    c.send("PSYNC", "?", "-1");
    c.flush();
    String line = replicationLine(c);
    if (line.startsWith("+FULLRESYNC")) {
      String[] parts = line.split(" ", -1);
      if (parts.length >= 3) {
        facts.put("replicationId", parts[1]);
        facts.put("replicationOffset", Long.parseLong(parts[2]));
      }
      line = replicationLine(c);
    } else if (line.startsWith("-")) {
      String psyncError = line.substring(1);
      c.send("SYNC");
      c.flush();
      line = replicationLine(c);
      if (line.startsWith("-")) {
        return new Handshake("PSYNC: " + psyncError + "; SYNC: " + line.substring(1), 0, null);
      }
      facts.put("replicationCommand", "SYNC");
    } else {
      throw new IOException(
          "redis: "
              + endpoint.address()
              + " answered PSYNC with '"
              + abbreviate(line)
              + "' instead of +FULLRESYNC");
    }
    if (line.startsWith("-")) {
      throw new RedisCommandException(
          "redis: " + endpoint.address() + " failed to produce a snapshot: " + line.substring(1),
          line.substring(1));
    }
    if (!line.startsWith("$")) {
      throw new IOException(
          "redis: "
              + endpoint.address()
              + " sent '"
              + abbreviate(line)
              + "' where the snapshot length belongs");
    }
    if (line.startsWith("$EOF:")) {
      byte[] mark = line.substring(5).getBytes(StandardCharsets.ISO_8859_1);
      if (mark.length != 40) {
        throw new IOException(
            "redis: "
                + endpoint.address()
                + " sent a diskless end mark of "
                + mark.length
                + " bytes, not 40");
      }
      facts.put("transfer", "diskless");
      return new Handshake(null, -1, mark);
    }
    facts.put("transfer", "disk");
    return new Handshake(null, Long.parseLong(line.substring(1)), null);
  }

  /**
   * The next line of the replication handshake, past the bare newlines the server sends as
   * keep-alives.
   */
  private static String replicationLine(RespConnection c) throws IOException {
    InputStream in = c.input();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException(
            "redis: "
                + c.endpoint().address()
                + " closed the connection during the "
                + "replication handshake");
      }
      if (b == '\n') {
        continue;
      }
      return (char) b + c.readLine();
    }
  }

  private SourceStream sync(RespConnection c, Map<String, Object> facts, Handshake handshake) {
    facts.put("mode", "sync");
    facts.put("pointInTime", true);
    long length = handshake.length();
    byte[] mark = handshake.mark();
    String where = endpoint.redacted();
    return new SnapshotStream(
        where,
        c,
        facts,
        // A disk transfer announces the RDB's length; a diskless one does not know it in advance.
        mark == null ? length : -1,
        (pipe, out) -> {
          InputStream transfer =
              mark == null
                  ? new LengthTransfer(c.input(), length, where)
                  : new MarkedTransfer(c.input(), mark, where);
          InputStream tee = new TeeInputStream(transfer, pipe);
          RdbSummary summary = RdbParser.over(tee).parse(RdbVisitor.SUMMARY_ONLY);
          record(out, summary);
          LOG.info(
              "redis: snapshot of {}: RDB v{}, {} keys, {} bytes",
              where,
              summary.version(),
              summary.totalKeys(),
              summary.bytes());
        });
  }

  static void record(Map<String, Object> facts, RdbSummary summary) {
    facts.put("rdbVersion", summary.version());
    Map<String, Object> keys = new TreeMap<>();
    summary.keys().forEach((db, n) -> keys.put(Integer.toString(db), n));
    facts.put("keys", keys);
    Map<String, Object> expires = new TreeMap<>();
    summary.expires().forEach((db, n) -> expires.put(Integer.toString(db), n));
    facts.put("expires", expires);
    facts.put("keyCount", summary.totalKeys());
    facts.put("functions", summary.functions());
    facts.put("modules", List.copyOf(summary.modules()));
    facts.put("rdbChecksum", Crc64.hex(summary.checksum()));
  }

  // ---- scan mode ----

  private SourceStream scan(
      RespConnection c, Map<String, Object> facts, String version, Map<Integer, Long> keyspace) {
    facts.put("mode", "scan");
    facts.put("pointInTime", false);
    facts.put(
        "note",
        "SCAN/DUMP backup: keys changed while it ran may be in their old or new state or missing; "
            + "not a point-in-time snapshot");
    String where = endpoint.redacted();
    return new SnapshotStream(
        where,
        c,
        facts,
        -1,
        (pipe, out) -> {
          RdbSummary summary =
              new ScanWriter(c, where, scanCount).write(pipe, version, keyspace, dbs);
          record(out, summary);
          LOG.info(
              "redis: SCAN backup of {}: RDB v{}, {} keys, {} bytes",
              where,
              summary.version(),
              summary.totalKeys(),
              summary.bytes());
        });
  }

  @Override
  public String toString() {
    return endpoint.redacted() + (mode.equals("sync") ? "" : " (mode=" + mode + ")");
  }

  private static String abbreviate(String line) {
    return line.length() > 80 ? line.substring(0, 80) + "..." : line;
  }

  /** The {@code $<length>} transfer: exactly that many bytes. */
  private static final class LengthTransfer extends InputStream {
    private final InputStream in;
    private final long length;
    private final String where;
    private long remaining;

    LengthTransfer(InputStream in, long length, String where) {
      this.in = in;
      this.length = length;
      this.remaining = length;
      this.where = where;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining == 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n < 0) {
        throw new SourceFailedException(
            "redis: "
                + where
                + " closed the connection after "
                + (length - remaining)
                + " of "
                + length
                + " snapshot bytes (server stopped or killed?); nothing was kept",
            where,
            "");
      }
      remaining -= n;
      return n;
    }
  }

  /**
   * The diskless {@code $EOF:<mark>} transfer: bytes up to the 40-byte mark, which is held back.
   */
  private static final class MarkedTransfer extends InputStream {
    private static final int MARK = 40;
    private final InputStream in;
    private final byte[] mark;
    private final String where;
    private final byte[] buf = new byte[256 * 1024];
    private int start;
    private int end;
    private boolean done;
    private long delivered;

    MarkedTransfer(InputStream in, byte[] mark, String where) {
      this.in = in;
      this.mark = mark;
      this.where = where;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      while (!done && end - start <= MARK) {
        if (start > 0) {
          System.arraycopy(buf, start, buf, 0, end - start);
          end -= start;
          start = 0;
        }
        int n = in.read(buf, end, buf.length - end);
        if (n < 0) {
          throw new SourceFailedException(
              "redis: "
                  + where
                  + " closed the connection after about "
                  + delivered
                  + " snapshot bytes, before the end mark (server stopped or killed?); nothing was kept",
              where,
              "");
        }
        end += n;
        if (end - start >= MARK && java.util.Arrays.equals(buf, end - MARK, end, mark, 0, MARK)) {
          done = true;
          end -= MARK;
        }
      }
      int available = end - start - (done ? 0 : MARK);
      if (available <= 0) {
        return -1;
      }
      int n = Math.min(len, available);
      System.arraycopy(buf, start, b, off, n);
      start += n;
      delivered += n;
      return n;
    }
  }

  /** Passes every byte read on to the pipe. */
  private static final class TeeInputStream extends InputStream {
    private final InputStream in;
    private final OutputStream out;

    TeeInputStream(InputStream in, OutputStream out) {
      this.in = in;
      this.out = out;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        out.write(b, off, n);
      }
      return n;
    }
  }
}
