package io.biowerk.dr.mongo;

import static com.google.common.base.Preconditions.checkArgument;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceStream;
import java.io.IOException;
import java.net.URI;

/**
 * A MongoDB deployment (standalone or replica set) dumped through the Java driver into mongodump's
 * {@code --archive} format: the header, a prelude with each collection's options, indexes and uuid,
 * then every collection's documents as raw BSON, read {@code jobs} collections at a time, and with
 * {@code oplog=true} the oplog slice from the dump's start to its end, so that a restore is
 * consistent at one point in time. A sharded cluster (mongos) is refused.
 *
 * <p>URI options besides the driver's: {@code name} (repository name, default {@code mongodb}),
 * {@code include}/{@code exclude} (comma-separated {@code db} or {@code db.collection} patterns
 * with {@code *}), {@code jobs} (collections read at once, default 4), {@code oplog} (default
 * false), {@code users} (default false: also dump {@code admin.system.users}, {@code
 * admin.system.roles} and {@code admin.system.version} as a full mongodump does, whatever
 * include/exclude say; needs a user allowed to read them, and puts the users' password hashes into
 * the backup). Without a {@code readPreference} in the URI, a URI naming a {@code replicaSet} reads
 * from a secondary where there is one ({@code secondaryPreferred}).
 *
 * <p>Immutable and thread-safe: every {@link #open()} connects anew and starts an independent dump.
 */
public final class MongoSource implements Source {

  /** The source kind recorded in manifests. */
  public static final String KIND = "mongodb";

  static final String COMPONENT = "mongodb source";

  private final MongoUri uri;
  private final String name;
  private final int jobs;
  private final boolean oplog;
  private final boolean users;
  private final NamespaceFilter filter;

  private MongoSource(MongoUri uri) {
    this.uri = uri;
    this.name = uri.option("name").orElse("mongodb");
    BackupLayout.checkSourceName(name);
    this.jobs = uri.positive("jobs", 4, COMPONENT);
    checkArgument(jobs <= 64, "%s: jobs (%s) may not exceed 64", COMPONENT, jobs);
    this.oplog = uri.flag("oplog", false, COMPONENT);
    this.users = uri.flag("users", false, COMPONENT);
    this.filter = NamespaceFilter.of(uri.option("include"), uri.option("exclude"));
    checkArgument(
        uri.option("nsFrom").isEmpty() && uri.option("nsTo").isEmpty(),
        "%s: nsFrom/nsTo rename at restore time; give them to the restore target",
        COMPONENT);
  }

  /**
   * A source for {@code uri}.
   *
   * @throws IllegalArgumentException if the URI or an option is malformed
   */
  public static MongoSource of(URI uri) {
    return new MongoSource(MongoUri.parse(uri, COMPONENT));
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String format() {
    return "archive";
  }

  /**
   * Connects, checks the deployment, lists what to dump and starts reading it.
   *
   * @throws io.biowerk.dr.core.SourceFailedException if the server cannot be reached,
   *     authentication fails, the deployment is a sharded cluster, or {@code oplog=true} and the
   *     server has no oplog
   */
  @Override
  public SourceStream open() throws IOException {
    return DumpStream.start(uri, jobs, oplog, users, filter);
  }

  /** {@code mongodb source mongodb://user:***@host/ (jobs 4, oplog)}: no password. */
  @Override
  public String toString() {
    return COMPONENT
        + " "
        + uri
        + " (jobs "
        + jobs
        + (oplog ? ", oplog" : "")
        + (users ? ", users" : "")
        + ")";
  }
}
