package io.biowerk.dr.redis;

import static com.google.common.base.Preconditions.checkArgument;

import io.biowerk.dr.core.AbstractPendingWrite;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.TargetNotEmptyException;
import io.biowerk.dr.core.io.BufferPipe;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Redis server as an online restore target: {@code
 * redis://[user:password@]host:port[?options]} or {@code rediss://}. The RDB is parsed as it
 * streams in and every key becomes a pipelined {@code RESTORE key <expiry-ms> <payload> REPLACE
 * ABSTTL [IDLETIME s | FREQ f]}, the payload rebuilt from the RDB value bytes (type byte + value +
 * RDB version + CRC-64, exactly what {@code DUMP} returns); function libraries go through one
 * {@code FUNCTION RESTORE}. Keys already expired are skipped.
 *
 * <p>Options: {@code db-map=0:1,2:3} (restore database 0 into 1, 2 into 3; others keep their
 * number), {@code flush=true} ({@code FLUSHALL} and {@code FUNCTION FLUSH} first), {@code timeout},
 * {@code batch} (commands per pipeline round trip, default 1000), {@code tls-ca} (as for {@link
 * RedisSource}).
 *
 * <p>The target must be empty unless {@code force} or {@code flush=true}: otherwise {@link #open}
 * throws {@link TargetNotEmptyException}. With {@code force}, the databases the backup covers are
 * flushed first, so the restore gives exactly the backup's state, not a merge: every database and
 * the functions ({@code FLUSHALL}) for a whole-server snapshot, or, for a {@code mode=scan} backup
 * of some databases or a restore with {@code db-map}, the databases it writes to ({@code FLUSHDB});
 * {@link #effect()} says which. Keys are written while the backup streams (the restore job has
 * checked the stored checksum before the first byte), so an abort part way leaves the keys restored
 * so far; {@code abort()} logs how many. A target whose Redis is older than the backup's RDB
 * version refuses the payloads; the error names both versions.
 */
public final class RedisRestoreTarget implements RestoreTarget {

  private static final Logger LOG = LoggerFactory.getLogger(RedisRestoreTarget.class);
  static final Set<String> OPTIONS = Set.of("db-map", "flush", "timeout", "batch", "tls-ca");

  private final RedisEndpoint endpoint;
  private final boolean force;
  private final boolean flush;
  private final Map<Integer, Integer> dbMap;
  private final int batch;

  private RedisRestoreTarget(RedisEndpoint endpoint, boolean force) {
    this.endpoint = endpoint;
    this.force = force;
    this.flush = endpoint.flag("flush");
    this.dbMap = parseDbMap(endpoint.option("db-map").orElse(""));
    this.batch = Integer.parseInt(endpoint.option("batch").orElse("1000"));
    checkArgument(batch > 0, "redis: option batch (%s) must be positive", batch);
    endpoint.timeout();
  }

  /**
   * A target for {@code uri}.
   *
   * @param force whether a server that already holds keys may be restored into: the databases the
   *     backup covers are flushed first
   * @throws IllegalArgumentException if the URI or an option is malformed
   */
  public static RedisRestoreTarget of(URI uri, boolean force) {
    return new RedisRestoreTarget(RedisEndpoint.parse(uri, OPTIONS), force);
  }

  // StringSplitter: a trailing comma ("0:1,") is dropped, as it always was.
  @SuppressWarnings("StringSplitter")
  private static Map<Integer, Integer> parseDbMap(String text) {
    Map<Integer, Integer> map = new HashMap<>();
    if (text.isEmpty()) {
      return map;
    }
    for (String pair : text.split(",")) {
      String[] parts = pair.split(":", -1);
      try {
        checkArgument(
            parts.length == 2,
            "redis: option db-map (%s) must be from:to pairs, e.g. 0:1,2:3",
            text);
        int from = Integer.parseInt(parts[0].trim());
        int to = Integer.parseInt(parts[1].trim());
        checkArgument(
            from >= 0 && to >= 0,
            "redis: option db-map (%s) may not hold negative databases",
            text);
        map.put(from, to);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "redis: option db-map (" + text + ") must be from:to pairs, e.g. 0:1");
      }
    }
    return map;
  }

  /**
   * Connects and checks the target; with {@code flush=true}, empties it.
   *
   * @throws TargetNotEmptyException if the server holds keys or functions and neither force nor
   *     flush was asked
   * @throws IOException if the server cannot be reached or refuses the credentials
   */
  @Override
  public PendingWrite open(BackupManifest manifest) throws IOException {
    checkArgument(
        manifest.format().equals("rdb"),
        "redis: backup %s is a %s backup, not an RDB snapshot",
        manifest.id(),
        manifest.format());
    RespConnection c = RespConnection.open(endpoint);
    try {
      String version = c.info("server").getOrDefault("redis_version", "unknown");
      Map<Integer, Long> keyspace = c.keyspace();
      long functions = 0;
      Object listed = c.call("FUNCTION", "LIST");
      if (listed instanceof java.util.List<?> libraries) {
        functions = libraries.size();
      }
      long keys = keyspace.values().stream().mapToLong(Long::longValue).sum();
      if ((keys > 0 || functions > 0) && !force && !flush) {
        throw new TargetNotEmptyException(
            "redis: restore target "
                + endpoint.redacted()
                + " is not empty ("
                + keys
                + " keys in "
                + keyspace.keySet().stream().map(db -> "db" + db).collect(Collectors.joining(","))
                + (functions > 0 ? ", " + functions + " function libraries" : "")
                + "); restore into an empty server, "
                + "add ?flush=true to empty it first (FLUSHALL), or --force to flush the databases the"
                + " backup covers and restore exactly its state",
            endpoint.redacted());
      }
      if (flush) {
        LOG.warn(
            "redis: flushing {} before the restore ({} keys, {} function libraries)",
            endpoint.redacted(),
            keys,
            functions);
        c.callOk("FLUSHALL");
        if (functions > 0) {
          c.callOk("FUNCTION", "FLUSH"); // only servers with functions (7.0+) know the command
        }
        effect =
            "flushed the whole server first (FLUSHALL, ?flush=true): it holds exactly the backup";
      } else if (force && (keys > 0 || functions > 0)) {
        effect = flushCovered(c, manifest, keyspace, functions);
      } else {
        effect = null;
      }
      LOG.info("redis: {}", effect == null ? "the target was empty" : effect);
      return new Write(c, manifest, version);
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** What the last {@link #open} did to the keys the server held. */
  private volatile String effect;

  /**
   * {@inheritDoc}
   *
   * <p>With force over a server that held keys: which databases were flushed first.
   */
  @Override
  public java.util.Optional<String> effect() {
    return java.util.Optional.ofNullable(effect);
  }

  /**
   * Empties what the backup covers, so the restore gives exactly its state, not a merge: a snapshot
   * of the whole server (no {@code db} option in its source URI) without {@code db-map} covers
   * every database and the functions ({@code FLUSHALL}, {@code FUNCTION FLUSH}); a {@code
   * mode=scan} backup of some databases, or any backup restored with {@code db-map}, covers the
   * databases it writes to ({@code FLUSHDB} in each, after the map). Other databases are left
   * alone.
   */
  private String flushCovered(
      RespConnection c, BackupManifest manifest, Map<Integer, Long> keyspace, long functions)
      throws IOException {
    java.util.SortedSet<Integer> covered = new java.util.TreeSet<>();
    String dbOption = sourceDbOption(manifest.sourceUri());
    if (dbOption == null && dbMap.isEmpty()) {
      LOG.warn("redis: --force: flushing {} (FLUSHALL) before the restore", endpoint.redacted());
      c.callOk("FLUSHALL");
      if (functions > 0) {
        c.callOk("FUNCTION", "FLUSH");
      }
      return "--force: flushed every database first (FLUSHALL"
          + (functions > 0 ? ", FUNCTION FLUSH" : "")
          + "; the backup is a snapshot of the whole server), so the server holds exactly the"
          + " backup";
    }
    if (dbOption != null) {
      for (String db : dbOption.split(",", -1)) {
        if (!db.isBlank()) {
          covered.add(Integer.parseInt(db.trim()));
        }
      }
    } else if (manifest.facts().get("keys") instanceof Map<?, ?> perDb) {
      for (Object db : perDb.keySet()) {
        covered.add(Integer.parseInt(db.toString()));
      }
    }
    java.util.SortedSet<Integer> targets = new java.util.TreeSet<>();
    for (int db : covered) {
      targets.add(dbMap.getOrDefault(db, db));
    }
    for (int db : targets) {
      c.callOk("SELECT", Integer.toString(db));
      c.callOk("FLUSHDB");
    }
    c.callOk("SELECT", "0");
    java.util.Set<Integer> untouched = new java.util.TreeSet<>(keyspace.keySet());
    untouched.removeAll(targets);
    return "--force: flushed the database(s) the backup covers first ("
        + targets.stream().map(db -> "db" + db).collect(Collectors.joining(","))
        + ", FLUSHDB), so they hold exactly the backup"
        + (untouched.isEmpty()
            ? ""
            : "; other databases were left as they were ("
                + untouched.stream().map(db -> "db" + db).collect(Collectors.joining(","))
                + ")");
  }

  /** The {@code db} option of a redis source URI recorded in a manifest, or null. */
  static String sourceDbOption(String sourceUri) {
    try {
      String query = URI.create(sourceUri).getRawQuery();
      if (query == null) {
        return null;
      }
      for (String pair : query.split("&", -1)) {
        if (pair.startsWith("db=")) {
          return java.net.URLDecoder.decode(pair.substring(3), StandardCharsets.UTF_8);
        }
      }
      return null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return endpoint.redacted();
  }

  /** The restore of one backup: a parser thread turns the streamed RDB into pipelined RESTOREs. */
  private final class Write extends AbstractPendingWrite {
    private final RespConnection c;
    private final BackupManifest manifest;
    private final String targetVersion;
    private final BufferPipe pipe;
    private final Thread thread;
    private volatile Throwable failure;
    private volatile long restored;
    private volatile long expired;
    private int functions;

    Write(RespConnection c, BackupManifest manifest, String targetVersion) {
      this.c = c;
      this.manifest = manifest;
      this.targetVersion = targetVersion;
      this.pipe =
          new BufferPipe("redis: the restore into " + endpoint.redacted(), 8, 256 * 1024, false);
      // Not a daemon: publish ends the stream, discard cancels it and closes the connection.
      this.thread = new Thread(this::run, "biowerk-dr-redis-restore-" + manifest.id());
      thread.start();
    }

    private void run() {
      try (InputStream in = pipe.inputStream()) {
        Restorer restorer = new Restorer();
        RdbParser.over(in).parse(restorer);
        restorer.finish();
      } catch (Throwable e) {
        failure = e;
        pipe.cancel(null);
      }
    }

    @Override
    protected int writeOpen(ByteBuffer src) throws IOException {
      failIfFailed();
      int n = src.remaining();
      try {
        pipe.sink().write(src);
      } catch (IOException e) {
        // The parser thread stopped the pipe: its failure is the one to report.
        failIfFailed();
        throw e;
      }
      return n;
    }

    private void failIfFailed() throws IOException {
      Throwable error = failure;
      if (error instanceof IOException io) {
        throw io;
      }
      if (error instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (error != null) {
        throw new IOException(
            "redis: restore into " + endpoint.redacted() + " failed: " + error, error);
      }
    }

    @Override
    protected void publish() throws IOException {
      try {
        pipe.sink().close();
      } catch (IOException e) {
        failIfFailed();
        throw e;
      }
      join();
      failIfFailed();
      c.close();
      LOG.info(
          "redis: restored backup {} into {}: {} keys, {} function libraries, {} keys skipped as expired",
          manifest.id(),
          endpoint.redacted(),
          restored,
          functions,
          expired);
    }

    @Override
    protected void discard() {
      pipe.cancel(null);
      c.close();
      try {
        join();
      } catch (IOException e) {
        LOG.warn("redis: interrupted while aborting the restore into {}", endpoint.redacted());
      }
      if (restored > 0) {
        LOG.warn(
            "redis: restore of backup {} into {} aborted after {} keys were written; the server holds a "
                + "partial dataset (restore again with ?flush=true)",
            manifest.id(),
            endpoint.redacted(),
            restored);
      }
    }

    private void join() throws IOException {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException(
            "redis: interrupted while restoring into " + endpoint.redacted());
      }
    }

    /**
     * Sends RESTOREs in pipelined batches, reading the replies of one batch while the next is being
     * built.
     */
    private final class Restorer implements RdbVisitor {
      private static final String KEY = "RESTORE";
      private final ArrayDeque<String> pending = new ArrayDeque<>();
      private int rdbVersion;
      private int currentDb = -1;
      private int inBatch;
      private byte[] functionPayload = new byte[0];
      private boolean functionsSent;
      private int inFlight;

      @Override
      public void header(int version) {
        rdbVersion = version;
      }

      @Override
      public boolean wantsPayloads() {
        return true;
      }

      @Override
      public void function(byte[] code) {
        // FUNCTION2 record: opcode byte + RDB string; FUNCTION RESTORE takes a sequence of them
        // plus a footer.
        RdbBytes record = new RdbBytes();
        record.u8(Rdb.OPCODE_FUNCTION2);
        record.string(code);
        byte[] bytes = record.toByteArray();
        byte[] joined =
            java.util.Arrays.copyOf(functionPayload, functionPayload.length + bytes.length);
        System.arraycopy(bytes, 0, joined, functionPayload.length, bytes.length);
        functionPayload = joined;
        functions++;
      }

      private void sendFunctions() throws IOException {
        if (functionsSent) {
          return;
        }
        functionsSent = true;
        if (functionPayload.length == 0) {
          return;
        }
        byte[] payload = java.util.Arrays.copyOf(functionPayload, functionPayload.length + 10);
        int n = functionPayload.length;
        payload[n] = (byte) rdbVersion;
        payload[n + 1] = (byte) (rdbVersion >>> 8);
        long crc = Crc64.update(0, payload, 0, n + 2);
        for (int i = 0; i < 8; i++) {
          payload[n + 2 + i] = (byte) (crc >>> (8 * i));
        }
        c.send("FUNCTION", "RESTORE", payload, force || flush ? "REPLACE" : "APPEND");
        pending.add("FUNCTION RESTORE of " + functions + " libraries");
        inBatch++;
      }

      @Override
      public void selectDb(int db) throws IOException {
        sendFunctions();
      }

      // NonAtomicVolatileUpdate: only the restoring thread updates the counts; others only read.
      @SuppressWarnings("NonAtomicVolatileUpdate")
      @Override
      public void key(RdbKey key) throws IOException {
        sendFunctions();
        if (key.expireAtMs() != -1 && key.expireAtMs() <= System.currentTimeMillis()) {
          expired++;
          return;
        }
        int db = dbMap.getOrDefault(key.db(), key.db());
        if (db != currentDb) {
          c.send("SELECT", db);
          pending.add("SELECT " + db);
          inBatch++;
          currentDb = db;
        }
        int args = 6 + (key.idleSeconds() >= 0 || key.freq() >= 0 ? 2 : 0);
        c.sendArrayHeader(args);
        bulk("RESTORE");
        c.writeBulk(key.key(), 0, key.key().length);
        bulk(Long.toString(key.expireAtMs() == -1 ? 0 : key.expireAtMs()));
        c.writeBulk(key.payload(), 0, key.payloadLength());
        bulk("REPLACE");
        bulk("ABSTTL");
        if (key.idleSeconds() >= 0) {
          bulk("IDLETIME");
          bulk(Long.toString(key.idleSeconds()));
        } else if (key.freq() >= 0) {
          bulk("FREQ");
          bulk(Integer.toString(key.freq()));
        }
        pending.add(KEY);
        keyNames.add(key.key().length > 200 ? java.util.Arrays.copyOf(key.key(), 200) : key.key());
        keyDbs.add(db);
        inBatch++;
        if (inBatch >= batch) {
          endBatch();
        }
      }

      private final ArrayDeque<byte[]> keyNames = new ArrayDeque<>();
      private final ArrayDeque<Integer> keyDbs = new ArrayDeque<>();

      private void bulk(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        c.writeBulk(bytes, 0, bytes.length);
      }

      /**
       * Sends the batch, then reads the replies of the batch before it, so one batch is always in
       * flight.
       */
      private void endBatch() throws IOException {
        c.flush();
        readReplies(inFlight);
        inFlight = inBatch;
        inBatch = 0;
      }

      void finish() throws IOException {
        sendFunctions();
        c.flush();
        readReplies(inFlight + inBatch);
        inFlight = 0;
        inBatch = 0;
      }

      // NonAtomicVolatileUpdate: only the restoring thread updates the counts; others only read.
      // ReferenceEquality: KEY is a marker queued by identity, never a text compared by value.
      @SuppressWarnings({"NonAtomicVolatileUpdate", "ReferenceEquality"})
      private void readReplies(int n) throws IOException {
        for (int i = 0; i < n; i++) {
          Object reply = c.read();
          String what = pending.poll();
          if (what == KEY) {
            byte[] name = keyNames.poll();
            int db = keyDbs.poll();
            if (reply instanceof RespConnection.ErrorReply error) {
              throw restoreFailed(
                  error.text(),
                  "RESTORE of key '"
                      + new String(name, StandardCharsets.UTF_8)
                      + "' into db "
                      + db);
            }
            restored++;
          } else if (reply instanceof RespConnection.ErrorReply error) {
            throw restoreFailed(error.text(), what);
          }
        }
      }

      private IOException restoreFailed(String error, String what) {
        if (error.contains("payload version or checksum are wrong")) {
          int readable = Rdb.versionOf(targetVersion);
          return new RedisCommandException(
              "redis: "
                  + endpoint.redacted()
                  + " (Redis "
                  + targetVersion
                  + (readable > 0 ? ", RDB version " + readable : "")
                  + ") refused a payload of RDB version "
                  + rdbVersion
                  + " ("
                  + error
                  + "): the backup was taken from a newer Redis than the target; restore into Redis of "
                  + "at least the backup's version ("
                  + manifest.facts().getOrDefault("serverVersion", "?")
                  + "), or use the offline dump.rdb restore on such a server",
              error);
        }
        if (error.startsWith("ERR Library") && error.contains("already exists")) {
          return new RedisCommandException(
              "redis: "
                  + endpoint.redacted()
                  + " refused "
                  + what
                  + ": "
                  + error
                  + "; restore with force or ?flush=true to replace the library",
              error);
        }
        return new RedisCommandException(
            "redis: " + endpoint.redacted() + " refused " + what + ": " + error, error);
      }
    }
  }
}
