package io.biowerk.dr.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.TargetNotEmptyException;
import io.biowerk.dr.core.VerificationLevel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBinarySubType;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonJavaScript;
import org.bson.BsonMaxKey;
import org.bson.BsonMinKey;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonRegularExpression;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.types.Decimal128;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Backup then restore through the driver: several databases and collections (empty, one document,
 * 100k documents, documents near 16 MiB, every BSON type, non-ASCII names, unique and TTL indexes)
 * come back byte-identical with the same index definitions; the real mongodump archive restores;
 * existing collections are refused without force; renaming and filters; native and restore
 * verification.
 */
class MongoRoundTripIT {

  static MongoServers source;
  static MongoServers target;
  static String shop;
  static String unicode;
  static Runs.Backup backup;

  @BeforeAll
  // JavaUtilDate: the driver's Document API represents a BSON date as java.util.Date.
  @SuppressWarnings("JavaUtilDate")
  static void load() throws IOException {
    source = MongoServers.start();
    target = MongoServers.start();
    shop = source.db("rt_shop");
    unicode = source.db("rt_Ünïcødé");
    try (MongoClient client = source.client()) {
      MongoDatabase db = client.getDatabase(shop);
      MongoCollection<Document> orders = db.getCollection("orders");
      List<Document> batch = new ArrayList<>();
      for (int i = 0; i < 100_000; i++) {
        batch.add(
            new Document("_id", i)
                .append("ref", "R" + i)
                .append("created", new java.util.Date(i * 1000L))
                .append("qty", i % 13)
                .append("tags", List.of("a", "b" + (i % 5))));
        if (batch.size() == 5000) {
          orders.insertMany(batch);
          batch.clear();
        }
      }
      orders.createIndex(
          Indexes.ascending("ref"), new IndexOptions().unique(true).name("ref_unique"));
      orders.createIndex(
          Indexes.ascending("created"),
          new IndexOptions().expireAfter(3600L, TimeUnit.SECONDS).name("created_ttl"));
      orders.createIndex(
          Indexes.compoundIndex(Indexes.ascending("qty"), Indexes.descending("ref")));
      db.getCollection("one").insertOne(new Document("_id", "only").append("v", 1));
      db.createCollection("empty");
      db.getCollection("types", BsonDocument.class).insertOne(everyType());
      MongoCollection<BsonDocument> big = db.getCollection("big", BsonDocument.class);
      for (int i = 0; i < 2; i++) {
        char[] fill = new char[16 * 1024 * 1024 - 4096];
        Arrays.fill(fill, (char) ('x' + i));
        big.insertOne(
            new BsonDocument("_id", new BsonInt32(i))
                .append("s", new BsonString(new String(fill))));
      }
      client
          .getDatabase(unicode)
          .getCollection("naïve.名前")
          .insertOne(new Document("_id", "ключ").append("値", "значение"));
    }
    backup = Runs.backup(MongoSource.of(source.uri("include=" + shop + "," + unicode)));
  }

  @AfterAll
  static void stop() {
    source.close();
    target.close();
  }

  @Test
  void theExpectedSizeIsTheCollectionsDataSizeAndNearTheArchivesSize() throws Exception {
    long archive = 0;
    long expected;
    try (io.biowerk.dr.core.SourceStream stream =
        MongoSource.of(source.uri("include=" + shop + "," + unicode)).open()) {
      expected = stream.expectedSize();
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(1 << 16);
      int n;
      while ((n = stream.read(buffer)) >= 0) {
        archive += n;
        buffer.clear();
      }
    }
    // Known before the first byte (collStats), and an estimate of the archive: two 16 MiB
    // documents and 100,000 small ones, plus the archive's headers and metadata.
    assertThat(expected).isGreaterThan(32L << 20);
    assertThat((double) archive / expected).isBetween(0.9, 1.2);
  }

  static BsonDocument everyType() {
    return new BsonDocument("_id", new BsonObjectId())
        .append("double", new BsonDouble(3.25))
        .append("string", new BsonString("grüß"))
        .append("document", new BsonDocument("a", new BsonInt32(1)))
        .append("array", new BsonArray(List.of(new BsonInt32(1), new BsonString("two"))))
        .append("binary", new BsonBinary(new byte[] {1, 2, 3}))
        .append("uuid", new BsonBinary(BsonBinarySubType.UUID_STANDARD, new byte[16]))
        .append("objectId", new BsonObjectId())
        .append("bool", BsonBoolean.TRUE)
        .append("date", new BsonDateTime(1_700_000_000_000L))
        .append("null", BsonNull.VALUE)
        .append("regex", new BsonRegularExpression("^a.*z$", "i"))
        .append("js", new BsonJavaScript("function() { return 1; }"))
        .append("int32", new BsonInt32(-7))
        .append("timestamp", new BsonTimestamp(1_700_000_000, 3))
        .append("int64", new BsonInt64(1L << 40))
        .append("decimal", new BsonDecimal128(Decimal128.parse("1234.5678")))
        .append("minKey", new BsonMinKey())
        .append("maxKey", new BsonMaxKey());
  }

  /** Every document of a collection as raw bytes, by _id. */
  static Map<String, String> documents(MongoClient client, String db, String collection) {
    Map<String, String> out = new TreeMap<>();
    for (RawBsonDocument doc :
        client.getDatabase(db).getCollection(collection, RawBsonDocument.class).find()) {
      byte[] bytes = new byte[doc.getByteBuffer().remaining()];
      doc.getByteBuffer().get(bytes);
      out.put(doc.get("_id").toString(), Base64.getEncoder().encodeToString(bytes));
    }
    return out;
  }

  static Set<BsonDocument> indexes(MongoClient client, String db, String collection) {
    Set<BsonDocument> out = new HashSet<>();
    for (BsonDocument index :
        client.getDatabase(db).getCollection(collection).listIndexes(BsonDocument.class)) {
      BsonDocument copy = index.clone();
      copy.remove("ns");
      copy.remove("v");
      out.add(copy);
    }
    return out;
  }

  @Test
  void theBackupRecordsFactsAndParsesWithTheIndependentReader() {
    @SuppressWarnings("unchecked")
    Map<String, Object> counts = (Map<String, Object>) backup.facts().get("collections");
    assertThat(counts)
        .containsEntry(shop + ".orders", 100_000L)
        .containsEntry(shop + ".one", 1L)
        .containsEntry(shop + ".empty", 0L)
        .containsEntry(shop + ".big", 2L)
        .containsEntry(shop + ".types", 1L)
        .containsEntry(unicode + ".naïve.名前", 1L);
    assertThat(backup.facts()).containsKeys("serverVersion", "topology", "databases");
    IndependentArchiveReader.Result result = IndependentArchiveReader.read(backup.bytes());
    assertThat(result.counts())
        .containsEntry(shop + ".orders", 100_000L)
        .containsEntry(shop + ".big", 2L);
  }

  @Test
  void backupThenRestoreGivesByteIdenticalDocumentsAndTheSameIndexes() throws IOException {
    String to = target.db("rt_copy");
    Runs.restore(
        MongoRestoreTarget.of(target.uri("nsFrom=" + shop + ".*&nsTo=" + to + ".*"), false),
        backup.manifest(),
        backup.bytes());
    try (MongoClient from = source.client();
        MongoClient into = target.client()) {
      for (String collection : List.of("orders", "one", "empty", "types", "big")) {
        Map<String, String> expected = documents(from, shop, collection);
        Map<String, String> actual = documents(into, to, collection);
        assertThat(actual.size()).as(collection).isEqualTo(expected.size());
        assertThat(actual.equals(expected)).as("%s byte-identical", collection).isTrue();
        assertThat(indexes(into, to, collection))
            .as(collection)
            .isEqualTo(indexes(from, shop, collection));
      }
      assertThat(indexes(into, to, "orders")).hasSize(4);
      assertThat(documents(into, unicode, "naïve.名前"))
          .isEqualTo(documents(from, unicode, "naïve.名前"));
    }
  }

  @Test
  void existingCollectionsAreRefusedWithoutForceAndDroppedWithIt() throws IOException {
    String to = target.db("rt_force");
    URI uri = target.uri("include=" + shop + ".one&nsFrom=" + shop + ".*&nsTo=" + to + ".*");
    try (MongoClient into = target.client()) {
      into.getDatabase(to).getCollection("one").insertOne(new Document("_id", "stale"));
      assertThatThrownBy(() -> MongoRestoreTarget.of(uri, false).open(backup.manifest()))
          .isInstanceOf(TargetNotEmptyException.class)
          .hasMessage(
              "mongodb restore: 1 collection(s) already exist on 127.0.0.1:"
                  + port(target)
                  + " ("
                  + to
                  + ".one): restore with --force to drop them first (like mongorestore --drop), or rename with "
                  + "nsFrom/nsTo, or exclude them");
      assertThat(documents(into, to, "one")).containsOnlyKeys("BsonString{value='stale'}");
      Runs.restore(MongoRestoreTarget.of(uri, true), backup.manifest(), backup.bytes());
      assertThat(documents(into, to, "one")).containsOnlyKeys("BsonString{value='only'}");
      assertThat(into.getDatabase(to).listCollectionNames().into(new ArrayList<>()))
          .containsExactly("one");
    }
  }

  static String port(MongoServers servers) {
    return servers.uri("").toString().replaceAll("^mongodb://127\\.0\\.0\\.1:(\\d+)/.*", "$1");
  }

  @Test
  void theRealMongodumpArchiveRestoresWithItsOplogReplayed() throws IOException {
    byte[] archive = TestArchives.realArchiveBytes();
    // What the restored test.foo must hold: its 25 dumped documents plus those the oplog slice
    // inserted.
    Set<String> ids = new HashSet<>();
    TestArchives.Parsed parsed = TestArchives.parse(archive);
    parsed
        .documents()
        .get(new Namespace("test", "foo"))
        .forEach(d -> ids.add(new RawBsonDocument(d).get("_id").toString()));
    for (byte[] d : parsed.documents().get(Namespace.OPLOG)) {
      RawBsonDocument op = new RawBsonDocument(d);
      if (op.getString("ns").getValue().equals("test.foo")) {
        ids.add(op.getDocument("o").get("_id").toString());
      }
    }
    String to = target.db("rt_real");
    URI uri = target.uri("nsFrom=test.*&nsTo=" + to + ".*");
    Runs.restore(MongoRestoreTarget.of(uri, false), Runs.manifest(Map.of()), archive);
    try (MongoClient into = target.client()) {
      Set<String> restored = new HashSet<>();
      into.getDatabase(to)
          .getCollection("foo", BsonDocument.class)
          .find()
          .forEach(d -> restored.add(d.get("_id").toString()));
      // The slice re-inserts documents the dump already holds: the replay is idempotent, as
      // mongorestore's.
      assertThat(restored).isEqualTo(ids).hasSize(25);
      assertThat(into.listDatabaseNames().into(new ArrayList<>())).doesNotContain("test");
    }
    // Again without force: this archive has no manifest facts, so the prelude is where it is
    // refused.
    assertThatThrownBy(
            () -> Runs.restore(MongoRestoreTarget.of(uri, false), Runs.manifest(Map.of()), archive))
        .isInstanceOf(TargetNotEmptyException.class)
        .hasMessageContaining("(" + to + ".foo)");
  }

  @Test
  void nativeVerificationChecksEverythingAndTheManifestCounts() throws IOException {
    MongoArchiveVerifier verifier = new MongoArchiveVerifier();
    assertThat(
            verifier.verify(
                backup.manifest(), VerificationLevel.NATIVE, channel(backup.bytes()), Map.of()))
        .isEqualTo(
            "mongodb archive: 6 namespaces, 100005 documents, every CRC-64 matching, counts matching the "
                + "manifest");
    Map<String, Object> wrong = new LinkedHashMap<>(backup.facts());
    Map<String, Object> counts = new HashMap<>(castMap(wrong.get("collections")));
    counts.put(shop + ".one", 2L);
    wrong.put("collections", counts);
    assertThatThrownBy(
            () ->
                verifier.verify(
                    Runs.manifest(wrong),
                    VerificationLevel.NATIVE,
                    channel(backup.bytes()),
                    Map.of()))
        .isInstanceOf(IntegrityException.class)
        .hasMessageStartingWith("mongodb verify: the archive's collections and counts {")
        .hasMessageContaining("differ from the manifest's");
    byte[] truncated = Arrays.copyOf(backup.bytes(), backup.bytes().length - 10);
    assertThatThrownBy(
            () ->
                verifier.verify(
                    backup.manifest(), VerificationLevel.NATIVE, channel(truncated), Map.of()))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("truncated");
    // The real mongodump archive has no manifest facts: the parse and CRCs are what is checked.
    assertThat(
            verifier.verify(
                Runs.manifest(Map.of()),
                VerificationLevel.NATIVE,
                channel(TestArchives.realArchiveBytes()),
                Map.of()))
        .isEqualTo(
            "mongodb archive: 2 namespaces, 26 documents, oplog slice of 18 entries, every CRC-64 "
                + "matching, counts matching the manifest");
  }

  @Test
  void restoreVerificationRestoresIntoScratchDatabasesAndDropsThem() throws IOException {
    MongoArchiveVerifier verifier = new MongoArchiveVerifier();
    String line =
        verifier.verify(
            backup.manifest(),
            VerificationLevel.RESTORE,
            channel(backup.bytes()),
            Map.of("scratch-uri", target.uri("").toString()));
    assertThat(line)
        .startsWith(
            "mongodb restore into scratch server: 6 collections, 100005 documents, counts "
                + "matching, in ");
    try (MongoClient into = target.client()) {
      assertThat(into.listDatabaseNames().into(new ArrayList<>()))
          .noneMatch(d -> d.startsWith("bwverify_"));
    }
    assertThatThrownBy(
            () ->
                verifier.verify(
                    backup.manifest(),
                    VerificationLevel.RESTORE,
                    channel(backup.bytes()),
                    Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("scratch-uri=mongodb://");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> castMap(Object o) {
    return (Map<String, Object>) o;
  }

  static java.nio.channels.ReadableByteChannel channel(byte[] bytes) {
    return Channels.newChannel(new ByteArrayInputStream(bytes));
  }

  @SuppressWarnings("unused")
  private static BsonValue unused() {
    return null;
  }
}
