package io.biowerk.dr.mongo;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.TargetNotEmptyException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.bson.BsonDocument;
import org.bson.BsonInt32;

/**
 * A MongoDB server that a mongodump archive (ours or mongodump's) is restored into through the
 * driver, as mongorestore does: collections created with their options, unordered bulk inserts by
 * {@code jobs} threads, indexes after the data, then the archive's oplog slice replayed. Existing
 * collections are refused unless forced, in which case they are dropped first (mongorestore's
 * {@code --drop}).
 *
 * <p>URI options besides the driver's: {@code include}/{@code exclude} (patterns over the archive's
 * namespaces), {@code nsFrom}/{@code nsTo} (renaming, e.g. into another database), {@code jobs}
 * (default 4), {@code oplogReplay} (default true), {@code users} (default false: restore the
 * archive's {@code admin.system.users} and {@code admin.system.roles} as mongorestore does, through
 * temporary collections merged by the server's {@code _mergeAuthzCollections}; users are never
 * renamed). Immutable and thread-safe; every {@link #open} is a new restore.
 */
public final class MongoRestoreTarget implements RestoreTarget {

  static final String COMPONENT = "mongodb restore";

  private final MongoUri uri;
  private final boolean force;
  private final ArchiveRestorer.Options options;
  private java.time.Instant oplogUntil;

  private MongoRestoreTarget(MongoUri uri, boolean force) {
    this.uri = uri;
    this.force = force;
    this.options =
        new ArchiveRestorer.Options(
            NamespaceFilter.of(uri.option("include"), uri.option("exclude")),
            NamespaceRenamer.of(uri.option("nsFrom"), uri.option("nsTo"), COMPONENT),
            force,
            uri.positive("jobs", 4, COMPONENT),
            uri.flag("oplogReplay", true, COMPONENT),
            uri.flag("users", false, COMPONENT));
    com.google.common.base.Preconditions.checkArgument(
        uri.option("oplog").isEmpty(),
        "%s: oplog=true is a source option; a restore replays the archive's oplog slice unless "
            + "oplogReplay=false",
        COMPONENT);
  }

  /**
   * A restore target for {@code uri}.
   *
   * @param force whether existing collections may be dropped and replaced
   * @throws IllegalArgumentException if the URI or an option is malformed
   */
  public static MongoRestoreTarget of(URI uri, boolean force) {
    return new MongoRestoreTarget(MongoUri.parse(uri, COMPONENT), force);
  }

  /**
   * Connects and starts a restore of {@code manifest}'s archive. Where the manifest lists the
   * collections (backups of ours), existing ones are refused here already; otherwise when the
   * archive's prelude is read.
   *
   * @throws TargetNotEmptyException if a collection to restore exists and force was not given
   * @throws IOException if the server cannot be reached or authentication fails
   */
  @Override
  public PendingWrite open(BackupManifest manifest) throws IOException {
    MongoClient client = Clients.open(uri, false);
    try {
      client.getDatabase("admin").runCommand(new BsonDocument("ping", new BsonInt32(1)));
      if (!force) {
        checkEmpty(client, manifest.facts());
      }
    } catch (MongoException e) {
      client.close();
      throw new IOException(
          MongoErrors.describe(COMPONENT, uri, "connecting", e),
          MongoErrors.isConnection(e) ? null : e);
    } catch (IOException | RuntimeException e) {
      client.close();
      throw e;
    }
    ArchiveRestorer restorer = new ArchiveRestorer(client, uri, COMPONENT, options);
    if (oplogUntil != null) {
      restorer.oplogUntil(oplogUntil.getEpochSecond());
    }
    return new RestoreWrite(client, restorer, COMPONENT);
  }

  private void checkEmpty(MongoClient client, Map<String, Object> facts)
      throws TargetNotEmptyException {
    if (!(facts.get("collections") instanceof Map<?, ?> collections)) {
      return;
    }
    Set<String> existing = new TreeSet<>();
    List<Namespace> wanted = new ArrayList<>();
    for (Object key : collections.keySet()) {
      Namespace ns = Namespace.parse(key.toString());
      boolean system =
          Set.of("admin", "config", "local").contains(ns.db())
              || ns.collection().startsWith("system.");
      if (!system && options.filter().takes(ns)) {
        wanted.add(options.renamer().rename(ns));
      }
    }
    for (Namespace ns : wanted) {
      for (String name : client.getDatabase(ns.db()).listCollectionNames()) {
        if (name.equals(ns.collection())) {
          existing.add(ns.toString());
        }
      }
    }
    if (!existing.isEmpty()) {
      throw new TargetNotEmptyException(
          COMPONENT
              + ": "
              + existing.size()
              + " collection(s) already exist on "
              + uri.hosts()
              + " ("
              + String.join(", ", existing)
              + "): restore with --force to drop them first (like "
              + "mongorestore --drop), or rename with nsFrom/nsTo, or exclude them",
          uri + " " + existing);
    }
  }

  /**
   * The same target replaying the archive's oplog slice only up to {@code time} (inclusive, to the
   * second).
   */
  MongoRestoreTarget oplogUntil(java.time.Instant time) {
    MongoRestoreTarget copy = new MongoRestoreTarget(uri, force);
    copy.oplogUntil = time;
    return copy;
  }

  MongoUri uri() {
    return uri;
  }

  ArchiveRestorer.Options options() {
    return options;
  }

  /** {@code mongodb restore mongodb://user:***@host/}: no password. */
  @Override
  public String toString() {
    return COMPONENT + " " + uri + (force ? " (force)" : "");
  }
}
