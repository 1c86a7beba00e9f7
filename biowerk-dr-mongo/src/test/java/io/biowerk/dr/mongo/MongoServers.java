package io.biowerk.dr.mongo;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.UUID;

/**
 * The MongoDB server a test talks to: a real mongod when {@code MONGODB_URI} is set (tests then
 * work in databases of their own, prefixed {@code bwtest_}), otherwise an in-process {@code
 * mongo-java-server} (memory backend, oplog enabled) on a loopback port of its own. Wire protocol
 * either way; the in-process server has no transactions, views, time-series collections, capped
 * collections or authentication (see docs/mongodb.md), which archive-level tests cover instead.
 */
final class MongoServers implements AutoCloseable {

  private final MongoServer server;
  private final String base;
  private final String prefix;

  private MongoServers(MongoServer server, String base, String prefix) {
    this.server = server;
    this.base = base;
    this.prefix = prefix;
  }

  /** A server for one test class. */
  static MongoServers start() {
    String env = System.getenv("MONGODB_URI");
    String prefix = "bwtest_" + UUID.randomUUID().toString().substring(0, 6) + "_";
    if (env != null && !env.isBlank()) {
      return new MongoServers(null, env.endsWith("/") ? env : env + "/", prefix);
    }
    MongoServer server = new MongoServer(new MemoryBackend());
    server.enableOplog();
    server.bind("127.0.0.1", 0);
    InetSocketAddress address = server.getLocalAddress();
    return new MongoServers(server, "mongodb://127.0.0.1:" + address.getPort() + "/", "");
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
        "serverSelectionTimeoutMS="
            + timeoutMillis
            + "&connectTimeoutMS="
            + Math.max(3000, timeoutMillis / 2)
            + (query.isEmpty() ? "" : "&" + query);
    return URI.create(base + "?" + q);
  }

  MongoClient client() {
    return MongoClients.create(base + "?serverSelectionTimeoutMS=3000");
  }

  /** Stops the in-process server abruptly, open connections included. */
  void kill() {
    server.shutdownNow();
  }

  @Override
  public void close() {
    if (server != null) {
      server.shutdownNow();
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
