package io.biowerk.dr.mongo;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import io.biowerk.dr.core.SourceFailedException;
import io.biowerk.dr.core.SourceStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dump run: the archive's bytes as a channel, produced by {@code jobs} threads that each read
 * one collection at a time and frame its documents into segments, which the reading thread copies
 * out in the order they were finished (segments of different collections interleave, as mongodump's
 * do).
 *
 * <p>Memory is bounded whatever the collection sizes: at most {@link #QUEUED_BYTES} of framed
 * segments wait (one larger segment may pass alone), and each job holds one driver batch sized to
 * about {@link #BATCH_BYTES}. Documents are the driver's raw bytes, handed from the batch to the
 * channel without a copy or a decode.
 */
final class DumpStream implements SourceStream {

  private static final Logger log = LoggerFactory.getLogger(DumpStream.class);

  static final int SEGMENT_BYTES = 1 << 20;
  static final int BATCH_BYTES = 2 << 20;
  static final int QUEUED_BYTES = 8 << 20;
  private static final ByteBuffer[] END = new ByteBuffer[0];
  private static final String TOOL_VERSION = "biowerk-dr 0.1.0";
  private static final JsonWriterSettings CANONICAL =
      JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();

  /** What to dump of one collection. */
  private record Planned(PreludeEntry entry, String readFrom) {}

  private final MongoUri uri;
  private final MongoClient client;
  private final int jobs;
  private final List<Planned> plan;
  private final BsonTimestamp oplogStart;
  private final LinkedBlockingQueue<ByteBuffer[]> queue = new LinkedBlockingQueue<>();
  private final Semaphore queued = new Semaphore(QUEUED_BYTES);
  private final Map<String, Object> facts = new LinkedHashMap<>();
  private final Map<String, Long> counts = new TreeMap<>();
  private final Thread coordinator;
  private volatile IOException failure;
  private volatile boolean closed;
  private volatile long expected = -1;
  private ExecutorService pool;

  private ByteBuffer[] current;
  private int index;
  private int currentPermits;
  private boolean finished;

  private DumpStream(
      MongoUri uri,
      MongoClient client,
      int jobs,
      List<Planned> plan,
      BsonTimestamp oplogStart,
      Map<String, Object> startFacts) {
    this.uri = uri;
    this.client = client;
    this.jobs = jobs;
    this.plan = plan;
    this.oplogStart = oplogStart;
    facts.putAll(startFacts);
    this.coordinator = new Thread(this::run, "mongodb-dump");
    coordinator.setDaemon(true);
  }

  static DumpStream start(
      MongoUri uri, int jobs, boolean oplog, boolean users, NamespaceFilter filter)
      throws IOException {
    MongoClient client = Clients.open(uri, true);
    try {
      Map<String, Object> facts = new LinkedHashMap<>();
      MongoDatabase admin = client.getDatabase("admin");
      BsonDocument hello =
          command(uri, admin, new BsonDocument("isMaster", new BsonInt32(1)), "connecting");
      checkNotMongos(hello, uri);
      BsonDocument build =
          command(uri, admin, new BsonDocument("buildInfo", new BsonInt32(1)), "reading buildInfo");
      String version = build.getString("version", new BsonString("unknown")).getValue();
      facts.put("serverVersion", version);
      facts.put("topology", hello.containsKey("setName") ? "replicaSet" : "standalone");
      if (hello.containsKey("setName")) {
        facts.put("replicaSet", hello.getString("setName").getValue());
      }
      BsonTimestamp oplogStart = null;
      if (oplog) {
        oplogStart = newestOplogEntry(uri, client);
        facts.put("oplogStart", timestamp(oplogStart));
      }
      List<Planned> plan = plan(uri, client, filter, users);
      facts.put(
          "databases",
          plan.stream().map(p -> p.entry().namespace().db()).distinct().sorted().toList());
      DumpStream stream = new DumpStream(uri, client, jobs, plan, oplogStart, facts);
      stream.expected = dataSize(client, plan);
      List<PreludeEntry> prelude = new ArrayList<>();
      plan.forEach(p -> prelude.add(p.entry()));
      if (oplog) {
        prelude.add(new PreludeEntry(Namespace.OPLOG, "", "collection"));
      }
      stream.putHead(version, prelude);
      stream.coordinator.start();
      return stream;
    } catch (IOException | RuntimeException e) {
      client.close();
      throw e;
    }
  }

  /** Refuses a mongos: a dump through it is not consistent across shards. */
  static void checkNotMongos(BsonDocument hello, MongoUri uri) throws SourceFailedException {
    if (hello.containsKey("msg")
        && hello.get("msg").isString()
        && hello.getString("msg").getValue().equals("isdbgrid")) {
      throw new SourceFailedException(
          MongoSource.COMPONENT
              + ": "
              + uri
              + " is a mongos of a sharded cluster, "
              + "which this source does not back up (a dump through mongos is not consistent across shards): back up "
              + "each shard's replica set and the config server replica set with their own mongodb:// URIs, with the "
              + "balancer stopped, or use a tool made for sharded clusters (Percona Backup for MongoDB)",
          uri.toString(),
          "isdbgrid");
    }
  }

  private static BsonDocument command(
      MongoUri uri, MongoDatabase db, BsonDocument command, String doing)
      throws SourceFailedException {
    try {
      return db.runCommand(command, BsonDocument.class);
    } catch (MongoException e) {
      throw new SourceFailedException(
          MongoErrors.describe(MongoSource.COMPONENT, uri, doing, e),
          uri.toString(),
          e.getClass().getSimpleName(),
          MongoErrors.isConnection(e) ? null : e);
    }
  }

  private static BsonTimestamp newestOplogEntry(MongoUri uri, MongoClient client)
      throws SourceFailedException {
    try {
      MongoCollection<RawBsonDocument> oplog =
          client.getDatabase("local").getCollection("oplog.rs", RawBsonDocument.class);
      RawBsonDocument newest = oplog.find().sort(Sorts.descending("$natural")).limit(1).first();
      if (newest == null) {
        throw new SourceFailedException(
            MongoSource.COMPONENT
                + ": oplog=true but "
                + uri
                + " has no oplog "
                + "entries (local.oplog.rs is missing or empty): oplog=true needs a replica set member; start mongod "
                + "with --replSet (a one-member set will do) or drop oplog=true",
            uri.toString(),
            "no oplog");
      }
      return newest.getTimestamp("ts");
    } catch (MongoException e) {
      throw new SourceFailedException(
          MongoErrors.describe(MongoSource.COMPONENT, uri, "reading the oplog", e),
          uri.toString(),
          e.getClass().getSimpleName(),
          MongoErrors.isConnection(e) ? null : e);
    }
  }

  /**
   * The {@code admin} collections a full mongodump writes for users and roles ({@code
   * system.version} holds the auth schema version mongorestore checks); dumped with {@code
   * users=true}, whatever include/exclude say.
   */
  static final List<String> AUTH_COLLECTIONS =
      List.of("system.roles", "system.users", "system.version");

  /**
   * Whether a collection is dumped: not {@code admin}, {@code config} or {@code system.*} ones,
   * except the users and roles with {@code users}; the others as the filter says.
   */
  static boolean dumps(Namespace ns, boolean users, NamespaceFilter filter) {
    if (users && ns.db().equals("admin") && AUTH_COLLECTIONS.contains(ns.collection())) {
      return true;
    }
    boolean system =
        ns.collection().startsWith("system.")
            || ns.db().equals("admin")
            || ns.db().equals("config")
            || ns.db().equals("local");
    return !system && filter.takes(ns);
  }

  /** Lists the collections to dump with their options and indexes, in name order. */
  private static List<Planned> plan(
      MongoUri uri, MongoClient client, NamespaceFilter filter, boolean users)
      throws SourceFailedException {
    List<Planned> plan = new ArrayList<>();
    String doing = "listing databases and collections";
    try {
      List<String> dbs = new ArrayList<>();
      client.listDatabaseNames().into(dbs);
      dbs.sort(null);
      for (String db : dbs) {
        if (db.equals("local")) {
          continue;
        }
        MongoDatabase database = client.getDatabase(db);
        List<BsonDocument> collections = new ArrayList<>();
        database.listCollections(BsonDocument.class).into(collections);
        collections.sort(
            (a, b) -> a.getString("name").getValue().compareTo(b.getString("name").getValue()));
        for (BsonDocument info : collections) {
          String name = info.getString("name").getValue();
          String type = info.getString("type", new BsonString("collection")).getValue();
          Namespace ns = new Namespace(db, name);
          if (!dumps(ns, users, filter)) {
            continue;
          }
          BsonDocument options = info.getDocument("options", new BsonDocument());
          BsonArray indexes = new BsonArray();
          String readFrom = type.equals("timeseries") ? "system.buckets." + name : name;
          if (!type.equals("view")) {
            for (BsonDocument index :
                database.getCollection(readFrom).listIndexes(BsonDocument.class)) {
              indexes.add(index);
            }
          }
          BsonDocument metadata =
              new BsonDocument()
                  .append("options", options)
                  .append("indexes", indexes)
                  .append("uuid", new BsonString(uuid(info)))
                  .append("collectionName", new BsonString(name))
                  .append("type", new BsonString(type));
          plan.add(new Planned(new PreludeEntry(ns, metadata.toJson(CANONICAL), type), readFrom));
        }
      }
      return plan;
    } catch (MongoException e) {
      throw new SourceFailedException(
          MongoErrors.describe(MongoSource.COMPONENT, uri, doing, e),
          uri.toString(),
          e.getClass().getSimpleName(),
          MongoErrors.isConnection(e) ? null : e);
    }
  }

  /**
   * The collection's uuid as mongodump writes it, 32 hex digits; empty where the server reports
   * none.
   */
  private static String uuid(BsonDocument info) {
    BsonValue v = info.getDocument("info", new BsonDocument()).get("uuid");
    if (v == null || !v.isBinary()) {
      return "";
    }
    StringBuilder hex = new StringBuilder();
    for (byte b : v.asBinary().getData()) {
      hex.append(String.format("%02x", b));
    }
    return hex.toString();
  }

  static Map<String, Object> timestamp(BsonTimestamp ts) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("t", (long) ts.getTime());
    m.put("i", (long) ts.getInc());
    return m;
  }

  private void putHead(String version, List<PreludeEntry> prelude) throws IOException {
    java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
    ArchiveWriter writer = new ArchiveWriter(java.nio.channels.Channels.newChannel(head));
    writer.writeHeader(jobs, version, TOOL_VERSION);
    writer.writePrelude(prelude);
    ByteBuffer[] chunk = {ByteBuffer.wrap(head.toByteArray())};
    // The first chunk: the permits are all free (a head larger than QUEUED_BYTES takes them all).
    queued.acquireUninterruptibly(permits(chunk[0].remaining()));
    queue.add(chunk);
  }

  /** The coordinator: runs the collection jobs, then the oplog slice, then ends the stream. */
  private void run() {
    pool =
        Executors.newFixedThreadPool(
            jobs,
            new java.util.concurrent.ThreadFactory() {
              private final AtomicInteger n = new AtomicInteger();

              @Override
              public Thread newThread(Runnable r) {
                Thread t = new Thread(r, "mongodb-dump-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
              }
            });
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (Planned p : plan) {
        futures.add(
            pool.submit(
                () -> {
                  dumpCollection(p);
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          throw e.getCause();
        }
      }
      if (oplogStart != null) {
        dumpOplog();
      }
      synchronized (facts) {
        facts.put("collections", new TreeMap<>(counts));
      }
      queue.put(END);
    } catch (Throwable t) {
      fail(t);
    } finally {
      pool.shutdownNow();
    }
  }

  private void dumpCollection(Planned p) throws IOException, InterruptedException {
    Namespace ns = p.entry().namespace();
    NamespaceEncoder encoder = new NamespaceEncoder(ns);
    if (!p.entry().isView()) {
      MongoDatabase db = client.getDatabase(ns.db());
      MongoCollection<RawBsonDocument> collection =
          db.getCollection(p.readFrom(), RawBsonDocument.class);
      String doing = "reading " + ns;
      try (MongoCursor<RawBsonDocument> cursor =
          collection.find().batchSize(batchSize(db, p.readFrom())).cursor()) {
        List<ByteBuffer> segment = new ArrayList<>();
        long bytes = 0;
        while (cursor.hasNext()) {
          // The raw document's own array, not a copy: the segment holds it until the reader has
          // copied it out.
          ByteBuffer doc = cursor.next().getByteBuffer().asNIO();
          segment.add(doc);
          bytes += doc.remaining();
          if (bytes >= SEGMENT_BYTES) {
            put(encoder.segment(segment));
            segment = new ArrayList<>();
            bytes = 0;
          }
        }
        if (!segment.isEmpty()) {
          put(encoder.segment(segment));
        }
        if (!exists(db, p.readFrom())) {
          throw dropped(ns, encoder.count(), null);
        }
      } catch (MongoException e) {
        if (closed) {
          throw new InterruptedIOException("cancelled");
        }
        if (MongoErrors.isDropped(e)) {
          throw dropped(ns, encoder.count(), e);
        }
        throw new SourceFailedException(
            MongoErrors.describe(
                MongoSource.COMPONENT, uri, doing + " after " + encoder.count() + " documents", e),
            uri.toString(),
            e.getClass().getSimpleName(),
            MongoErrors.isConnection(e) ? null : e);
      }
    }
    put(encoder.end());
    synchronized (counts) {
      counts.put(ns.toString(), encoder.count());
    }
    log.debug("dumped {}: {} documents, {} bytes", ns, encoder.count(), encoder.bytes());
  }

  private SourceFailedException dropped(Namespace ns, long count, MongoException cause) {
    return new SourceFailedException(
        MongoSource.COMPONENT
            + ": collection "
            + ns
            + " was dropped during the dump "
            + "(after "
            + count
            + " documents were read): the archive would not be consistent; run the backup again, "
            + "or exclude the collection with exclude="
            + ns,
        uri.toString(),
        "dropped",
        cause);
  }

  private static boolean exists(MongoDatabase db, String collection) {
    for (String name : db.listCollectionNames()) {
      if (name.equals(collection)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Documents per batch so that a batch is about {@link #BATCH_BYTES}, from the average document
   * size.
   */
  private static int batchSize(MongoDatabase db, String collection) {
    try {
      BsonDocument stats =
          db.runCommand(
              new BsonDocument("collStats", new BsonString(collection)), BsonDocument.class);
      BsonValue avg = stats.get("avgObjSize");
      if (avg != null && avg.isNumber() && avg.asNumber().doubleValue() > 0) {
        return (int) Math.max(1, Math.min(10_000, BATCH_BYTES / avg.asNumber().doubleValue()));
      }
    } catch (MongoException e) {
      // collStats is deprecated on newer servers and absent on some: fall back to a small batch.
    }
    return 100;
  }

  private void dumpOplog() throws IOException, InterruptedException {
    MongoCollection<RawBsonDocument> oplog =
        client.getDatabase("local").getCollection("oplog.rs", RawBsonDocument.class);
    BsonTimestamp end = newestOplogEntry(uri, client);
    NamespaceEncoder encoder = new NamespaceEncoder(Namespace.OPLOG);
    try (MongoCursor<RawBsonDocument> cursor =
        oplog
            .find(Filters.and(Filters.gte("ts", oplogStart), Filters.lte("ts", end)))
            .sort(Sorts.ascending("$natural"))
            .batchSize(1000)
            .cursor()) {
      List<ByteBuffer> segment = new ArrayList<>();
      long bytes = 0;
      boolean first = true;
      while (cursor.hasNext()) {
        RawBsonDocument entry = cursor.next();
        if (first && !entry.getTimestamp("ts").equals(oplogStart)) {
          throw new SourceFailedException(
              MongoSource.COMPONENT
                  + ": the oplog rolled over during the dump: its "
                  + "oldest entry is now past the dump's start "
                  + oplogStart
                  + ", so the archive cannot be made "
                  + "consistent; enlarge the oplog (replSetResizeOplog) or dump faster (more jobs, fewer collections), "
                  + "then run the backup again",
              uri.toString(),
              "oplog rolled over");
        }
        first = false;
        ByteBuffer doc = entry.getByteBuffer().asNIO();
        segment.add(doc);
        bytes += doc.remaining();
        if (bytes >= SEGMENT_BYTES) {
          put(encoder.segment(segment));
          segment = new ArrayList<>();
          bytes = 0;
        }
      }
      if (!segment.isEmpty()) {
        put(encoder.segment(segment));
      }
    } catch (MongoException e) {
      throw new SourceFailedException(
          MongoErrors.describe(MongoSource.COMPONENT, uri, "reading the oplog slice", e),
          uri.toString(),
          e.getClass().getSimpleName(),
          MongoErrors.isConnection(e) ? null : e);
    }
    put(encoder.end());
    synchronized (facts) {
      facts.put("oplogEnd", timestamp(end));
      // The core log SPI's mark of a base backup its log rolls forward (restore --target-time).
      facts.put("log", OplogProvider.LOG);
      facts.put("oplogEntries", encoder.count());
    }
  }

  private void put(ByteBuffer[] chunk) throws InterruptedException {
    long bytes = 0;
    for (ByteBuffer b : chunk) {
      bytes += b.remaining();
    }
    queued.acquire(permits(bytes));
    queue.put(chunk);
  }

  private static int permits(long bytes) {
    return (int) Math.max(1, Math.min(bytes, QUEUED_BYTES));
  }

  private void fail(Throwable t) {
    if (closed) {
      return;
    }
    IOException e =
        t instanceof IOException io
            ? io
            : new SourceFailedException(
                MongoSource.COMPONENT + ": the dump failed: " + t,
                uri.toString(),
                t.getClass().getSimpleName(),
                t);
    if (failure == null) {
      failure = e;
    }
    log.warn("{}", e.getMessage());
    queue.add(END);
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    int n = 0;
    while (dst.hasRemaining()) {
      if (current == null) {
        if (finished) {
          break;
        }
        if (n > 0 && queue.isEmpty()) {
          break;
        }
        ByteBuffer[] next = take();
        if (next == END) {
          finished = true;
          if (failure != null) {
            throw failure;
          }
          break;
        }
        current = next;
        index = 0;
        long bytes = 0;
        for (ByteBuffer b : next) {
          bytes += b.remaining();
        }
        currentPermits = permits(bytes);
      }
      ByteBuffer part = current[index];
      int chunk = Math.min(part.remaining(), dst.remaining());
      ByteBuffer slice = part.slice();
      slice.limit(chunk);
      dst.put(slice);
      part.position(part.position() + chunk);
      n += chunk;
      while (index < current.length && !current[index].hasRemaining()) {
        current[index] = null; // the document may be collected
        index++;
      }
      if (index == current.length) {
        queued.release(currentPermits);
        current = null;
      }
    }
    return n == 0 && finished ? -1 : n;
  }

  private ByteBuffer[] take() throws IOException {
    try {
      while (true) {
        if (closed) {
          throw new AsynchronousCloseException();
        }
        IOException f = failure;
        if (f != null) {
          finished = true;
          throw f;
        }
        ByteBuffer[] next = queue.poll(100, TimeUnit.MILLISECONDS);
        if (next != null) {
          return next;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("mongodb source: interrupted while waiting for the dump");
    }
  }

  @Override
  public boolean isOpen() {
    return !closed;
  }

  @Override
  public Map<String, Object> facts() {
    synchronized (facts) {
      return new LinkedHashMap<>(facts);
    }
  }

  /**
   * The planned collections' data sizes ({@code collStats} {@code size}, uncompressed BSON), the
   * progress total; -1 when the server answers none of them (views and servers without {@code
   * collStats} add nothing). An estimate: the archive adds headers and metadata, and documents
   * written during the dump change it.
   */
  @Override
  public long expectedSize() {
    return expected;
  }

  private static long dataSize(MongoClient client, List<Planned> plan) {
    long total = 0;
    boolean any = false;
    for (Planned p : plan) {
      if (p.entry().type().equals("view")) {
        continue;
      }
      try {
        BsonDocument stats =
            client
                .getDatabase(p.entry().namespace().db())
                .runCommand(
                    new BsonDocument("collStats", new BsonString(p.readFrom())),
                    BsonDocument.class);
        BsonValue size = stats.get("size");
        if (size != null && size.isNumber()) {
          total += size.asNumber().longValue();
          any = true;
        }
      } catch (MongoException e) {
        // collStats is deprecated on newer servers and absent on some: no total from this one.
      }
    }
    return any ? total : -1;
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    boolean complete = finished && failure == null;
    closed = true;
    if (!complete) {
      coordinator.interrupt();
      ExecutorService p = pool;
      if (p != null) {
        p.shutdownNow();
      }
    }
    try {
      client.close();
    } finally {
      queue.clear();
      try {
        coordinator.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (finished && failure != null) {
      throw failure;
    }
  }
}
