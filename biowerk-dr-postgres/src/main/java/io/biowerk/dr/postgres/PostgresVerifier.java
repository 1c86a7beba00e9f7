package io.biowerk.dr.postgres;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.NativeVerifier;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.VerificationLevel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL's own check of a pg_dump backup, for the {@code native} and {@code restore}
 * verification levels.
 *
 * <p>{@code native}: the decoded dump is fed to {@code pg_restore --list} (the table of contents
 * must parse and list every table the manifest recorded, each with its data) and, at the same time,
 * to {@code pg_restore -f /dev/null}, which reads every data block to the end. No server is needed.
 *
 * <p>{@code restore}: the dump is restored into a scratch database {@code biowerk_verify_<random>}
 * on the source's server, or on the server of the {@code scratch-uri} option, in one transaction;
 * each table's row count is compared with the count taken at backup time in the dump's own
 * snapshot; the time taken is reported against the RTO (option {@code rto}, ISO-8601, {@code PT2H}
 * by default as in the plan); the scratch database is dropped whatever happens. Option {@code
 * pg-restore} names the tool.
 */
public final class PostgresVerifier implements NativeVerifier {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresVerifier.class);

  /** The plan's RTO for PostgreSQL. */
  public static final Duration DEFAULT_RTO = Duration.ofHours(2);

  private static final Pattern LIST_LINE = Pattern.compile("\\d+; \\d+ \\d+ (.*)");

  private final PgTools tools;

  public PostgresVerifier() {
    this(PgTools.system());
  }

  PostgresVerifier(PgTools tools) {
    this.tools = tools;
  }

  @Override
  public Set<String> sourceKinds() {
    return Set.of("postgresql");
  }

  @Override
  public String verify(
      BackupManifest manifest,
      VerificationLevel level,
      ReadableByteChannel decoded,
      Map<String, String> options)
      throws IOException {
    if (!sourceKinds().contains(manifest.sourceKind())) {
      throw new IllegalArgumentException(
          "postgresql: cannot verify a "
              + manifest.sourceKind()
              + " backup ("
              + manifest.id()
              + ")");
    }
    if (manifest.format().equals(PostgresPhysicalSource.FORMAT)) {
      if (level == VerificationLevel.RESTORE) {
        return BaseBackupRestoreCheck.check(manifest, decoded, options, tools);
      }
      if (level != VerificationLevel.NATIVE) {
        throw new IllegalArgumentException(
            "postgresql: a physical base backup ("
                + manifest.id()
                + ") is verified at the native level (pg_verifybackup) or the restore level (a private"
                + " server on it), not "
                + level.id());
      }
      return BaseBackupVerifier.verify(manifest, decoded, options, tools);
    }
    return switch (level) {
      case NATIVE -> verifyNative(manifest, decoded, options);
      case RESTORE -> verifyRestore(manifest, decoded, options);
      default ->
          throw new IllegalArgumentException(
              "postgresql: the verifier checks the native and restore levels, not " + level.id());
    };
  }

  private PgTools.Tool restoreTool(BackupManifest manifest, Map<String, String> options)
      throws IOException {
    Object dumpVersion = manifest.facts().get("pgDumpVersion");
    int minimum =
        dumpVersion == null ? 0 : PgTools.parseVersion("(PostgreSQL) " + dumpVersion).orElse(0);
    try {
      return tools.find(
          "pg_restore",
          Optional.ofNullable(options.get("pg-restore")),
          minimum,
          "the pg_dump that wrote the backup");
    } catch (PgTools.ToolProblem e) {
      throw new PostgresRestoreException(
          e.getMessage(), "pg_restore", PgFailure.TOOL_VERSION, "", null);
    }
  }

  private String verifyNative(
      BackupManifest manifest, ReadableByteChannel decoded, Map<String, String> options)
      throws IOException {
    PgTools.Tool tool = restoreTool(manifest, options);
    boolean directory = manifest.format().equals(PostgresSource.FORMAT_DIRECTORY_TAR);
    Map<String, String> env = new LinkedHashMap<>(System.getenv());
    env.remove("PGPASSWORD");
    String list;
    ArchiveRowCounter archive = null;
    if (directory) {
      Path scratch = Files.createTempDirectory("biowerk-pg_verify-");
      try {
        archive = ArchiveRowCounter.directory();
        Path dir = spoolAndExtract(decoded, scratch, archive);
        PgProcess lister =
            PgProcess.start(
                List.of(tool.path().toString(), "--list", "-Fd", dir.toString()), env, false, true);
        StdoutCollector listed = new StdoutCollector(lister);
        listed.start();
        int listStatus = lister.waitFor();
        list = listed.text();
        if (listStatus != 0) {
          throw unreadable(manifest, "pg_restore --list", lister.stderr());
        }
        PgProcess reader =
            PgProcess.start(
                List.of(tool.path().toString(), "-Fd", "-f", "/dev/null", dir.toString()),
                env,
                false,
                false);
        if (reader.waitFor() != 0) {
          throw unreadable(manifest, "pg_restore", reader.stderr());
        }
      } finally {
        DirTar.deleteTree(scratch);
      }
    } else {
      PgProcess lister =
          PgProcess.start(List.of(tool.path().toString(), "--list", "-Fc"), env, true, true);
      PgProcess reader =
          PgProcess.start(
              List.of(tool.path().toString(), "-Fc", "-f", "/dev/null"), env, true, false);
      try {
        StdoutCollector listed = new StdoutCollector(lister);
        listed.start();
        OutputStream listIn = lister.process().getOutputStream();
        OutputStream readIn = reader.process().getOutputStream();
        boolean listOpen = true;
        boolean readOpen = true;
        archive = new ArchiveRowCounter();
        ByteBuffer buffer = ByteBuffer.allocate(256 * 1024);
        // Read to the end whatever the tools do: the last read is where the checksums are checked.
        while (decoded.read(buffer) >= 0) {
          buffer.flip();
          archive.accept(buffer);
          if (listOpen) {
            listOpen = writeOrStop(listIn, buffer);
          }
          if (readOpen) {
            readOpen = writeOrStop(readIn, buffer);
          }
          buffer.clear();
        }
        closeQuietly(listIn);
        closeQuietly(readIn);
        int listStatus = lister.waitFor();
        list = listed.text();
        if (listStatus != 0) {
          throw unreadable(manifest, "pg_restore --list", lister.stderr());
        }
        if (reader.waitFor() != 0) {
          throw unreadable(manifest, "pg_restore", reader.stderr());
        }
      } finally {
        // Both exited when their error output is reported (waitFor above); only a failure of the
        // decoding (damage, wrong key), which is the error reported then, gets here with them
        // alive.
        lister.kill();
        reader.kill();
      }
    }
    return checkList(manifest, list) + checkRows(manifest, archive);
  }

  /**
   * Checks that each table holds, in the archive, the rows the manifest recorded at backup time:
   * the archive is counted as pg_restore reads it, and a difference means the dump is not the one
   * those counts describe.
   */
  static String checkRows(BackupManifest manifest, ArchiveRowCounter archive)
      throws IntegrityException {
    Map<String, Object> recorded = map(manifest.facts().get("rowCounts"));
    if (archive == null || recorded.isEmpty()) {
      return "";
    }
    if (!archive.finish()) {
      return "; rows not counted ("
          + archive.problem().orElse("the archive could not be read")
          + ")";
    }
    List<String> differ = new ArrayList<>();
    int checked = 0;
    for (Map.Entry<String, Object> entry : recorded.entrySet()) {
      PgNames.Qualified name = PgNames.parse(entry.getKey());
      OptionalLong rows = archive.rows(name.schema(), name.name());
      long expected = ((Number) entry.getValue()).longValue();
      if (rows.isPresent()) {
        checked++;
        if (rows.getAsLong() != expected) {
          differ.add(
              entry.getKey()
                  + ": the archive holds "
                  + rows.getAsLong()
                  + " rows, backup recorded "
                  + expected);
        }
      }
    }
    if (!differ.isEmpty()) {
      throw new IntegrityException(
          "postgresql: backup "
              + manifest.id()
              + " is not what was dumped: "
              + differ.size()
              + " table(s) hold other row counts than were recorded at backup time: "
              + String.join(", ", differ.subList(0, Math.min(10, differ.size())))
              + (differ.size() > 10 ? ", ..." : "")
              + "; restore another backup",
          manifest.id(),
          "the recorded row counts",
          String.join(", ", differ));
    }
    return "; the rows of "
        + checked
        + " of "
        + recorded.size()
        + " tables in the archive match those recorded";
  }

  private static boolean writeOrStop(OutputStream out, ByteBuffer buffer) {
    try {
      out.write(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
      return true;
    } catch (IOException e) {
      // The tool stopped reading (pg_restore --list is done once it has the table of contents); its
      // exit
      // status decides.
      return false;
    }
  }

  private static void closeQuietly(OutputStream out) {
    try {
      out.close();
    } catch (IOException e) {
      // the tool already exited; its status says how
    }
  }

  private static IntegrityException unreadable(
      BackupManifest manifest, String tool, String stderr) {
    return new IntegrityException(
        "postgresql: "
            + tool
            + " cannot read backup "
            + manifest.id()
            + ": "
            + PostgresSource.abbreviate(stderr.isEmpty() ? "(no error output)" : stderr)
            + "; the dump is unusable although its checksums match what was stored: restore another backup and"
            + " check the pg_dump that wrote it",
        manifest.id(),
        "a readable pg_dump archive",
        stderr);
  }

  /** Checks the table of contents lists every table the manifest recorded, and its data. */
  static String checkList(BackupManifest manifest, String list) throws IntegrityException {
    int entries = 0;
    Set<String> tables = new HashSet<>();
    Set<String> data = new HashSet<>();
    List<String> lines = list.lines().toList();
    for (String line : lines) {
      if (line.isBlank() || line.startsWith(";")) {
        continue;
      }
      entries++;
      // "<dump id>; <catalog oid> <oid> <type> <schema> <name> <owner>", the type being one or more
      // words
      Matcher m = LIST_LINE.matcher(line);
      if (!m.matches()) {
        continue;
      }
      String rest = m.group(1);
      if (rest.startsWith("TABLE DATA ")) {
        data.add(rest.substring("TABLE DATA ".length()));
      } else if (rest.startsWith("TABLE ") && !rest.startsWith("TABLE ATTACH ")) {
        tables.add(rest.substring("TABLE ".length()));
      }
    }
    List<String> missing = new ArrayList<>();
    List<String> recorded = stringList(manifest.facts().get("tables"));
    Map<String, Object> counts = map(manifest.facts().get("rowCounts"));
    for (String qualified : recorded) {
      if (!listed(tables, qualified)) {
        missing.add(qualified + " (TABLE)");
      }
    }
    for (Map.Entry<String, Object> count : counts.entrySet()) {
      // A table recorded with no rows may have no data entry: its data was left out
      // (exclude-table-data).
      boolean hasRows = !(count.getValue() instanceof Number n) || n.longValue() != 0;
      if (hasRows && !listed(data, count.getKey())) {
        missing.add(count.getKey() + " (TABLE DATA)");
      }
    }
    // An empty table of contents is what pg_dump writes for a database without objects: it is
    // suspect only when the manifest did not record that the database had no tables.
    boolean recordedEmpty =
        manifest.facts().get("tables") instanceof List<?> t && t.isEmpty() && counts.isEmpty();
    boolean suspectEmpty = entries == 0 && !recordedEmpty;
    if (suspectEmpty || !missing.isEmpty()) {
      String what =
          missing.isEmpty()
              ? "its table of contents is empty although the backup did not record an empty"
                  + " database"
              : "its table of contents lacks "
                  + missing.size()
                  + " table(s) recorded at backup time: "
                  + String.join(", ", missing.subList(0, Math.min(10, missing.size())))
                  + (missing.size() > 10 ? ", ..." : "");
      throw new IntegrityException(
          "postgresql: backup "
              + manifest.id()
              + " is not what was dumped: "
              + what
              + "; restore another backup",
          manifest.id(),
          recorded.size() + " tables",
          tables.size() + " tables");
    }
    return "pg_restore --list: "
        + entries
        + " entries, "
        + tables.size()
        + " tables, "
        + data.size()
        + " with data; every table recorded at backup time is listed and every data block was read";
  }

  /** Whether a list entry's "schema name owner" text is for {@code qualified}. */
  private static boolean listed(Set<String> entries, String qualified) {
    PgNames.Qualified name = PgNames.parse(qualified);
    String prefix = name.schema() + " " + name.name() + " ";
    for (String entry : entries) {
      if ((entry + " ").startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  @SuppressWarnings("unchecked")
  private static List<String> stringList(Object value) {
    List<String> out = new ArrayList<>();
    if (value instanceof List<?> list) {
      for (Object o : list) {
        out.add(String.valueOf(o));
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  private static Path spoolAndExtract(
      ReadableByteChannel decoded, Path scratch, DirTar.Listener listener) throws IOException {
    Path tar = scratch.resolve("dump.tar");
    try (FileChannel out =
        FileChannel.open(tar, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
      while (decoded.read(buffer) >= 0) {
        buffer.flip();
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        buffer.clear();
      }
    }
    Path dir = Files.createDirectory(scratch.resolve("dump"));
    try (InputStream in = Channels.newInputStream(FileChannel.open(tar))) {
      DirTar.extract(in, dir, listener);
    }
    Files.delete(tar);
    return dir;
  }

  private String verifyRestore(
      BackupManifest manifest, ReadableByteChannel decoded, Map<String, String> options)
      throws IOException {
    Set<String> allowed = new HashSet<>(PostgresSource.OPTIONS);
    allowed.addAll(PostgresRestoreTarget.OPTIONS);
    PgUri server =
        PgUri.parse(URI.create(options.getOrDefault("scratch-uri", manifest.sourceUri())), allowed);
    Duration rto = options.containsKey("rto") ? Duration.parse(options.get("rto")) : DEFAULT_RTO;
    byte[] random = new byte[4];
    new SecureRandom().nextBytes(random);
    String scratch = "biowerk_verify_" + HexFormat.of().formatHex(random);
    PostgresRestoreTarget target =
        PostgresRestoreTarget.scratch(
            server, scratch, tools, Optional.ofNullable(options.get("pg-restore")));
    PgUri scratchDb = server.withDatabase(scratch);
    long start = System.nanoTime();
    try {
      try (PendingWrite write = target.open(manifest)) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        while (decoded.read(buffer) >= 0) {
          buffer.flip();
          while (buffer.hasRemaining()) {
            write.write(buffer);
          }
          buffer.clear();
        }
        write.commit();
      }
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      Map<String, Object> expected = map(manifest.facts().get("rowCounts"));
      List<String> differ = new ArrayList<>();
      long rows = 0;
      String firstExpected = null;
      String firstActual = null;
      try (Connection connection = scratchDb.connect();
          Statement st = connection.createStatement()) {
        for (Map.Entry<String, Object> entry : expected.entrySet()) {
          PgNames.Qualified name = PgNames.parse(entry.getKey());
          long want = ((Number) entry.getValue()).longValue();
          long have;
          try (ResultSet rs =
              st.executeQuery(
                  "SELECT count(*) FROM ONLY "
                      + PgNames.quote(name.schema())
                      + "."
                      + PgNames.quote(name.name()))) {
            rs.next();
            have = rs.getLong(1);
          } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
              have = -1;
            } else {
              throw e;
            }
          }
          rows += Math.max(have, 0);
          if (have != want) {
            differ.add(
                entry.getKey()
                    + ": "
                    + (have < 0 ? "missing" : have + " rows")
                    + ", backup recorded "
                    + want);
            if (firstExpected == null) {
              firstExpected = Long.toString(want);
              firstActual = Long.toString(have);
            }
          }
        }
      } catch (SQLException e) {
        throw new PostgresRestoreException(
            "postgresql: cannot count the rows restored into scratch database "
                + scratch
                + " on "
                + server.server()
                + ": "
                + e.getMessage()
                + "; "
                + PgFailure.ofSql(e).hint(),
            scratchDb.redacted(),
            PgFailure.ofSql(e),
            e.getMessage(),
            e);
      }
      if (!differ.isEmpty()) {
        throw new IntegrityException(
            "postgresql: backup "
                + manifest.id()
                + " restored into a scratch database"
                + " does not hold the rows counted at backup time: "
                + String.join("; ", differ.subList(0, Math.min(10, differ.size())))
                + (differ.size() > 10 ? "; ..." : "")
                + "; do not rely on this backup: restore another one and investigate the pg_dump run that wrote it",
            manifest.id(),
            firstExpected,
            firstActual);
      }
      String countText =
          expected.isEmpty()
              ? "no row counts were recorded at backup time (row-counts=false), so only the restore was checked"
              : (expected.size() == 1 ? "1 table, " : expected.size() + " tables, ")
                  + rows
                  + " rows: every count matches the backup's";
      double share = 100.0 * took.toMillis() / Math.max(1, rto.toMillis());
      String rtoText =
          took.compareTo(rto) <= 0
              ? String.format(
                  java.util.Locale.ROOT, "within the RTO of %s (%.2f%% of it)", human(rto), share)
              : "EXCEEDS the RTO of "
                  + human(rto)
                  + ": a real recovery of this backup would miss its target";
      return "restored into scratch database "
          + scratch
          + " on "
          + server.server()
          + " in "
          + human(took)
          + ", "
          + rtoText
          + "; "
          + countText;
    } finally {
      try {
        PostgresRestoreTarget.drop(server, target.maintenanceDb(), scratch);
      } catch (SQLException e) {
        LOG.warn(
            "postgresql: cannot drop scratch database {} on {}: {}; drop it by hand",
            scratch,
            server.server(),
            e.getMessage());
      }
    }
  }

  static String human(Duration d) {
    if (d.toMinutes() >= 60 && d.toMinutesPart() == 0 && d.toSecondsPart() == 0) {
      return d.toHours() + " h";
    }
    if (d.toSeconds() >= 60) {
      return d.toMinutes() + " min " + d.toSecondsPart() + " s";
    }
    return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }

  /**
   * Collects a tool's stdout on a daemon thread (a table of contents is small: kilobytes per
   * table).
   */
  private static final class StdoutCollector extends Thread {
    private final PgProcess process;
    private volatile String text = "";

    StdoutCollector(PgProcess process) {
      super("biowerk-dr-stdout-" + process.pid());
      setDaemon(true);
      this.process = process;
    }

    @Override
    public void run() {
      try (InputStream in = process.process().getInputStream()) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        // the process went away; what it printed is incomplete and its status says so
      }
    }

    String text() throws java.io.InterruptedIOException {
      try {
        join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException(
            "postgresql: interrupted while reading pg_restore --list");
      }
      return text;
    }
  }

  @Override
  public String artifact() {
    return "biowerk-dr-postgres";
  }

  /** Its dump files can be imported: {@code biowerk-dr import FILE --kind postgresql}. */
  @Override
  public List<ImportFormat> importFormats() {
    return List.of(
        new ImportFormat(
            "postgresql",
            PostgresSource.FORMAT_CUSTOM,
            "postgres",
            "a pg_dump -Fc file (read by pg_restore --list)"));
  }
}
