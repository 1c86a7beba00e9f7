package io.biowerk.dr.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.NativeVerifier;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceFailedException;
import io.biowerk.dr.core.Sources;
import java.net.URI;
import java.util.Optional;
import java.util.ServiceLoader;
import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;

/**
 * Lookup by scheme, URI options, renaming and filter rules, and the mongos refusal (no server
 * needed).
 */
class MongoProvidersTest {

  @Test
  void sourceTargetAndVerifierAreFoundByScheme() throws Exception {
    Source source = Sources.forUri(URI.create("mongodb://127.0.0.1:27017"));
    assertThat(source).isInstanceOf(MongoSource.class);
    assertThat(source.kind()).isEqualTo("mongodb");
    assertThat(source.name()).isEqualTo("mongodb");
    assertThat(source.format()).isEqualTo("archive");
    assertThat(Sources.forUri(URI.create("mongodb+srv://cluster0.example.net/?name=orders")))
        .isInstanceOf(MongoSource.class)
        .extracting(Source::name)
        .isEqualTo("orders");
    assertThat(Sources.targetForUri(URI.create("mongodb://127.0.0.1:27017"), false))
        .isInstanceOf(MongoRestoreTarget.class);
    assertThat(
            ServiceLoader.load(NativeVerifier.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(v -> v.sourceKinds().contains("mongodb"))
                .findFirst())
        .get()
        .isInstanceOf(MongoArchiveVerifier.class);
  }

  @Test
  void passwordNeverShows() {
    MongoSource source =
        MongoSource.of(
            URI.create(
                "mongodb://backup:s3cr%40t-pw@db1:27017,db2:27017/?replicaSet=rs0&oplog=true&jobs=8"));
    assertThat(source.toString())
        .isEqualTo("mongodb source mongodb://backup:***@db1:27017,db2:27017/ (jobs 8, " + "oplog)")
        .doesNotContain("s3cr");
    assertThat(MongoRestoreTarget.of(URI.create("mongodb://u:hunter2@h/"), true).toString())
        .isEqualTo("mongodb restore mongodb://u:***@h/ (force)");
    MongoUri uri =
        MongoUri.parse(
            URI.create("mongodb://u:p%40ss@h:1/?replicaSet=rs0&include=a,b.c&jobs=2"), "t");
    assertThat(uri.connection().getPassword()).containsExactly("p@ss".toCharArray());
    assertThat(uri.connection().getRequiredReplicaSetName()).isEqualTo("rs0");
    assertThat(uri.option("include")).contains("a,b.c");
    assertThat(uri.connection().getConnectionString())
        .doesNotContain("include")
        .doesNotContain("jobs");
  }

  @Test
  void badOptionsAreNamed() {
    assertThatThrownBy(() -> MongoSource.of(URI.create("mongodb://h/?jobs=0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mongodb source: option jobs must be a positive number, got 0");
    assertThatThrownBy(() -> MongoSource.of(URI.create("mongodb://h/?oplog=yes")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mongodb source: option oplog must be true or false, got yes");
    assertThatThrownBy(
            () -> MongoSource.of(URI.create("mongodb://u:secret@h/?readPreference=nowhere")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "mongodb source: the driver refuses the connection string mongodb://u:***@h/")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> MongoSource.of(URI.create("postgresql://h/")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected a mongodb://");
    assertThatThrownBy(() -> MongoRestoreTarget.of(URI.create("mongodb://h/?nsFrom=a.*"), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mongodb restore: nsFrom and nsTo go together");
  }

  @Test
  void filtersAndRenames() {
    NamespaceFilter filter =
        NamespaceFilter.of(Optional.of("shop,crm.contacts,logs.day_*"), Optional.of("shop.tmp_*"));
    assertThat(filter.takes(Namespace.parse("shop.orders"))).isTrue();
    assertThat(filter.takes(Namespace.parse("shop.tmp_1"))).isFalse();
    assertThat(filter.takes(Namespace.parse("crm.contacts"))).isTrue();
    assertThat(filter.takes(Namespace.parse("crm.other"))).isFalse();
    assertThat(filter.takes(Namespace.parse("logs.day_1"))).isTrue();
    assertThat(filter.takes(Namespace.parse("shopping.x"))).isFalse();
    assertThat(NamespaceFilter.of(Optional.empty(), Optional.empty()).takes(Namespace.parse("a.b")))
        .isTrue();

    NamespaceRenamer renamer =
        NamespaceRenamer.of(
            Optional.of("shop.*,*.audit"), Optional.of("shop_copy.*,archive.audit_*"), "t");
    assertThat(renamer.rename(Namespace.parse("shop.orders.v2")))
        .isEqualTo(Namespace.parse("shop_copy.orders.v2"));
    assertThat(renamer.rename(Namespace.parse("crm.audit")))
        .isEqualTo(Namespace.parse("archive.audit_crm"));
    assertThat(renamer.rename(Namespace.parse("crm.x"))).isEqualTo(Namespace.parse("crm.x"));
    assertThatThrownBy(() -> NamespaceRenamer.of(Optional.of("a.*"), Optional.of("b.c"), "t"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("same number of *");
  }

  /**
   * A mongos answers isMaster with {@code msg: "isdbgrid"}. No mongos runs here (neither the
   * in-process server nor a single mongod can be one), so the refusal is checked on that reply.
   */
  @Test
  void aMongosIsRefusedWithWhatToBackUpInstead() {
    MongoUri uri = MongoUri.parse(URI.create("mongodb://router:27017/"), "t");
    assertThatThrownBy(
            () ->
                DumpStream.checkNotMongos(
                    BsonDocument.parse("{ismaster: true, msg: 'isdbgrid'}"), uri))
        .isInstanceOf(SourceFailedException.class)
        .hasMessageStartingWith(
            "mongodb source: mongodb://router:27017/ is a mongos of a sharded cluster")
        .hasMessageContaining("back up each shard's replica set and the config server replica set");
    org.assertj.core.api.Assertions.assertThatCode(
            () ->
                DumpStream.checkNotMongos(
                    BsonDocument.parse("{ismaster: true, setName: 'rs0'}"), uri))
        .doesNotThrowAnyException();
  }
}
