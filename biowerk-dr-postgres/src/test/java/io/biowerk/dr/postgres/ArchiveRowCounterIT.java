package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupReader;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.local.LocalSink;
import java.net.URI;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The row counts taken from the archive as it streams, against the real pg_dump and server: they
 * equal {@code count(*)} for data built to trip a newline counter, and the source records where its
 * counts came from.
 */
class ArchiveRowCounterIT {

  static PgTestServer server;
  static String db;
  static Path pgDump;

  /** Each table's {@code count(*)}, keyed as the manifest keys them. */
  static final Map<String, Long> expected = new LinkedHashMap<>();

  @TempDir Path dir;

  @BeforeAll
  static void createDatabase() throws Exception {
    server = PgTestServer.get();
    db = server.createDatabase("rowcount");
    PgFixtures.load(
        server,
        db,
        List.of(
            // values holding newlines, carriage returns, tabs and backslashes (COPY escapes them),
            // "\." alone,
            // empty strings and NULLs
            "CREATE TABLE public.tricky (id int, body text, raw bytea)",
            "INSERT INTO public.tricky VALUES (1, E'line\\none\\nline two', E'\\\\x0a0a0a'), (2, E'\\\\.', NULL),"
                + " (3, E'\\r\\n\\t\\\\', E'\\\\x5c2e0a'), (4, '', ''), (5, NULL, NULL), (6, E'\\n', E'\\\\x0a')",
            "INSERT INTO public.tricky SELECT g, repeat(E'a\\nb', g % 50), decode(repeat('0a', g % 40), 'hex')"
                + " FROM generate_series(7, 60000) g",
            // rows whose COPY text is 10 and 266 bytes: chunk lengths whose bytes hold 0x0a
            "CREATE TABLE public.lengths (t text)",
            "INSERT INTO public.lengths SELECT repeat('x', 9) FROM generate_series(1, 300)",
            "INSERT INTO public.lengths SELECT repeat('y', 265) FROM generate_series(1, 300)",
            "CREATE SCHEMA \"Mixed Schema\"",
            "CREATE TABLE \"Mixed Schema\".\"Tåble \"\"q\"\"\" (a int)",
            "INSERT INTO \"Mixed Schema\".\"Tåble \"\"q\"\"\" SELECT generate_series(1, 1234)",
            "CREATE TABLE public.empty (a int)",
            "CREATE UNLOGGED TABLE public.scratch (a int)",
            "INSERT INTO public.scratch SELECT generate_series(1, 77)",
            "CREATE TABLE public.parted (k int, v text) PARTITION BY RANGE (k)",
            "CREATE TABLE public.parted_lo PARTITION OF public.parted FOR VALUES FROM (0) TO (100)",
            "CREATE TABLE public.parted_hi PARTITION OF public.parted FOR VALUES FROM (100) TO (1000)",
            "INSERT INTO public.parted SELECT g, 'v' || g FROM generate_series(0, 999) g",
            // a large object: its data block is not a table's
            "SELECT lo_from_bytea(0, decode(repeat('0a', 5000), 'hex'))"));
    for (String table :
        List.of(
            "public.tricky",
            "public.lengths",
            "\"Mixed Schema\".\"Tåble \"\"q\"\"\"",
            "public.empty",
            "public.scratch",
            "public.parted_lo",
            "public.parted_hi")) {
      expected.put(table, Long.parseLong(server.single(db, "SELECT count(*) FROM ONLY " + table)));
    }
    int serverVersion = Integer.parseInt(server.single(db, "SHOW server_version_num"));
    pgDump = PgTools.system().find("pg_dump", Optional.empty(), serverVersion, "the server").path();
  }

  @AfterAll
  static void dropDatabase() throws Exception {
    if (db != null) {
      server.dropDatabase(db);
    }
  }

  static byte[] dump(String... options) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                pgDump.toString(),
                "-h",
                server.host,
                "-p",
                Integer.toString(server.port),
                "-U",
                server.user,
                "-w",
                "-Fc"));
    command.addAll(List.of(options));
    command.add(db);
    Process p =
        server
            .tool(command.toArray(String[]::new))
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    return out;
  }

  /** {@code expected}, keyed by the archive's (schema, table). */
  static Map<ArchiveRowCounter.Table, Long> expectedInArchive() {
    Map<ArchiveRowCounter.Table, Long> m = new LinkedHashMap<>();
    m.put(new ArchiveRowCounter.Table("public", "tricky"), expected.get("public.tricky"));
    m.put(new ArchiveRowCounter.Table("public", "lengths"), expected.get("public.lengths"));
    m.put(new ArchiveRowCounter.Table("Mixed Schema", "Tåble \"q\""), 1234L);
    m.put(new ArchiveRowCounter.Table("public", "empty"), 0L);
    m.put(new ArchiveRowCounter.Table("public", "scratch"), 77L);
    m.put(new ArchiveRowCounter.Table("public", "parted_lo"), expected.get("public.parted_lo"));
    m.put(new ArchiveRowCounter.Table("public", "parted_hi"), expected.get("public.parted_hi"));
    return m;
  }

  @Test
  void theCountsOfARealUncompressedArchiveEqualCountStarHoweverTheStreamIsCut() throws Exception {
    byte[] archive = dump("-Z0");
    assertThat(new String(archive, 0, 5, StandardCharsets.US_ASCII)).isEqualTo("PGDMP");
    assertThat(expected.get("public.tricky")).isEqualTo(60000L);
    Random random = new Random(11);
    for (int trial = 0; trial < 20; trial++) {
      int[] pieces = {1 + random.nextInt(trial < 10 ? 64 : 300_000)};
      ArchiveRowCounter counter = ArchiveRowCounterTest.feed(archive, pieces, random.nextBoolean());
      assertThat(counter.finish()).as("pieces of %d", pieces[0]).isTrue();
      assertThat(counter.counts()).isEqualTo(expectedInArchive());
    }
  }

  @Test
  void theCountsOfARealDirectoryArchiveEqualCountStarAsItsTarStreams() throws Exception {
    Path out = dir.resolve("dump");
    byte[] none = dump("-Z0", "-Fd", "--jobs=2", "--file=" + out);
    assertThat(none).isEmpty();
    ArchiveRowCounter counter = ArchiveRowCounter.directory();
    try (java.nio.channels.ReadableByteChannel tar = DirTar.reading(out, counter)) {
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocateDirect(4096);
      while (tar.read(buffer.clear()) >= 0) {
        // streamed as the backup streams it; the counter sees each file's bytes
      }
    }
    assertThat(counter.finish()).isTrue();
    assertThat(counter.counts()).isEqualTo(expectedInArchive());
  }

  @Test
  void aCompressedOrInsertStyleArchiveIsLeftToTheServer() throws Exception {
    ArchiveRowCounter compressed = ArchiveRowCounterTest.feed(dump());
    assertThat(compressed.finish()).isFalse();
    assertThat(compressed.problem()).hasValueSatisfying(p -> assertThat(p).contains("compressed"));

    ArchiveRowCounter inserts = ArchiveRowCounterTest.feed(dump("-Z0", "--inserts"));
    assertThat(inserts.finish()).isTrue();
    assertThat(inserts.counts()).isEmpty();
  }

  @Test
  void theSourceRecordsTheArchivesCountsAndSaysWhereTheyCameFrom() throws Exception {
    LocalSink repo = LocalSink.open(dir.resolve("repo"));
    KeyRing ring = PgFixtures.keys(dir);
    BackupManifest fromDump =
        PgFixtures.backup(PostgresSource.of(URI.create(server.uri(db))), repo, ring);
    assertThat(fromDump.facts()).containsEntry("rowCountsFrom", "dump");
    assertThat(fromDump.facts().get("rowCounts")).isEqualTo(expected);

    BackupManifest fromServer =
        PgFixtures.backup(
            PostgresSource.of(URI.create(server.uri(db) + "?row-counts=server&name=server")),
            repo,
            ring);
    assertThat(fromServer.facts()).containsEntry("rowCountsFrom", "server");
    assertThat(fromServer.facts().get("rowCounts")).isEqualTo(expected);

    // the directory format: toc.dat is read from disk, the data files are counted as the tar
    // streams them
    BackupManifest parallel =
        PgFixtures.backup(
            PostgresSource.of(URI.create(server.uri(db) + "?jobs=2&name=parallel&temp-dir=" + dir)),
            repo,
            ring);
    assertThat(parallel.facts()).containsEntry("rowCountsFrom", "dump");
    assertThat(parallel.facts().get("rowCounts")).isEqualTo(expected);
    BackupManifest parallelServer =
        PgFixtures.backup(
            PostgresSource.of(
                URI.create(
                    server.uri(db)
                        + "?jobs=2&row-counts=server&name=parallelserver&temp-dir="
                        + dir)),
            repo,
            ring);
    assertThat(parallelServer.facts()).containsEntry("rowCountsFrom", "server");
    assertThat(parallelServer.facts().get("rowCounts")).isEqualTo(expected);

    BackupManifest none =
        PgFixtures.backup(
            PostgresSource.of(URI.create(server.uri(db) + "?row-counts=false&name=none")),
            repo,
            ring);
    assertThat(none.facts()).doesNotContainKeys("rowCounts", "rowCountsFrom");
  }

  @Test
  void aTableWhoseDataIsLeftOutIsRecordedWithNoRowsEitherWay() throws Exception {
    LocalSink repo = LocalSink.open(dir.resolve("repo"));
    KeyRing ring = PgFixtures.keys(dir);
    Map<String, Long> withoutLengths = new LinkedHashMap<>(expected);
    withoutLengths.put("public.lengths", 0L);
    for (String counts : List.of("true", "server")) {
      BackupManifest manifest =
          PgFixtures.backup(
              PostgresSource.of(
                  URI.create(
                      server.uri(db)
                          + "?exclude-table-data=public.lengths&row-counts="
                          + counts
                          + "&name="
                          + counts)),
              repo,
              ring);
      assertThat(manifest.facts())
          .containsEntry("rowCountsFrom", counts.equals("true") ? "dump" : "server");
      assertThat(manifest.facts().get("tables"))
          .asInstanceOf(InstanceOfAssertFactories.LIST)
          .contains("public.lengths");
      assertThat(manifest.facts().get("rowCounts")).as(counts).isEqualTo(withoutLengths);
      // native verification agrees: the table is listed without data, and the archive holds none of
      // its rows
      try (ReadableByteChannel decoded = BackupReader.openDecoded(repo, manifest, ring)) {
        assertThat(
                new PostgresVerifier()
                    .verify(manifest, VerificationLevel.NATIVE, decoded, Map.of()))
            .endsWith("; the rows of 7 of 7 tables in the archive match those recorded");
      }
    }
  }

  @Test
  void anArchiveTheCounterDoesNotReadIsCountedByTheServerInTheSameSnapshot() throws Exception {
    // a pg_dump that compresses its archive whatever it is asked (the last -Z wins): a stand-in for
    // an archive
    // version or format the counter does not know
    Path wrapper = dir.resolve("pg_dump");
    Files.writeString(wrapper, "#!/bin/sh\nexec " + pgDump + " \"$@\" -Z1\n");
    Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
    LocalSink repo = LocalSink.open(dir.resolve("repo"));
    KeyRing ring = PgFixtures.keys(dir);
    BackupManifest manifest =
        PgFixtures.backup(
            PostgresSource.of(URI.create(server.uri(db) + "?pg-dump=" + wrapper)), repo, ring);
    assertThat(manifest.facts()).containsEntry("rowCountsFrom", "server");
    assertThat(manifest.facts().get("rowCounts")).isEqualTo(expected);
  }

  @Test
  void aBadRowCountsValueIsRefusedWithTheChoices() {
    assertThatThrownBy(() -> PostgresSource.of(URI.create(server.uri(db) + "?row-counts=maybe")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "postgresql: option row-counts (maybe) must be true (count in the dump), server (count(*) per"
                + " table) or false");
  }
}
