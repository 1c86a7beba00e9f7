package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The streaming row counter over archives written here byte by byte as pg_dump's {@code WriteHead},
 * {@code WriteToc} and custom-format data blocks lay them out (the layout in {@link
 * ArchiveRowCounter}'s Javadoc), so each odd case can be built on purpose. {@code
 * ArchiveRowCounterIT} runs it over real pg_dump output.
 */
class ArchiveRowCounterTest {

  /** Writes an archive: header, table of contents, data blocks. */
  static final class Archive {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final int minor;
    final int intSize;

    /** A directory archive's toc.dat: each entry names its data file instead of an offset. */
    boolean directory;

    Archive(int minor, int intSize) {
      this.minor = minor;
      this.intSize = intSize;
    }

    Archive() {
      this(14, 4);
    }

    Archive bytes(int... values) {
      for (int v : values) {
        out.write(v);
      }
      return this;
    }

    Archive integer(long value) {
      out.write(value < 0 ? 1 : 0);
      long v = Math.abs(value);
      for (int k = 0; k < intSize; k++) {
        out.write((int) (v >>> (8 * k)) & 0xFF);
      }
      return this;
    }

    Archive string(String s) {
      if (s == null) {
        return integer(-1);
      }
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      integer(b.length);
      out.writeBytes(b);
      return this;
    }

    Archive head(int format, int compression) {
      out.writeBytes("PGDMP".getBytes(StandardCharsets.US_ASCII));
      bytes(1, minor, 0, intSize, 8, format);
      if (minor >= 15) {
        bytes(compression);
      } else {
        integer(compression);
      }
      for (int i = 0; i < 7; i++) {
        integer(i);
      }
      return string("db").string("15.20").string("15.20");
    }

    Archive head() {
      return head(1, 0);
    }

    /** One entry of the table of contents. */
    Archive entry(int dumpId, String desc, String namespace, String tag, String copyStmt) {
      integer(dumpId)
          .integer(copyStmt == null ? 0 : 1)
          .string("1259")
          .string("16384")
          .string(tag)
          .string(desc);
      integer(4).string("").string("").string(copyStmt).string(namespace).string("").string("heap");
      if (minor >= 16) {
        integer('r');
      }
      string("postgres").string("false");
      string("12").string("13").string(null); // two dependencies and the end of the list
      if (directory) {
        return string(copyStmt == null || copyStmt.isEmpty() ? null : dumpId + ".dat");
      }
      return bytes(1, 0, 0, 0, 0, 0, 0, 0, 0); // offset not set: a flag byte and offSize bytes
    }

    Archive toc(int entries) {
      return integer(entries);
    }

    Archive tableData(int dumpId, String namespace, String table) {
      return entry(
          dumpId,
          "TABLE DATA",
          namespace,
          table,
          "COPY " + namespace + "." + table + " FROM stdin;\n");
    }

    /** A data block whose chunks are {@code chunks}, then pg_dump's end-of-data line. */
    Archive data(int dumpId, String... chunks) {
      bytes(1).integer(dumpId);
      for (String c : chunks) {
        chunk(c);
      }
      chunk("\\.\n\n\n");
      return integer(0);
    }

    Archive chunk(String text) {
      byte[] b = text.getBytes(StandardCharsets.UTF_8);
      integer(b.length);
      out.writeBytes(b);
      return this;
    }

    byte[] toBytes() {
      return out.toByteArray();
    }
  }

  /**
   * Feeds {@code archive} in pieces cut at the given lengths (cycled), in heap or direct buffers.
   */
  static ArchiveRowCounter feed(byte[] archive, int[] pieces, boolean direct) {
    ArchiveRowCounter counter = new ArchiveRowCounter();
    int at = 0;
    int i = 0;
    while (at < archive.length) {
      int n = Math.min(pieces[i++ % pieces.length], archive.length - at);
      ByteBuffer b = direct ? ByteBuffer.allocateDirect(n + 7) : ByteBuffer.allocate(n + 7);
      b.position(
          3); // not at offset 0, and with bytes after the limit: only [position, limit) may be read
      b.put(archive, at, n).flip().position(3);
      counter.accept(b);
      assertThat(b.position()).isEqualTo(3);
      at += n;
    }
    return counter;
  }

  static ArchiveRowCounter feed(byte[] archive) {
    return feed(archive, new int[] {archive.length}, false);
  }

  static long rows(ArchiveRowCounter counter, String schema, String table) {
    OptionalLong n = counter.rows(schema, table);
    assertThat(n).as("rows of %s.%s", schema, table).isPresent();
    return n.getAsLong();
  }

  /** A row whose COPY text is {@code length} bytes with its newline. */
  static String row(int length) {
    return "x".repeat(length - 1) + "\n";
  }

  static byte[] typical() {
    List<String> big = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      big.add(i + "\tvalue with an escaped \\n newline and a tab \\t " + i + "\n");
    }
    return new Archive()
        .head()
        .toc(8)
        .entry(1, "ENCODING", null, "ENCODING", null)
        .entry(2, "TABLE", "public", "big", "")
        .entry(3, "TABLE", "public", "nodata", "")
        .entry(4, "TABLE", "public", "empty", "")
        .tableData(7, "public", "big")
        .tableData(8, "Mixed Schema", "Tåble \"quoted\"")
        .tableData(9, "public", "empty")
        .entry(10, "BLOBS", null, "BLOBS", null)
        .data(7, big.toArray(String[]::new))
        // rows whose chunk lengths are 10 (0x0a) and 266 (0x010a): a length byte that looks like a
        // newline
        .data(8, row(10), row(266), row(1), row(7), row(8), row(9))
        .data(9)
        // a large-object block: two objects, the first in two chunks; newlines in them are no rows
        // of anyone
        .bytes(3)
        .integer(10)
        .integer(16400)
        .chunk("a\nb\n")
        .chunk("\n")
        .integer(0)
        .integer(16401)
        .chunk("c\n")
        .integer(0)
        .integer(0)
        .toBytes();
  }

  @Test
  void countsEachTablesRowsLessTheEndOfDataLine() {
    ArchiveRowCounter counter = feed(typical());
    assertThat(counter.finish()).isTrue();
    assertThat(counter.problem()).isEmpty();
    assertThat(rows(counter, "public", "big")).isEqualTo(1000);
    assertThat(rows(counter, "Mixed Schema", "Tåble \"quoted\"")).isEqualTo(6);
    assertThat(rows(counter, "public", "empty")).isZero();
    assertThat(counter.rows("public", "absent")).isEmpty();
    assertThat(counter.counts()).hasSize(3);
    // listed as a table with no data entry: its data was left out of the dump, which holds none of
    // its rows
    assertThat(rows(counter, "public", "nodata")).isZero();
  }

  @Test
  void theCountsDoNotDependOnHowTheStreamIsCut() {
    byte[] archive = typical();
    Map<ArchiveRowCounter.Table, Long> whole = feed(archive).counts();
    Random random = new Random(42);
    for (int trial = 0; trial < 200; trial++) {
      int[] pieces = new int[1 + random.nextInt(20)];
      for (int i = 0; i < pieces.length; i++) {
        pieces[i] = 1 + random.nextInt(random.nextBoolean() ? 16 : 4096);
      }
      ArchiveRowCounter counter = feed(archive, pieces, random.nextBoolean());
      assertThat(counter.finish()).as("pieces %s", java.util.Arrays.toString(pieces)).isTrue();
      assertThat(counter.counts()).isEqualTo(whole);
    }
    ArchiveRowCounter byteByByte = feed(archive, new int[] {1}, true);
    assertThat(byteByByte.finish()).isTrue();
    assertThat(byteByByte.counts()).isEqualTo(whole);
  }

  @Test
  void readsTheHeaderOfVersions115And116AndOtherIntegerSizes() {
    for (int minor : new int[] {12, 13, 14, 15, 16}) {
      for (int intSize : new int[] {4, 8}) {
        byte[] archive =
            new Archive(minor, intSize)
                .head()
                .toc(1)
                .tableData(3, "s", "t")
                .data(3, "1\n", "2\n")
                .toBytes();
        ArchiveRowCounter counter = feed(archive, new int[] {5}, false);
        assertThat(counter.finish()).as("1.%d, int size %d", minor, intSize).isTrue();
        assertThat(rows(counter, "s", "t")).isEqualTo(2);
      }
    }
  }

  @Test
  void aTableOfContentsLargerThanTheFirstBuffersIsParsedOnceComplete() {
    Archive a = new Archive().head().toc(20_001);
    for (int i = 0; i < 20_000; i++) {
      a.entry(100 + i, "COMMENT", "public", "COMMENT ON TABLE t" + i, null);
    }
    byte[] archive = a.tableData(5, "public", "t").data(5, "a\n", "b\n", "c\n").toBytes();
    assertThat(archive.length).isGreaterThan(2 << 20);
    ArchiveRowCounter counter = feed(archive, new int[] {65536}, true);
    assertThat(counter.finish()).isTrue();
    assertThat(rows(counter, "public", "t")).isEqualTo(3);
  }

  @Test
  void aTableWhoseDataIsNotCopyTextIsNotCounted() {
    // pg_dump --inserts: the data are INSERT statements, and the entry has no COPY statement
    byte[] archive =
        new Archive()
            .head()
            .toc(2)
            .entry(3, "TABLE DATA", "public", "ins", "")
            .tableData(4, "public", "t")
            .data(3, "INSERT INTO public.ins VALUES (1);\n")
            .data(4, "1\n")
            .toBytes();
    ArchiveRowCounter counter = feed(archive);
    assertThat(counter.finish()).isTrue();
    assertThat(counter.rows("public", "ins")).isEmpty();
    assertThat(rows(counter, "public", "t")).isEqualTo(1);
  }

  @Test
  void aBlockThatDoesNotEndWithTheEndOfDataLineIsNotCounted() {
    Archive a =
        new Archive()
            .head()
            .toc(3)
            .tableData(3, "public", "a")
            .tableData(4, "public", "b")
            .tableData(5, "public", "c");
    a.bytes(1)
        .integer(3)
        .chunk("1\n")
        .chunk("2\n")
        .integer(0); // no "\.": its newlines are not known rows
    a.bytes(1).integer(4).chunk("1\n").chunk("x\\.\n").integer(0); // "\." not on a line of its own
    a.data(5, "1\n");
    ArchiveRowCounter counter = feed(a.toBytes(), new int[] {3}, false);
    assertThat(counter.finish()).isTrue();
    assertThat(counter.rows("public", "a")).isEmpty();
    assertThat(counter.rows("public", "b")).isEmpty();
    assertThat(rows(counter, "public", "c")).isEqualTo(1);
  }

  @Test
  void stopsWithAReasonOnAnythingItDoesNotRead() {
    assertStops(new byte[] {'P', 'K', 3, 4, 0, 0}, "does not start with PGDMP");
    assertStops(
        new Archive(11, 4).head().toBytes(),
        "archive version 1.11.0 is not one this counter reads");
    assertStops(
        new Archive(17, 4).head().toBytes(),
        "archive version 1.17.0 is not one this counter reads");
    assertStops(new Archive().head(3, 0).toBytes(), "archive format 3 is not custom");
    assertStops(new Archive().head(1, 6).toBytes(), "the archive is compressed (6)");
    assertStops(new Archive(15, 4).head(1, 1).toBytes(), "the archive is compressed (1)");
    assertStops(new Archive().head().toc(-1).toBytes(), "has -1 entries");
    assertStops(
        new Archive().head().toc(1).tableData(3, "s", "t").bytes(2).integer(3).toBytes(),
        "unknown data block type 2");
    assertStops(
        new Archive()
            .head()
            .toc(1)
            .tableData(3, "s", "t")
            .bytes(1)
            .integer(3)
            .integer(-5)
            .toBytes(),
        "a negative chunk length (-5) in the data of dump id 3");
  }

  @Test
  void anArchiveCutShortIsNotCounted() {
    byte[] archive = typical();
    ArchiveRowCounter inHead = feed(java.util.Arrays.copyOf(archive, 200));
    assertThat(inHead.finish()).isFalse();
    assertThat(inHead.problem())
        .hasValueSatisfying(p -> assertThat(p).contains("inside its header"));
    ArchiveRowCounter inData = feed(java.util.Arrays.copyOf(archive, archive.length - 30));
    assertThat(inData.finish()).isFalse();
    assertThat(inData.problem())
        .hasValueSatisfying(p -> assertThat(p).contains("ended inside the data"));
    assertThat(inData.counts()).isEmpty();
    assertThat(inData.rows("public", "big")).isEmpty();
  }

  @Test
  void aHeadLargerThanTheLimitStopsCountingInsteadOfGrowingWithoutEnd() {
    ArchiveRowCounter counter = new ArchiveRowCounter();
    byte[] start =
        new Archive().head().toc(1).integer(1).integer(0).string("1").string("2").toBytes();
    counter.accept(ByteBuffer.wrap(start));
    counter.accept(
        ByteBuffer.wrap(
            new byte[] {0, 0, 0, (byte) 0xC0, 0x03})); // a tag of 60 MiB, then its bytes
    ByteBuffer filler = ByteBuffer.allocate(1 << 20);
    for (int i = 0; i < ArchiveRowCounter.MAX_HEAD >> 20 && counter.problem().isEmpty(); i++) {
      counter.accept(filler.clear());
    }
    assertThat(counter.problem())
        .hasValueSatisfying(p -> assertThat(p).contains("larger than 64 MiB"));
    assertThat(counter.finish()).isFalse();
  }

  @Test
  void aStringLongerThanTheLimitStopsCountingAtOnce() {
    byte[] start =
        new Archive()
            .head()
            .toc(1)
            .integer(1)
            .integer(0)
            .string("1")
            .string("2")
            .bytes(0, 0, 0, 0, 0x7f)
            .toBytes(); // a tag of 2 GB
    assertStops(start, "a table of contents string of 2130706432 bytes");
  }

  @Test
  void countsNewlinesAtEveryAlignmentAndLength() {
    Random random = new Random(7);
    for (int length = 0; length < 80; length++) {
      for (int from = 0; from < 9; from++) {
        byte[] b = new byte[from + length + 9];
        long expected = 0;
        for (int i = 0; i < b.length; i++) {
          b[i] = (byte) (random.nextInt(4) == 0 ? '\n' : random.nextInt(256));
          if (i >= from && i < from + length && b[i] == '\n') {
            expected++;
          }
        }
        ByteBuffer buffer = ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertThat(ArchiveRowCounter.newlines(buffer, from, length))
            .as("from %d length %d", from, length)
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void countsADirectoryArchiveFileByFileAsTheTarStreamsIt() {
    Archive toc = new Archive();
    toc.directory = true;
    byte[] tocDat =
        toc.head(3, 0)
            .toc(5)
            .entry(2, "TABLE", "public", "big", "")
            .entry(3, "TABLE", "public", "nodata", "")
            .tableData(7, "public", "big")
            .tableData(8, "Mixed Schema", "Tåble")
            .tableData(9, "public", "broken")
            .toBytes();
    ArchiveRowCounter counter = ArchiveRowCounter.directory();
    counter.bytes("toc.dat", ByteBuffer.wrap(tocDat, 0, 100));
    assertThat(counter.knows("public", "big")).as("not before toc.dat is complete").isFalse();
    counter.bytes("toc.dat", ByteBuffer.wrap(tocDat, 100, tocDat.length - 100));
    counter.end("toc.dat");
    assertThat(counter.knows("public", "big")).isTrue();
    assertThat(counter.knows("public", "nodata")).isTrue();
    assertThat(counter.knows("public", "absent")).isFalse();
    // the tar streams toc.dat again, then the data files, cut anywhere
    counter.bytes("toc.dat", ByteBuffer.wrap(tocDat));
    counter.end("toc.dat");
    byte[] big = ("1\ta\n".repeat(1000) + "\\.\n\n\n").getBytes(StandardCharsets.UTF_8);
    for (int at = 0; at < big.length; at += 333) {
      counter.bytes("7.dat", ByteBuffer.wrap(big, at, Math.min(333, big.length - at)));
    }
    counter.end("7.dat");
    counter.bytes("8.dat", ByteBuffer.wrap("x\n\\.\n\n\n".getBytes(StandardCharsets.UTF_8)));
    counter.end("8.dat");
    counter.bytes(
        "9.dat", ByteBuffer.wrap("x\n".getBytes(StandardCharsets.UTF_8))); // no end-of-data line
    counter.end("9.dat");
    counter.bytes("blob_16400.dat", ByteBuffer.wrap("\n\n".getBytes(StandardCharsets.UTF_8)));
    counter.end("blob_16400.dat");
    assertThat(counter.finish()).isTrue();
    assertThat(rows(counter, "public", "big")).isEqualTo(1000);
    assertThat(rows(counter, "Mixed Schema", "Tåble")).isEqualTo(1);
    assertThat(rows(counter, "public", "nodata")).isZero();
    assertThat(counter.rows("public", "broken")).isEmpty();
  }

  @Test
  void aDirectoryCounterRefusesACustomHeaderAndTheOtherWayRound() {
    ArchiveRowCounter directory = ArchiveRowCounter.directory();
    directory.bytes("toc.dat", ByteBuffer.wrap(new Archive().head().toc(0).toBytes()));
    directory.end("toc.dat");
    assertThat(directory.problem())
        .hasValueSatisfying(
            p ->
                assertThat(p)
                    .contains("archive format 1 is not a" + " directory archive's toc.dat (3)"));
    assertStops(new Archive().head(3, 0).toc(0).toBytes(), "archive format 3 is not custom (1)");
  }

  private static void assertStops(byte[] archive, String reason) {
    ArchiveRowCounter counter = feed(archive);
    assertThat(counter.finish()).isFalse();
    assertThat(counter.problem()).hasValueSatisfying(p -> assertThat(p).contains(reason));
    assertThat(counter.counts()).isEmpty();
  }
}
