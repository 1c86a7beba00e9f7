package io.biowerk.dr.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.IntegrityException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;

/**
 * The archive format: the real mongodump archive, our writer against an independent reader, and
 * damage.
 */
class ArchiveFormatTest {

  private static final Namespace FOO = new Namespace("test", "foo");
  private static final Namespace VERSION = new Namespace("admin", "system.version");

  @Test
  void crc64IsTheXzVariant() {
    assertThat(Crc64.of("123456789".getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo(0x995dc9bbdf1939faL);
    byte[] data = new byte[1000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31 + 7);
    }
    // Split updates (the slicing-by-16 path and the byte path) agree with one update.
    Crc64 split = new Crc64();
    split.update(data, 0, 3);
    split.update(data, 3, 500);
    split.update(data, 503, 497);
    assertThat(split.value()).isEqualTo(Crc64.of(data));
    assertThat(Crc64.of(data)).isEqualTo(Crc64.bitwise(data));
  }

  @Test
  void theLaneCrcMatchesTheBitwiseOneAroundEveryLaneBoundaryAndWhenFedInPieces() {
    java.util.Random random = new java.util.Random(65);
    int block = 4 * Crc64.LANE;
    for (int length :
        new int[] {
          block - 1, block, block + 1, block + 7, block + 8, 2 * block - 1, 2 * block + 9, 5000
        }) {
      byte[] data = new byte[length + 3];
      random.nextBytes(data);
      for (int offset = 0; offset < 3; offset++) {
        byte[] slice = java.util.Arrays.copyOfRange(data, offset, offset + length);
        Crc64 whole = new Crc64();
        whole.update(data, offset, length);
        assertThat(whole.value())
            .as("length %d at offset %d", length, offset)
            .isEqualTo(Crc64.bitwise(slice));
        // Split at an odd point: the running sum goes on across calls as if it were one run.
        Crc64 pieces = new Crc64();
        int cut = length / 3 + 1;
        pieces.update(data, offset, cut);
        pieces.update(data, offset + cut, length - cut);
        assertThat(pieces.value()).as("length %d in two pieces", length).isEqualTo(whole.value());
      }
    }
  }

  @Test
  void theTableDrivenCrcMatchesTheBitwiseOneAtEveryLengthAndOffset() {
    java.util.Random random = new java.util.Random(64);
    for (int length = 0; length < 70; length++) {
      byte[] data = new byte[length + 5];
      random.nextBytes(data);
      for (int offset = 0; offset < 5; offset++) {
        Crc64 crc = new Crc64();
        crc.update(data, offset, length);
        assertThat(crc.value())
            .as("length %d at offset %d", length, offset)
            .isEqualTo(Crc64.bitwise(java.util.Arrays.copyOfRange(data, offset, offset + length)));
      }
    }
  }

  @Test
  void theRealMongodumpArchiveParsesWithEveryCrcMatching() throws IOException {
    TestArchives.Parsed parsed = TestArchives.parse(TestArchives.realArchiveBytes());
    ArchiveSummary s = parsed.summary();
    assertThat(s.header().getString("server_version").getValue()).isEqualTo("4.0.2");
    assertThat(s.header().getInt32("concurrent_collections").getValue()).isEqualTo(4);
    assertThat(s.prelude())
        .extracting(PreludeEntry::namespace)
        .containsExactly(FOO, Namespace.OPLOG, VERSION);
    assertThat(s.counts())
        .containsExactly(
            Map.entry(VERSION, 1L), Map.entry(FOO, 25L), Map.entry(Namespace.OPLOG, 18L));
    assertThat(s.size()).isEqualTo(4506);
    assertThat(s.crcs().get(FOO)).isEqualTo(-7149850455237104254L);
    PreludeEntry foo = s.prelude().get(0);
    assertThat(foo.type()).isEqualTo("collection");
    assertThat(foo.metadataDocument().getArray("indexes")).hasSize(1);
    assertThat(s.describe())
        .isEqualTo(
            "2 namespaces, 26 documents, oplog slice of 18 entries, every CRC-64 " + "matching");
  }

  @Test
  void theRealArchiveRoundTripsThroughOurReaderAndWriter() throws IOException {
    byte[] original = TestArchives.realArchiveBytes();
    TestArchives.Parsed parsed = TestArchives.parse(original);
    // One segment per namespace, in the original's order, as mongodump wrote them.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ArchiveWriter writer = new ArchiveWriter(Channels.newChannel(out));
    writer.writeHeader(4, "4.0.2", "biowerk-dr test");
    writer.writePrelude(parsed.summary().prelude());
    for (Namespace ns : parsed.summary().counts().keySet()) {
      List<ByteBuffer> docs = parsed.documents().get(ns).stream().map(ByteBuffer::wrap).toList();
      if (!docs.isEmpty()) {
        writer.writeSegment(ns, docs);
      }
      writer.endNamespace(ns);
    }
    writer.finish();
    byte[] ours = out.toByteArray();

    TestArchives.Parsed again = TestArchives.parse(ours);
    assertThat(again.stream()).hasSameSizeAs(parsed.stream());
    for (int i = 0; i < parsed.stream().size(); i++) {
      assertThat(again.stream().get(i)).as("document %s", i).isEqualTo(parsed.stream().get(i));
    }
    assertThat(again.summary().crcs()).isEqualTo(parsed.summary().crcs());
    // The body (segments and end headers) is byte-identical to mongodump's: it starts after the
    // prelude.
    int originalBody = 576;
    byte[] originalTail = Arrays.copyOfRange(original, originalBody, original.length);
    byte[] ourTail = Arrays.copyOfRange(ours, ours.length - originalTail.length, ours.length);
    assertThat(ourTail).isEqualTo(originalTail);
    // And the independent reader agrees.
    IndependentArchiveReader.Result independent = IndependentArchiveReader.read(ours);
    assertThat(independent.counts()).containsEntry("test.foo", 25L).containsEntry(".oplog", 18L);
  }

  @Test
  void ourArchiveParsesWithAReaderWrittenFromTheDescription() throws IOException {
    List<PreludeEntry> prelude =
        List.of(
            entry("shop", "orders"),
            entry("shop", "empty"),
            entry("Ünïcødé", "naïve.名前"),
            new PreludeEntry(Namespace.OPLOG, "", "collection"));
    Map<Namespace, List<byte[]>> docs = new LinkedHashMap<>();
    docs.put(prelude.get(0).namespace(), documents(250, 3));
    docs.put(prelude.get(2).namespace(), documents(7, 5000));
    docs.put(Namespace.OPLOG, documents(3, 10));
    byte[] archive = TestArchives.write(prelude, docs, 40);

    IndependentArchiveReader.Result result = IndependentArchiveReader.read(archive);
    assertThat(result.prelude())
        .containsExactly("shop.orders", "shop.empty", "Ünïcødé.naïve.名前", ".oplog");
    assertThat(result.counts())
        .containsEntry("shop.orders", 250L)
        .containsEntry("shop.empty", 0L)
        .containsEntry("Ünïcødé.naïve.名前", 7L)
        .containsEntry(".oplog", 3L);
    assertThat(result.crcs()).containsEntry("shop.empty", 0L);

    TestArchives.Parsed ours = TestArchives.parse(archive);
    assertThat(ours.summary().crcs()).isEqualTo(toNamespaces(result.crcs()));
    assertThat(ours.documents().get(prelude.get(0).namespace()))
        .containsExactlyElementsOf(docs.get(prelude.get(0).namespace()));
    assertThat(ours.summary().prelude().get(0).type()).isEqualTo("collection");
  }

  @Test
  void everyTruncationFailsNamingTheOffset() throws IOException {
    byte[] original = TestArchives.realArchiveBytes();
    for (int length = 0; length < original.length; length++) {
      byte[] cut = Arrays.copyOf(original, length);
      int at = length;
      assertThatThrownBy(() -> TestArchives.parse(cut))
          .as("cut at %s", at)
          .isInstanceOf(IntegrityException.class)
          .hasMessageStartingWith("mongodb archive: ")
          .hasMessageContaining("byte offset")
          .hasMessageContaining("use another backup");
    }
    // Inside test.foo's documents: the message names the namespace and where the cut document
    // starts.
    assertThatThrownBy(() -> TestArchives.parse(Arrays.copyOf(original, 900)))
        .isInstanceOf(IntegrityException.class)
        .hasMessage(
            "mongodb archive: the archive ends inside a document of 29 bytes (truncated) in namespace "
                + "test.foo at byte offset 896; the archive is damaged or truncated; use another backup");
    // At a segment boundary before the oplog's end.
    assertThatThrownBy(() -> TestArchives.parse(Arrays.copyOf(original, 4447)))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining(
            "ends before the namespace's end header (truncated?) in namespace oplog at byte "
                + "offset 4447");
  }

  @Test
  void aChangedDocumentFailsItsNamespacesCrc() throws IOException {
    byte[] damaged = TestArchives.realArchiveBytes();
    damaged[838 + 25] ^= 0x01; // the value of "a" in test.foo's first document
    assertThatThrownBy(() -> TestArchives.parse(damaged))
        .isInstanceOfSatisfying(
            IntegrityException.class,
            e -> {
              assertThat(e.expected()).contains("9cc6a0e47a6d6d82");
              assertThat(e.actual()).isPresent().get().isNotEqualTo("9cc6a0e47a6d6d82");
            })
        .hasMessageStartingWith(
            "mongodb archive: CRC-64 mismatch for namespace test.foo at byte offset 1567: the "
                + "end header says 9cc6a0e47a6d6d82, its 25 documents sum to ");
  }

  @Test
  void aBadMagicNumberIsRefused() throws IOException {
    byte[] damaged = TestArchives.realArchiveBytes();
    damaged[0] = 0x28; // zstd's first byte: a compressed archive handed over undecoded
    assertThatThrownBy(() -> TestArchives.parse(damaged))
        .isInstanceOf(IntegrityException.class)
        .hasMessage(
            "mongodb archive: bad magic number 0x8199e228 at byte offset 0 (expected 0x8199e26d): this "
                + "is not a mongodump archive, or it is compressed or encrypted (decode it first)");
    assertThatThrownBy(() -> TestArchives.parse(new byte[0]))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining("empty");
  }

  @Test
  void badBsonFramingIsRefused() throws IOException {
    byte[] tooShort = TestArchives.realArchiveBytes();
    ByteBuffer.wrap(tooShort).order(ByteOrder.LITTLE_ENDIAN).putInt(867, 3);
    assertThatThrownBy(() -> TestArchives.parse(tooShort))
        .isInstanceOf(IntegrityException.class)
        .hasMessageStartingWith(
            "mongodb archive: bad BSON framing: a document of 3 bytes (must be 5 to 16793600) "
                + "in namespace test.foo at byte offset 867");

    byte[] noZero = TestArchives.realArchiveBytes();
    noZero[867 + 28] = 7;
    assertThatThrownBy(() -> TestArchives.parse(noZero))
        .isInstanceOf(IntegrityException.class)
        .hasMessageStartingWith(
            "mongodb archive: bad BSON framing: a document does not end with a zero byte in "
                + "namespace test.foo at byte offset 867");

    byte[] badElement = TestArchives.realArchiveBytes();
    badElement[867 + 4] =
        0x7f - 0x70; // element type 0x0f: a code-with-scope whose length is garbage
    assertThatThrownBy(() -> TestArchives.parse(badElement))
        .isInstanceOf(IntegrityException.class)
        .hasMessageStartingWith("mongodb archive: bad BSON in a document (")
        .hasMessageContaining("in namespace test.foo at byte offset 867");
  }

  @Test
  void inconsistentBodiesAreRefused() throws IOException {
    byte[] original = TestArchives.realArchiveBytes();
    // A segment of test.foo appended after its end.
    byte[] after = concat(original, Arrays.copyOfRange(original, 781, 781 + 57 + 29 + 4));
    assertThatThrownBy(() -> TestArchives.parse(after))
        .isInstanceOf(IntegrityException.class)
        .hasMessage(
            "mongodb archive: a segment after the namespace's end in namespace test.foo at byte offset 4506; "
                + "the archive is damaged or truncated; use another backup");
    // A namespace the prelude does not list.
    byte[] stranger =
        concat(
            original,
            ArchiveFormat.namespaceHeader(new Namespace("x", "y"), true, 0),
            new byte[] {-1, -1, -1, -1});
    assertThatThrownBy(() -> TestArchives.parse(stranger))
        .isInstanceOf(IntegrityException.class)
        .hasMessageContaining(
            "a segment of a namespace that the prelude does not list in namespace x.y");
  }

  /**
   * Types the in-process server refuses to store (symbol, code with scope, undefined, DBPointer:
   * all deprecated, all still in old data) pass through the archive untouched and pass the
   * structural check.
   */
  @Test
  void deprecatedBsonTypesPassThroughTheArchive() throws IOException {
    BsonDocument doc =
        new BsonDocument("_id", new org.bson.BsonInt32(1))
            .append("symbol", new org.bson.BsonSymbol("sym"))
            .append(
                "scope",
                new org.bson.BsonJavaScriptWithScope(
                    "x", new BsonDocument("x", new org.bson.BsonInt32(2))))
            .append("undefined", new org.bson.BsonUndefined())
            .append("pointer", new org.bson.BsonDbPointer("db.c", new org.bson.types.ObjectId()))
            .append(
                "nested",
                new BsonDocument(
                    "arr",
                    new org.bson.BsonArray(
                        List.of(
                            new org.bson.BsonMinKey(),
                            new org.bson.BsonMaxKey(),
                            new org.bson.BsonDecimal128(org.bson.types.Decimal128.parse("1.5"))))));
    byte[] bytes = ArchiveFormat.bytes(doc);
    PreludeEntry entry = entry("old", "data");
    byte[] archive =
        TestArchives.write(List.of(entry), Map.of(entry.namespace(), List.of(bytes)), 10);
    TestArchives.Parsed parsed = TestArchives.parse(archive);
    assertThat(parsed.documents().get(entry.namespace())).containsExactly(bytes);
  }

  /**
   * Views and time-series collections, which the in-process test server cannot create: their
   * prelude entries keep their type and options, a view has no documents (only its end), and a
   * time-series collection's bucket documents travel under its own name, as mongodump writes them.
   */
  @Test
  void viewsAndTimeSeriesKeepTheirTypeAndOptions() throws IOException {
    PreludeEntry view =
        new PreludeEntry(
            new Namespace("shop", "big_orders"),
            "{\"options\": {\"viewOn\": \"orders\", \"pipeline\": [{\"$match\": {\"qty\": {\"$gt\": "
                + "{\"$numberInt\": \"10\"}}}}]}, \"indexes\": [], \"uuid\": \"\", \"collectionName\": "
                + "\"big_orders\", \"type\": \"view\"}",
            "view");
    PreludeEntry series =
        new PreludeEntry(
            new Namespace("iot", "readings"),
            "{\"options\": {\"timeseries\": {\"timeField\": \"t\", \"metaField\": \"m\", \"granularity\": "
                + "\"seconds\"}}, \"indexes\": [], \"uuid\": \"\", \"collectionName\": \"readings\", "
                + "\"type\": \"timeseries\"}",
            "timeseries");
    Map<Namespace, List<byte[]>> docs = new LinkedHashMap<>();
    docs.put(series.namespace(), documents(3, 50));
    byte[] archive = TestArchives.write(List.of(view, series), docs, 10);
    TestArchives.Parsed parsed = TestArchives.parse(archive);
    assertThat(parsed.summary().prelude()).containsExactly(view, series);
    assertThat(parsed.summary().prelude().get(0).isView()).isTrue();
    assertThat(parsed.summary().prelude().get(0).options().getString("viewOn").getValue())
        .isEqualTo("orders");
    assertThat(
            parsed
                .summary()
                .prelude()
                .get(1)
                .options()
                .getDocument("timeseries")
                .getString("timeField")
                .getValue())
        .isEqualTo("t");
    assertThat(parsed.summary().counts())
        .containsEntry(view.namespace(), 0L)
        .containsEntry(series.namespace(), 3L);
    assertThat(IndependentArchiveReader.read(archive).counts())
        .containsEntry("shop.big_orders", 0L);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static Map<Namespace, Long> toNamespaces(Map<String, Long> byName) {
    Map<Namespace, Long> out = new LinkedHashMap<>();
    byName.forEach((k, v) -> out.put(k.equals(".oplog") ? Namespace.OPLOG : Namespace.parse(k), v));
    return out;
  }

  static PreludeEntry entry(String db, String collection) {
    return new PreludeEntry(
        new Namespace(db, collection),
        "{\"options\": {}, \"indexes\": [{\"v\": {\"$numberInt\": \"2\"}, \"key\": {\"_id\": {\"$numberInt\": "
            + "\"1\"}}, \"name\": \"_id_\"}], \"uuid\": \"00000000000000000000000000000000\", \"collectionName\": \""
            + collection
            + "\", \"type\": \"collection\"}",
        "collection");
  }

  static List<byte[]> documents(int count, int padding) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      BsonDocument doc = BsonDocument.parse("{_id: " + i + ", s: 'x'}");
      doc.put("pad", new org.bson.BsonString("p".repeat(padding + i)));
      out.add(ArchiveFormat.bytes(doc));
    }
    return out;
  }

  @SuppressWarnings("unused")
  private static ByteArrayInputStream in(byte[] b) {
    return new ByteArrayInputStream(b);
  }
}
