package io.biowerk.dr.mongo;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * A database and collection name as an archive names them; the oplog slice is {@code ("",
 * "oplog")}.
 *
 * @param db the database, empty for the oplog slice
 * @param collection the collection
 */
public record Namespace(String db, String collection) implements Comparable<Namespace> {

  /** The namespace under which mongodump stores the oplog slice taken during the dump. */
  public static final Namespace OPLOG = new Namespace("", "oplog");

  public Namespace {
    checkNotNull(db, "db");
    checkNotNull(collection, "collection");
  }

  /** Parses {@code db.collection}; the collection may contain dots. */
  public static Namespace parse(String ns) {
    int dot = ns.indexOf('.');
    com.google.common.base.Preconditions.checkArgument(
        dot > 0 && dot < ns.length() - 1, "namespace (%s) must be db.collection", ns);
    return new Namespace(ns.substring(0, dot), ns.substring(dot + 1));
  }

  /** Whether this is the oplog slice. */
  public boolean isOplog() {
    return equals(OPLOG);
  }

  @Override
  public int compareTo(Namespace o) {
    int c = db.compareTo(o.db);
    return c != 0 ? c : collection.compareTo(o.collection);
  }

  /** {@code db.collection}, or {@code oplog} for the oplog slice. */
  @Override
  public String toString() {
    return isOplog() ? "oplog" : db + "." + collection;
  }
}
