package io.biowerk.dr.mongo;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.biowerk.dr.testkit.InProcessMongoServer;
import java.net.URI;
import java.util.UUID;

/**
 * The MongoDB server a test talks to: a real mongod when {@code MONGODB_URI} is set (tests then
 * work in databases of their own, prefixed {@code bwtest_}), otherwise an in-process {@code
 * mongo-java-server} (the test kit's {@link InProcessMongoServer}, the same set-up as the CLI's
 * tests). Wire protocol either way; the in-process server has no transactions, views, time-series
 * collections, capped collections or authentication (see docs/mongodb.md), which archive-level
 * tests cover instead.
 */
final class MongoServers implements AutoCloseable {

  private final InProcessMongoServer server;
  private final String base;
  private final String options;
  private final String prefix;

  private MongoServers(InProcessMongoServer server, String base, String options, String prefix) {
    this.server = server;
    this.base = base;
    this.options = options;
    this.prefix = prefix;
  }

  /**
   * A server for one test class. {@code MONGODB_URI} may carry options ({@code
   * mongodb://h:27017/?replicaSet=rs0}): they are kept, and the tests' own are added after them.
   */
  static MongoServers start() {
    String env = System.getenv("MONGODB_URI");
    String prefix = "bwtest_" + UUID.randomUUID().toString().substring(0, 6) + "_";
    if (env != null && !env.isBlank()) {
      int q = env.indexOf('?');
      String hosts = q < 0 ? env : env.substring(0, q);
      String options = q < 0 ? "" : env.substring(q + 1);
      return new MongoServers(null, hosts.endsWith("/") ? hosts : hosts + "/", options, prefix);
    }
    InProcessMongoServer server = InProcessMongoServer.start(MongoServers.class.getClassLoader());
    return new MongoServers(server, server.uri(), "", "");
  }

  /** Whether this is the in-process server (which a test may stop to simulate a crash). */
  boolean inProcess() {
    return server != null;
  }

  /** A database name private to this run (prefixed on a shared real server). */
  String db(String name) {
    return prefix + name;
  }

  /** The server's URI with {@code query} (may be empty), short timeouts for tests. */
  URI uri(String query) {
    return uri(query, 3000);
  }

  /**
   * The server's URI with {@code query} (may be empty) and a server selection timeout; the connect
   * timeout is half of it, at least 3 s.
   */
  URI uri(String query, int timeoutMillis) {
    String q =
        (options.isEmpty() ? "" : options + "&")
            + "serverSelectionTimeoutMS="
            + timeoutMillis
            + "&connectTimeoutMS="
            + Math.max(3000, timeoutMillis / 2)
            + (query.isEmpty() ? "" : "&" + query);
    return URI.create(base + "?" + q);
  }

  MongoClient client() {
    return MongoClients.create(
        base + "?" + (options.isEmpty() ? "" : options + "&") + "serverSelectionTimeoutMS=3000");
  }

  /** Stops the in-process server abruptly, open connections included. */
  void kill() {
    server.kill();
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    } else if (!prefix.isEmpty()) {
      try (MongoClient c = client()) {
        for (String db : c.listDatabaseNames()) {
          if (db.startsWith(prefix)) {
            c.getDatabase(db).drop();
          }
        }
      }
    }
  }
}
