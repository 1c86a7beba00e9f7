package io.biowerk.dr.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.testkit.NativeBackup;
import io.biowerk.dr.testkit.RestoreTargetContractTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The restore-target contract over a MongoDB server (in-process unless MONGODB_URI is set), each
 * test in a database of its own. Not transactional: documents are inserted as the archive streams
 * (an aborted restore drops the collections it created, but a forced one has dropped the old ones
 * first).
 */
class MongoRestoreTargetContractIT extends RestoreTargetContractTest {

  static MongoServers servers;
  static int counter;
  String db;

  @BeforeAll
  static void start() {
    servers = MongoServers.start();
  }

  @AfterAll
  static void stop() {
    servers.close();
  }

  @BeforeEach
  void place() {
    db = servers.db("contract" + ++counter);
  }

  @Override
  protected boolean transactional() {
    return false;
  }

  @Override
  protected RestoreTarget newTarget(boolean force) {
    return MongoRestoreTarget.of(servers.uri("nsFrom=src.*&nsTo=" + db + ".*"), force);
  }

  @Override
  protected NativeBackup backup() throws Exception {
    PreludeEntry items = ArchiveFormatTest.entry("src", "items");
    byte[] archive =
        TestArchives.write(
            List.of(items), Map.of(items.namespace(), ArchiveFormatTest.documents(3, 10)), 2);
    return NativeBackup.of(
        "mongodb", "mongodb", "archive", archive, Map.of("collections", Map.of("src.items", 3L)));
  }

  @Override
  protected void fill() {
    try (MongoClient client = servers.client()) {
      client.getDatabase(db).getCollection("items").insertOne(new Document("_id", "mine"));
    }
  }

  @Override
  protected Object state() {
    try (MongoClient client = servers.client()) {
      List<String> docs = new ArrayList<>();
      client.getDatabase(db).getCollection("items").find().forEach(d -> docs.add(d.toJson()));
      docs.sort(null);
      return docs;
    }
  }

  @Override
  protected void checkRestored(NativeBackup backup) {
    try (MongoClient client = servers.client()) {
      assertThat(client.getDatabase(db).getCollection("items").countDocuments()).isEqualTo(3);
      assertThat(
              client
                  .getDatabase(db)
                  .getCollection("items")
                  .find(new Document("_id", "mine"))
                  .first())
          .isNull();
    }
  }
}
