package io.biowerk.dr.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.testkit.SourceContractTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * The source contract over a MongoDB server (in-process unless MONGODB_URI is set), with and
 * without oplog.
 */
class MongoSourceContractIT {

  static MongoServers servers;

  @BeforeAll
  static void start() {
    servers = MongoServers.start();
    try (MongoClient client = servers.client()) {
      MongoCollection<Document> orders =
          client.getDatabase(servers.db("shop")).getCollection("orders");
      List<Document> docs = new ArrayList<>();
      for (int i = 0; i < 20_000; i++) {
        docs.add(new Document("_id", i).append("item", "item-" + i).append("qty", i % 17));
      }
      orders.insertMany(docs);
      client
          .getDatabase(servers.db("shop"))
          .getCollection("customers")
          .insertOne(new Document("_id", "c1"));
      client.getDatabase(servers.db("crm")).createCollection("empty");
    }
  }

  @AfterAll
  static void stop() {
    servers.close();
  }

  static void check(SourceContractTest.Run run) {
    assertThat(ByteBuffer.wrap(run.head()).order(ByteOrder.LITTLE_ENDIAN).getInt())
        .isEqualTo(0x8199e26d);
    @SuppressWarnings("unchecked")
    Map<String, Object> counts = (Map<String, Object>) run.facts().get("collections");
    assertThat(counts)
        .containsEntry(servers.db("shop") + ".orders", 20_000L)
        .containsEntry(servers.db("shop") + ".customers", 1L)
        .containsEntry(servers.db("crm") + ".empty", 0L);
    assertThat(run.facts()).containsKeys("serverVersion", "topology");
  }

  /** A source whose server is gone: open() fails (no server answers on that port). */
  static Source unreachable() throws java.io.IOException {
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    return MongoSource.of(
        java.net.URI.create(
            "mongodb://127.0.0.1:" + port + "/?serverSelectionTimeoutMS=500&oplog=true"));
  }

  @Nested
  class Plain extends SourceContractTest {
    @Override
    protected Source newSource() {
      return MongoSource.of(
          servers.uri("jobs=2&include=" + servers.db("shop") + "," + servers.db("crm")));
    }

    @Override
    protected void checkRun(Run run) {
      check(run);
      assertThat(run.facts()).doesNotContainKey("oplogStart");
    }

    @Override
    protected Source newFailingSource() throws Exception {
      return unreachable();
    }
  }

  @Nested
  class WithOplog extends SourceContractTest {
    @Override
    protected Source newSource() {
      return MongoSource.of(
          servers.uri(
              "oplog=true&name=orders&include=" + servers.db("shop") + "," + servers.db("crm")));
    }

    @Override
    protected void checkRun(Run run) {
      check(run);
      assertThat(run.facts()).containsKeys("oplogStart", "oplogEnd", "oplogEntries");
    }

    @Override
    protected Source newFailingSource() throws Exception {
      return unreachable();
    }
  }
}
