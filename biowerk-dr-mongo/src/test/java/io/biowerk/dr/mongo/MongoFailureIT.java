package io.biowerk.dr.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.SourceFailedException;
import io.biowerk.dr.core.SourceStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * Failures, each with its exception type and a message that says what happened and what to do: the
 * server going down mid-dump, authentication failing (the password never printed), an unreachable
 * server, a collection dropped during the dump, and damaged archives handed to a restore.
 */
class MongoFailureIT {

  /**
   * A collection of {@code mib} MiB, more than the dump's queue holds, so the dump is still reading
   * it.
   */
  static void fill(MongoServers servers, String db, String collection, int mib) {
    try (MongoClient client = servers.client()) {
      MongoCollection<Document> c = client.getDatabase(db).getCollection(collection);
      String pad = "p".repeat(1000);
      List<Document> batch = new ArrayList<>();
      for (int i = 0; i < mib * 1024; i++) {
        batch.add(new Document("_id", i).append("pad", pad));
        if (batch.size() == 2000) {
          c.insertMany(batch);
          batch.clear();
        }
      }
      if (!batch.isEmpty()) {
        c.insertMany(batch);
      }
    }
  }

  static void readToEnd(SourceStream stream) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(8192);
    while (stream.read(buffer) >= 0) {
      buffer.clear();
    }
  }

  @Test
  void theServerGoingDownMidDumpFailsTheRun() throws Exception {
    try (MongoServers servers = MongoServers.start()) {
      assumeTrue(
          servers.inProcess(), "stopping the server needs the in-process one, not MONGODB_URI's");
      String db = servers.db("down");
      fill(servers, db, "big", 40);
      SourceStream stream = MongoSource.of(servers.uri("jobs=1&include=" + db)).open();
      stream.read(ByteBuffer.allocate(1024));
      servers.kill();
      assertThatThrownBy(() -> readToEnd(stream))
          .isInstanceOf(SourceFailedException.class)
          .hasMessageMatching(
              "mongodb source: (lost the connection to|cannot reach) 127\\.0\\.0\\.1:\\d+ while "
                  + "reading "
                  + db
                  + "\\.big after \\d+ documents .*(check the server, then run again|check that the "
                  + "server runs.*)");
      assertThatThrownBy(stream::close).isInstanceOf(SourceFailedException.class);
    }
  }

  @Test
  void anAuthenticationFailureNeverPrintsThePassword() throws Exception {
    try (MongoServers servers = MongoServers.start()) {
      String base = servers.uri("").toString();
      URI uri =
          URI.create(
              base.replace("mongodb://", "mongodb://backup:Sup3r-S3cret@") + "&authSource=admin");
      MongoSource source = MongoSource.of(uri);
      assertThat(source.toString()).doesNotContain("Sup3r-S3cret");
      assertThatThrownBy(source::open)
          .isInstanceOf(SourceFailedException.class)
          .hasMessageStartingWith(
              "mongodb source: authentication failed for user 'backup' on 127.0.0.1:")
          .hasMessageEndingWith(
              "(the password is not shown): check the user name, the password and authSource")
          .satisfies(
              e -> {
                for (Throwable t = e; t != null; t = t.getCause()) {
                  assertThat(String.valueOf(t.getMessage())).doesNotContain("Sup3r-S3cret");
                  assertThat(t.toString()).doesNotContain("Sup3r-S3cret");
                }
              });
      assertThatThrownBy(
              () -> MongoRestoreTarget.of(uri, false).open(Runs.manifest(java.util.Map.of())))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("mongodb restore: authentication failed for user 'backup'")
          .hasMessageNotContaining("Sup3r-S3cret");
    }
  }

  @Test
  void anUnreachableServerSaysSo() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    URI uri = URI.create("mongodb://127.0.0.1:" + port + "/?serverSelectionTimeoutMS=1000");
    assertThatThrownBy(() -> MongoSource.of(uri).open())
        .isInstanceOf(SourceFailedException.class)
        .hasMessage(
            "mongodb source: cannot reach 127.0.0.1:"
                + port
                + " while connecting (no server answered "
                + "within the selection timeout): check that the server runs and the URI's hosts and replicaSet, then "
                + "run again");
  }

  @Test
  void aCollectionDroppedDuringTheDumpFailsTheRun() throws Exception {
    try (MongoServers servers = MongoServers.start()) {
      String db = servers.db("dropped");
      fill(servers, db, "doomed", 30);
      SourceStream stream = MongoSource.of(servers.uri("jobs=1&include=" + db)).open();
      stream.read(ByteBuffer.allocate(1024));
      try (MongoClient client = servers.client()) {
        client.getDatabase(db).getCollection("doomed").drop();
      }
      assertThatThrownBy(() -> readToEnd(stream))
          .isInstanceOf(SourceFailedException.class)
          .hasMessageMatching(
              "mongodb source: collection "
                  + db
                  + "\\.doomed was dropped during the dump \\(after "
                  + "\\d+ documents were read\\): the archive would not be consistent; run the backup again, or exclude "
                  + "the collection with exclude="
                  + db
                  + "\\.doomed");
      assertThatThrownBy(stream::close).isInstanceOf(SourceFailedException.class);
    }
  }

  @Test
  void damagedArchivesFailTheRestoreAndLeaveNothingBehind() throws Exception {
    byte[] good = TestArchives.realArchiveBytes();
    byte[] truncated = Arrays.copyOf(good, 1200);
    byte[] crc = good.clone();
    crc[838 + 25] ^= 1;
    byte[] magic = good.clone();
    magic[1] = 0;
    try (MongoServers servers = MongoServers.start()) {
      String to = servers.db("damaged");
      URI uri = servers.uri("nsFrom=test.*&nsTo=" + to + ".*");
      assertThatThrownBy(
              () ->
                  Runs.restore(
                      MongoRestoreTarget.of(uri, false),
                      Runs.manifest(java.util.Map.of()),
                      truncated))
          .isInstanceOf(IntegrityException.class)
          .hasMessageContaining("truncated")
          .hasMessageContaining("in namespace test.foo at byte offset");
      assertThatThrownBy(
              () ->
                  Runs.restore(
                      MongoRestoreTarget.of(uri, false), Runs.manifest(java.util.Map.of()), crc))
          .isInstanceOf(IntegrityException.class)
          .hasMessageStartingWith(
              "mongodb archive: CRC-64 mismatch for namespace test.foo at byte offset 1567");
      assertThatThrownBy(
              () ->
                  Runs.restore(
                      MongoRestoreTarget.of(uri, false), Runs.manifest(java.util.Map.of()), magic))
          .isInstanceOf(IntegrityException.class)
          .hasMessageStartingWith("mongodb archive: bad magic number");
      try (MongoClient client = servers.client()) {
        // The aborted restores dropped what they had created, so a retry needs no --force.
        assertThat(client.getDatabase(to).listCollectionNames().into(new ArrayList<>())).isEmpty();
      }
    }
  }
}
