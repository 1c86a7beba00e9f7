package io.biowerk.dr.mongo;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.ReplaceOptions;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.TargetNotEmptyException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores an archive into a server as an {@link ArchiveReader} parses it, as mongorestore does:
 * collections created with their options (existing ones refused, or dropped when forced), documents
 * inserted in unordered bulk batches by {@code jobs} threads at once, indexes built after the data,
 * views created after their sources, then the archive's oplog slice replayed in order. Namespaces
 * are filtered and renamed by their names in the archive; the {@code admin}, {@code config} and
 * {@code local} databases are never written.
 *
 * <p>Not thread-safe: the parsing thread calls the visitor methods, then {@link #finish()} or
 * {@link #abort()}; the insert threads are its own. Does not close the client.
 */
final class ArchiveRestorer implements ArchiveVisitor {

  private static final Logger log = LoggerFactory.getLogger(ArchiveRestorer.class);
  private static final int BATCH_BYTES = 4 << 20;
  private static final int BATCH_DOCUMENTS = 1000;
  private static final Set<String> SYSTEM_DBS = Set.of("admin", "config", "local");

  /** Restore options. */
  record Options(
      NamespaceFilter filter,
      NamespaceRenamer renamer,
      boolean force,
      int jobs,
      boolean oplogReplay,
      boolean users) {}

  /** Where {@code admin.system.users} and {@code admin.system.roles} go first (mongorestore's). */
  static final Namespace TEMP_USERS = new Namespace("admin", "tempusers");

  static final Namespace TEMP_ROLES = new Namespace("admin", "temproles");

  /** Where one archive namespace goes. */
  private static final class Target {
    final PreludeEntry entry;
    final Namespace to;
    final String insertInto;
    List<RawBsonDocument> batch = new ArrayList<>();
    long batchBytes;
    final AtomicLong inserted = new AtomicLong();

    /** Users or roles, inserted into a temporary collection and merged by the server. */
    final boolean auth;

    Target(PreludeEntry entry, Namespace to) {
      this(entry, to, false);
    }

    Target(PreludeEntry entry, Namespace to, boolean auth) {
      this.entry = entry;
      this.to = to;
      this.auth = auth;
      this.insertInto =
          entry.type().equals("timeseries") ? "system.buckets." + to.collection() : to.collection();
    }
  }

  private final MongoClient client;
  private final MongoUri uri;
  private final String component;
  private final Options options;
  private final Map<Namespace, Target> targets = new LinkedHashMap<>();
  private final Set<Namespace> created = new HashSet<>();
  private final ExecutorService pool;
  private final Semaphore inFlight;
  private volatile IOException failure;
  private boolean dataDone;
  private long oplogApplied;
  private long oplogSkipped;
  private long oplogUntil = Long.MAX_VALUE;

  ArchiveRestorer(MongoClient client, MongoUri uri, String component, Options options) {
    this.client = client;
    this.uri = uri;
    this.component = component;
    this.options = options;
    AtomicInteger n = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(
            options.jobs(),
            r -> {
              Thread t = new Thread(r, "mongodb-restore-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.inFlight = new Semaphore(options.jobs() * 2);
  }

  /** Documents inserted per target namespace, after {@link #finish()}. */
  Map<Namespace, Long> inserted() {
    Map<Namespace, Long> out = new LinkedHashMap<>();
    targets.values().forEach(t -> out.put(t.to, t.inserted.get()));
    return out;
  }

  /** The target namespaces this restore writes (views included), known once the prelude is read. */
  Set<Namespace> targetNamespaces() {
    Set<Namespace> out = new HashSet<>();
    targets.values().forEach(t -> out.add(t.to));
    return out;
  }

  long oplogApplied() {
    return oplogApplied;
  }

  @Override
  public void prelude(List<PreludeEntry> entries) throws IOException {
    for (PreludeEntry entry : entries) {
      Namespace ns = entry.namespace();
      if (ns.isOplog()) {
        continue;
      }
      if (options.users() && ns.db().equals("admin") && ns.collection().equals("system.users")) {
        targets.put(ns, new Target(entry, TEMP_USERS, true));
        continue;
      }
      if (options.users() && ns.db().equals("admin") && ns.collection().equals("system.roles")) {
        targets.put(ns, new Target(entry, TEMP_ROLES, true));
        continue;
      }
      if (SYSTEM_DBS.contains(ns.db()) || ns.collection().startsWith("system.")) {
        log.info("{}: skipping {} (system namespaces are not restored)", component, ns);
        continue;
      }
      if (!options.filter().takes(ns)) {
        continue;
      }
      Namespace to = options.renamer().rename(ns);
      if (SYSTEM_DBS.contains(to.db())) {
        throw new IllegalArgumentException(
            component
                + ": nsTo would restore "
                + ns
                + " into "
                + to
                + ", a system database; choose another name");
      }
      targets.put(ns, new Target(entry, to));
    }
    try {
      Set<Namespace> existing = new HashSet<>();
      for (Target t : targets.values()) {
        if (t.auth) {
          continue; // a temporary collection of an earlier run is dropped when it is created
        }
        for (String name : client.getDatabase(t.to.db()).listCollectionNames()) {
          if (name.equals(t.to.collection()) || name.equals(t.insertInto)) {
            existing.add(t.to);
          }
        }
      }
      if (!existing.isEmpty() && !options.force()) {
        throw new TargetNotEmptyException(
            component
                + ": "
                + existing.size()
                + " collection(s) already exist on "
                + uri.hosts()
                + " ("
                + names(existing)
                + "): restore with --force to drop them first (like "
                + "mongorestore --drop), or rename with nsFrom/nsTo, or exclude them",
            uri + " " + names(existing));
      }
      for (Target t : targets.values()) {
        MongoDatabase db = client.getDatabase(t.to.db());
        if (existing.contains(t.to)) {
          log.info("{}: dropping {} first (force)", component, t.to);
          db.getCollection(t.to.collection()).drop();
        }
        if (t.auth) {
          createAuthTemporary(db, t);
          continue;
        }
        if (!t.entry.isView()) {
          BsonDocument create = new BsonDocument("create", new BsonString(t.to.collection()));
          t.entry
              .options()
              .forEach(
                  (k, v) -> {
                    if (!k.equals("uuid")) {
                      create.append(k, v);
                    }
                  });
          db.runCommand(create);
          created.add(t.to);
        }
      }
    } catch (MongoException e) {
      throw new IOException(
          MongoErrors.describe(component, uri, "creating collections", e),
          MongoErrors.isConnection(e) ? null : e);
    }
  }

  /** Creates {@code admin.tempusers} or {@code admin.temproles}; a refusal says what to do. */
  private void createAuthTemporary(MongoDatabase admin, Target t) throws IOException {
    try {
      // A temporary collection an earlier restore left behind: dropped, as mongorestore does.
      admin.getCollection(t.to.collection()).drop();
      admin.runCommand(new BsonDocument("create", new BsonString(t.to.collection())));
      created.add(t.to);
    } catch (MongoException e) {
      throw usersRefused("creating " + t.to + " for the archive's users and roles", e);
    }
  }

  private IOException usersRefused(String doing, MongoException e) {
    return new IOException(
        MongoErrors.describe(component, uri, doing, e)
            + "; the users and roles are not restored and the restore is undone: restore"
            + " users on a mongod with a user holding the restore role, or restore without"
            + " users=true and create the users by hand",
        MongoErrors.isConnection(e) ? null : e);
  }

  private static String names(Set<Namespace> set) {
    List<String> names = new ArrayList<>();
    set.forEach(n -> names.add(n.toString()));
    names.sort(null);
    return String.join(", ", names.size() > 10 ? names.subList(0, 10) : names)
        + (names.size() > 10 ? ", ..." : "");
  }

  @Override
  public void document(Namespace namespace, byte[] document) throws IOException {
    checkFailure();
    if (namespace.isOplog()) {
      if (options.oplogReplay()) {
        finishData();
        BsonDocument entry = decode(document);
        if (within(entry)) {
          apply(entry);
        } else {
          oplogSkipped++;
        }
      }
      return;
    }
    Target t = targets.get(namespace);
    if (t == null || t.entry.isView()) {
      return;
    }
    // The array is ours (the reader allocates one per document): wrapped, not copied.
    t.batch.add(new RawBsonDocument(document));
    t.batchBytes += document.length;
    if (t.batch.size() >= BATCH_DOCUMENTS || t.batchBytes >= BATCH_BYTES) {
      flush(t);
    }
  }

  @Override
  public void namespaceEnd(Namespace namespace, long count) throws IOException {
    Target t = targets.get(namespace);
    if (t != null) {
      flush(t);
    }
  }

  private void flush(Target t) throws IOException {
    if (t.batch.isEmpty()) {
      return;
    }
    List<RawBsonDocument> batch = t.batch;
    t.batch = new ArrayList<>();
    t.batchBytes = 0;
    try {
      inFlight.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(component + ": interrupted");
    }
    MongoCollection<RawBsonDocument> collection =
        client.getDatabase(t.to.db()).getCollection(t.insertInto, RawBsonDocument.class);
    pool.execute(
        () -> {
          try {
            collection.insertMany(batch, new InsertManyOptions().ordered(false));
            t.inserted.addAndGet(batch.size());
          } catch (MongoBulkWriteException e) {
            fail(
                new IOException(
                    component
                        + ": inserting into "
                        + t.to
                        + " failed for "
                        + e.getWriteErrors().size()
                        + " of "
                        + batch.size()
                        + " documents (first: "
                        + e.getWriteErrors().get(0).getMessage()
                        + "); the target is partly restored: restore again with "
                        + "--force",
                    e));
          } catch (MongoException e) {
            fail(
                new IOException(
                    MongoErrors.describe(component, uri, "inserting into " + t.to, e),
                    MongoErrors.isConnection(e) ? null : e));
          } catch (RuntimeException e) {
            fail(new IOException(component + ": inserting into " + t.to + " failed: " + e, e));
          } finally {
            inFlight.release();
          }
        });
  }

  private void fail(IOException e) {
    if (failure == null) {
      failure = e;
    }
  }

  private void checkFailure() throws IOException {
    IOException f = failure;
    if (f != null) {
      throw f;
    }
  }

  /** Waits for the inserts, then builds indexes and creates views; once. */
  private void finishData() throws IOException {
    if (dataDone) {
      return;
    }
    dataDone = true;
    for (Target t : targets.values()) {
      flush(t);
    }
    try {
      inFlight.acquire(options.jobs() * 2);
      inFlight.release(options.jobs() * 2);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(component + ": interrupted");
    }
    checkFailure();
    mergeUsersAndRoles();
    for (Target t : targets.values()) {
      String doing = "building the indexes of " + t.to;
      try {
        MongoDatabase db = client.getDatabase(t.to.db());
        if (t.entry.isView()) {
          BsonDocument create = new BsonDocument("create", new BsonString(t.to.collection()));
          t.entry.options().forEach(create::append);
          doing = "creating the view " + t.to;
          db.runCommand(create);
          created.add(t.to);
          continue;
        }
        if (t.auth) {
          continue; // the server's own collections keep their own indexes
        }
        BsonDocument meta = t.entry.metadataDocument();
        BsonArray specs = new BsonArray();
        for (BsonValue v : meta.getArray("indexes", new BsonArray())) {
          BsonDocument spec = v.asDocument().clone();
          if (spec.getString("name", new BsonString("")).getValue().equals("_id_")) {
            continue;
          }
          spec.remove("ns");
          specs.add(spec);
        }
        if (!specs.isEmpty() && !t.entry.type().equals("timeseries")) {
          db.runCommand(
              new BsonDocument("createIndexes", new BsonString(t.to.collection()))
                  .append("indexes", specs));
        }
      } catch (MongoException e) {
        throw new IOException(
            MongoErrors.describe(component, uri, doing, e), MongoErrors.isConnection(e) ? null : e);
      }
    }
  }

  /**
   * With {@code users=true}: merges the users and roles restored into {@code admin.tempusers} and
   * {@code admin.temproles} into the server's own through {@code _mergeAuthzCollections}, the
   * command mongorestore uses (a user document holds password hashes, which {@code createUser}
   * cannot take), replacing users and roles of the same name, and with force also dropping those
   * the archive does not have; then drops the temporary collections.
   */
  private void mergeUsersAndRoles() throws IOException {
    List<Target> auth = targets.values().stream().filter(t -> t.auth).toList();
    if (auth.isEmpty()) {
      return;
    }
    MongoDatabase admin = client.getDatabase("admin");
    BsonDocument merge =
        new BsonDocument("_mergeAuthzCollections", new org.bson.BsonInt32(1))
            .append("drop", org.bson.BsonBoolean.valueOf(options.force()))
            .append("db", new BsonString(""));
    for (Target t : auth) {
      merge.append(
          t.to.equals(TEMP_USERS) ? "tempUsersCollection" : "tempRolesCollection",
          new BsonString(t.to.toString()));
    }
    try {
      admin.runCommand(merge);
      log.info(
          "{}: users and roles merged ({} users, {} roles)",
          component,
          auth.stream().filter(t -> t.to.equals(TEMP_USERS)).mapToLong(t -> t.inserted.get()).sum(),
          auth.stream()
              .filter(t -> t.to.equals(TEMP_ROLES))
              .mapToLong(t -> t.inserted.get())
              .sum());
    } catch (MongoException e) {
      throw usersRefused(
          "merging the archive's users and roles (_mergeAuthzCollections, as mongorestore does)",
          e);
    } finally {
      for (Target t : auth) {
        try {
          admin.getCollection(t.to.collection()).drop();
        } catch (MongoException e) {
          log.warn(
              "{}: could not drop the temporary {} ({}); drop it by hand",
              component,
              t.to,
              e.toString());
        }
        created.remove(t.to);
      }
    }
  }

  private static BsonDocument decode(byte[] document) {
    return new org.bson.codecs.BsonDocumentCodec()
        .decode(
            new org.bson.BsonBinaryReader(java.nio.ByteBuffer.wrap(document)),
            org.bson.codecs.DecoderContext.builder().build());
  }

  /**
   * Replays only oplog entries whose time (seconds) is at or before {@code epochSecond}: a
   * point-in-time restore's target, inclusive to the second.
   */
  void oplogUntil(long epochSecond) {
    this.oplogUntil = epochSecond;
  }

  private boolean within(BsonDocument entry) {
    BsonValue ts = entry.get("ts");
    return ts == null
        || !ts.isTimestamp()
        || Integer.toUnsignedLong(ts.asTimestamp().getTime()) <= oplogUntil;
  }

  /** Replays one entry of an archived oplog segment (after the base backup), within the limit. */
  boolean replay(BsonDocument entry) throws IOException {
    if (!within(entry)) {
      return false;
    }
    apply(entry);
    return true;
  }

  /** {@code Timestamp(1700000000, 1)}, as the shell prints an oplog position. */
  static String ts(BsonValue value) {
    if (value == null || !value.isTimestamp()) {
      return String.valueOf(value);
    }
    return "Timestamp(" + value.asTimestamp().getTime() + ", " + value.asTimestamp().getInc() + ")";
  }

  /** Replays one oplog entry, idempotently as mongorestore's oplog replay does. */
  private void apply(BsonDocument entry) throws IOException {
    String op = entry.getString("op").getValue();
    if (op.equals("n")) {
      oplogSkipped++;
      return;
    }
    if (op.equals("c") && entry.getDocument("o").containsKey("applyOps")) {
      // A transaction (or an applyOps call): its operations, in order.
      for (BsonValue inner : entry.getDocument("o").getArray("applyOps")) {
        BsonDocument innerOp = inner.asDocument().clone();
        innerOp.put("ts", entry.get("ts"));
        apply(innerOp);
      }
      return;
    }
    Namespace ns = Namespace.parse(entry.getString("ns").getValue());
    if (op.equals("c")) {
      // A command's namespace is db.$cmd; the collection it acts on is its first field's value.
      BsonValue first =
          entry.getDocument("o").isEmpty()
              ? null
              : entry.getDocument("o").values().iterator().next();
      ns =
          new Namespace(
              ns.db(), first != null && first.isString() ? first.asString().getValue() : "$cmd");
    }
    if (SYSTEM_DBS.contains(ns.db())
        || ns.collection().startsWith("system.")
        || !options.filter().takes(ns)) {
      oplogSkipped++;
      return;
    }
    Namespace to = options.renamer().rename(ns);
    MongoDatabase db = client.getDatabase(to.db());
    BsonDocument o = entry.getDocument("o");
    try {
      switch (op) {
        case "i" ->
            db.getCollection(to.collection(), BsonDocument.class)
                .replaceOne(Filters.eq("_id", o.get("_id")), o, new ReplaceOptions().upsert(true));
        case "d" -> db.getCollection(to.collection(), BsonDocument.class).deleteOne(o);
        case "u" ->
            update(
                db.getCollection(to.collection(), BsonDocument.class),
                entry.getDocument("o2"),
                o,
                entry);
        case "c" -> command(db, to, o, entry);
        default -> throw unsupported(entry, "operation type " + op);
      }
      oplogApplied++;
    } catch (MongoException e) {
      throw new IOException(
          MongoErrors.describe(
              component,
              uri,
              "replaying the oplog entry at " + ts(entry.get("ts")) + " on " + to,
              e),
          MongoErrors.isConnection(e) ? null : e);
    }
  }

  private void update(
      MongoCollection<BsonDocument> collection,
      BsonDocument filter,
      BsonDocument o,
      BsonDocument entry)
      throws IOException {
    if (o.containsKey("$v") && o.containsKey("diff")) {
      BsonDocument set = new BsonDocument();
      BsonDocument unset = new BsonDocument();
      diff(o.getDocument("diff"), "", set, unset, entry);
      BsonDocument update = new BsonDocument();
      if (!set.isEmpty()) {
        update.append("$set", set);
      }
      if (!unset.isEmpty()) {
        update.append("$unset", unset);
      }
      if (!update.isEmpty()) {
        collection.updateOne(filter, update);
      }
    } else if (!o.isEmpty() && o.getFirstKey().startsWith("$")) {
      BsonDocument update = o.clone();
      update.remove("$v");
      collection.updateOne(filter, update);
    } else {
      collection.replaceOne(filter, o);
    }
  }

  /** Flattens a {@code $v: 2} update diff into $set and $unset paths; array diffs are refused. */
  private void diff(
      BsonDocument diff, String prefix, BsonDocument set, BsonDocument unset, BsonDocument entry)
      throws IOException {
    for (Map.Entry<String, BsonValue> e : diff.entrySet()) {
      String key = e.getKey();
      switch (key) {
        case "u", "i" -> e.getValue().asDocument().forEach((k, v) -> set.append(prefix + k, v));
        case "d" ->
            e.getValue()
                .asDocument()
                .forEach((k, v) -> unset.append(prefix + k, new BsonString("")));
        case "a" -> throw unsupported(entry, "an array update diff");
        default -> {
          if (key.startsWith("s") && e.getValue().isDocument()) {
            diff(e.getValue().asDocument(), prefix + key.substring(1) + ".", set, unset, entry);
          } else {
            throw unsupported(entry, "update diff field " + key);
          }
        }
      }
    }
  }

  private void command(MongoDatabase db, Namespace to, BsonDocument o, BsonDocument entry)
      throws IOException {
    String name = o.getFirstKey();
    switch (name) {
      case "create" -> {
        BsonDocument create = o.clone();
        create.put("create", new BsonString(to.collection()));
        create.remove("idIndex");
        db.runCommand(create);
      }
      case "drop" -> db.getCollection(to.collection()).drop();
      case "dropDatabase" -> db.drop();
      case "createIndexes" -> {
        BsonDocument spec = o.clone();
        spec.remove("createIndexes");
        db.runCommand(
            new BsonDocument("createIndexes", new BsonString(to.collection()))
                .append("indexes", new BsonArray(List.of(spec))));
      }
      case "dropIndexes", "deleteIndexes" -> {
        BsonDocument drop = o.clone();
        drop.put(name, new BsonString(to.collection()));
        db.runCommand(drop);
      }
      case "commitTransaction", "abortTransaction" -> oplogSkipped++;
      default -> throw unsupported(entry, "command " + name);
    }
  }

  private IntegrityException unsupported(BsonDocument entry, String what) {
    return new IntegrityException(
        component
            + ": the oplog entry at "
            + ts(entry.get("ts"))
            + " on "
            + entry.getString("ns", new BsonString("?")).getValue()
            + " is "
            + what
            + ", which this restore cannot "
            + "replay; restore with oplogReplay=false (the data is then as of the dump's start, not its end)");
  }

  /** Waits for all inserts, builds indexes and views if the oplog has not done so already. */
  void finish() throws IOException {
    try {
      finishData();
      checkFailure();
      log.info(
          "{}: restored {} namespaces, {} oplog entries replayed ({} skipped)",
          component,
          targets.size(),
          oplogApplied,
          oplogSkipped);
    } finally {
      pool.shutdown();
    }
  }

  /** Stops the inserts and drops what this restore created. Never throws. */
  void abort() {
    pool.shutdownNow();
    try {
      pool.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Namespace ns : created) {
      try {
        client.getDatabase(ns.db()).getCollection(ns.collection()).drop();
      } catch (RuntimeException e) {
        log.warn(
            "{}: could not drop the partly restored {} ({}); drop it by hand",
            component,
            ns,
            e.toString());
      }
    }
  }
}
