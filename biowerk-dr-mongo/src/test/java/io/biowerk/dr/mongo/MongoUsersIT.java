package io.biowerk.dr.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.mongodb.client.MongoClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

/**
 * Users and roles ({@code users=true}). The in-process server refuses every write to its {@code
 * admin} database (it answers {@code insert} and {@code create} there with "no such command"), so
 * it cannot hold {@code admin.system.users} and has no {@code _mergeAuthzCollections}: the dump
 * side is covered by the selection rule ({@link DumpStream#dumps}) and a dump with the option that
 * must not break, the restore side at archive level: an archive holding users and roles as a full
 * mongodump writes them (written with our writer) passes the native check with its counts, is
 * restored without the option with the {@code admin} namespaces skipped (a write there would fail
 * on this server, so the passing restore shows none was tried), and with the option is refused with
 * a message that says what to do and nothing left behind. The merge itself needs a real mongod.
 */
class MongoUsersIT {

  private static final Namespace USERS = new Namespace("admin", "system.users");
  private static final Namespace ROLES = new Namespace("admin", "system.roles");
  private static final Namespace VERSION = new Namespace("admin", "system.version");

  private static final BsonDocument USER =
      new BsonDocument("_id", new BsonString("app.reporter"))
          .append("userId", new BsonBinary(new byte[16]))
          .append("user", new BsonString("reporter"))
          .append("db", new BsonString("app"))
          .append(
              "credentials",
              new BsonDocument(
                  "SCRAM-SHA-256",
                  new BsonDocument("iterationCount", new BsonInt32(15000))
                      .append("salt", new BsonString("c2FsdHNhbHRzYWx0"))
                      .append("storedKey", new BsonString("c3RvcmVka2V5"))
                      .append("serverKey", new BsonString("c2VydmVya2V5"))))
          .append(
              "roles",
              new org.bson.BsonArray(
                  List.of(
                      new BsonDocument("role", new BsonString("read"))
                          .append("db", new BsonString("app")))));

  private static final BsonDocument ROLE =
      new BsonDocument("_id", new BsonString("app.auditor"))
          .append("role", new BsonString("auditor"))
          .append("db", new BsonString("app"))
          .append("privileges", new org.bson.BsonArray())
          .append("roles", new org.bson.BsonArray());

  private static byte[] bytes(BsonDocument d) {
    return ArchiveFormat.bytes(d);
  }

  /** A full dump's shape: the three admin collections, then one application collection. */
  private static byte[] archiveWithUsers(String db) throws IOException {
    Map<Namespace, List<byte[]>> docs = new LinkedHashMap<>();
    docs.put(ROLES, List.of(bytes(ROLE)));
    docs.put(USERS, List.of(bytes(USER)));
    docs.put(
        VERSION,
        List.of(
            bytes(
                new BsonDocument("_id", new BsonString("authSchema"))
                    .append("currentVersion", new BsonInt32(5)))));
    docs.put(new Namespace(db, "items"), List.of(bytes(new BsonDocument("_id", new BsonInt32(1)))));
    List<PreludeEntry> prelude = new ArrayList<>();
    for (Namespace ns : docs.keySet()) {
      prelude.add(ArchiveFormatTest.entry(ns.db(), ns.collection()));
    }
    return TestArchives.write(prelude, docs, 10);
  }

  private static Map<String, Object> facts(String db) {
    Map<String, Object> collections = new TreeMap<>();
    collections.put("admin.system.roles", 1L);
    collections.put("admin.system.users", 1L);
    collections.put("admin.system.version", 1L);
    collections.put(db + ".items", 1L);
    return Map.of("collections", collections);
  }

  @Test
  void usersTrueSelectsTheAuthCollectionsWhateverTheFilterAndNothingElseOfAdmin() {
    NamespaceFilter onlyShop = NamespaceFilter.of(Optional.of("shop"), Optional.empty());
    assertThat(DumpStream.dumps(USERS, true, onlyShop)).isTrue();
    assertThat(DumpStream.dumps(ROLES, true, onlyShop)).isTrue();
    assertThat(DumpStream.dumps(VERSION, true, onlyShop)).isTrue();
    assertThat(DumpStream.dumps(USERS, false, onlyShop)).isFalse();
    assertThat(DumpStream.dumps(new Namespace("admin", "settings"), true, onlyShop)).isFalse();
    assertThat(DumpStream.dumps(new Namespace("config", "system.users"), true, onlyShop)).isFalse();
    assertThat(DumpStream.dumps(new Namespace("shop", "system.js"), true, onlyShop)).isFalse();
    assertThat(DumpStream.dumps(new Namespace("shop", "orders"), true, onlyShop)).isTrue();
    assertThat(DumpStream.dumps(new Namespace("other", "orders"), true, onlyShop)).isFalse();
  }

  @Test
  void aDumpWithUsersTrueOfAServerWithoutThemHoldsTheDataAlone() throws Exception {
    try (MongoServers servers = MongoServers.start();
        MongoClient client = servers.client()) {
      String db = servers.db("app");
      client
          .getDatabase(db)
          .getCollection("items", BsonDocument.class)
          .insertOne(new BsonDocument("_id", new BsonInt32(1)));
      MongoSource source = MongoSource.of(servers.uri("users=true&include=" + db));
      assertThat(source.toString()).contains("users");
      Runs.Backup backup = Runs.backup(source);
      Set<Namespace> namespaces = TestArchives.parse(backup.bytes()).documents().keySet();
      assertThat(namespaces).contains(new Namespace(db, "items"));
      if (servers.inProcess()) {
        // this server has no users; a real mongod has at least admin.system.version
        assertThat(namespaces).containsExactly(new Namespace(db, "items"));
      } else {
        assertThat(namespaces).contains(VERSION);
      }
    }
  }

  @Test
  void anArchiveWithUsersPassesTheNativeCheckWithItsCounts() throws Exception {
    byte[] archive = archiveWithUsers("app");
    TestArchives.Parsed parsed = TestArchives.parse(archive);
    assertThat(parsed.documents().get(USERS)).hasSize(1);
    assertThat(parsed.documents().get(USERS).get(0)).isEqualTo(bytes(USER));
    new MongoArchiveVerifier()
        .verify(
            Runs.manifest(facts("app")),
            io.biowerk.dr.core.VerificationLevel.NATIVE,
            java.nio.channels.Channels.newChannel(new java.io.ByteArrayInputStream(archive)),
            Map.of());
  }

  @Test
  void restoringWithoutUsersTrueSkipsTheAdminNamespaces() throws Exception {
    try (MongoServers servers = MongoServers.start();
        MongoClient client = servers.client()) {
      String db = servers.db("plain");
      Runs.restore(
          MongoRestoreTarget.of(servers.uri(""), false),
          Runs.manifest(facts(db)),
          archiveWithUsers(db));
      assertThat(client.getDatabase(db).getCollection("items").countDocuments()).isOne();
    }
  }

  @Test
  void restoringUsersIntoAServerThatRefusesThemSaysWhatToDoAndLeavesNothing() throws Exception {
    try (MongoServers servers = MongoServers.start();
        MongoClient client = servers.client()) {
      assumeTrue(servers.inProcess(), "a real mongod takes the users: this is the refusal");
      String db = servers.db("merge");
      assertThatThrownBy(
              () ->
                  Runs.restore(
                      MongoRestoreTarget.of(servers.uri("users=true"), false),
                      Runs.manifest(facts(db)),
                      archiveWithUsers(db)))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("mongodb restore")
          .hasMessageContaining("for the archive's users and roles")
          .hasMessageContaining("the users and roles are not restored and the restore is undone")
          .hasMessageContaining("or restore without users=true");
      // (the in-process server lists a database once a restore has looked into it: count
      // collections)
      assertThat(client.getDatabase(db).listCollectionNames().into(new ArrayList<>())).isEmpty();
    }
  }

  @Test
  void usersIsAFlag() {
    assertThatThrownBy(() -> MongoSource.of(java.net.URI.create("mongodb://h/?users=maybe")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("option users must be true or false, got maybe");
    assertThatThrownBy(
            () -> MongoRestoreTarget.of(java.net.URI.create("mongodb://h/?users=maybe"), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("option users must be true or false, got maybe");
  }
}
