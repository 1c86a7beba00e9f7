package io.biowerk.dr.postgres;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceStream;
import io.biowerk.dr.postgres.PgNames.NamePattern;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL database as a backup source: {@code pg_dump -Fc -Z0} streamed from its stdout into
 * the pipeline with no temporary file (compression is the codec chain's job).
 *
 * <p>URI: {@code postgresql://user[:password]@host:port/dbname?options}; the password comes from
 * the URI, {@code PGPASSWORD} or the password file ({@code ~/.pgpass}, {@code PGPASSFILE}), reaches
 * pg_dump through its environment only and is never logged. Options: {@code schema}, {@code
 * exclude-schema}, {@code table}, {@code exclude-table} (repeatable, psql patterns, passed to
 * pg_dump as {@code -n -N -t -T}); {@code exclude-table-data} (repeatable: the table's definition
 * is kept, its rows are not); {@code jobs=N} (N &gt; 1 dumps in parallel in the directory format
 * into a scratch directory, then streams it as a tar: format {@code dirtar}, needs scratch disk the
 * size of the uncompressed dump, under {@code temp-dir} or {@code java.io.tmpdir}); {@code
 * pg-dump=/path} (the tool or its directory); {@code name} (the repository name, {@code postgres}
 * by default, as in the plan's layout); {@code row-counts=true|server|false} (where the exact
 * per-table counts come from, see below).
 *
 * <p>Each run holds a {@code REPEATABLE READ} transaction open on a JDBC connection, exports its
 * snapshot and hands it to pg_dump ({@code --snapshot}), so the catalog and the per-table row
 * counts recorded in the manifest are those of the dumped data. By default ({@code
 * row-counts=true}) the rows are counted in the archive as it streams past ({@link
 * ArchiveRowCounter}: the custom format's stream, or the directory format's data files as their tar
 * streams), which costs the server nothing; a table the archive does not tell (an archive the
 * counter does not read) is counted with {@code count(*)} in the same snapshot. {@code
 * row-counts=server} counts every table that way, while pg_dump runs; {@code row-counts=false}
 * records none. The manifest's {@code rowCountsFrom} says which was used. pg_dump's stdout is
 * written in 1 MiB writes through coreutils' {@code stdbuf} where that works (system property
 * {@value #STDBUF_PROPERTY}{@code =false} turns it off). Immutable and thread-safe; {@link
 * #toString()} shows no password.
 */
public final class PostgresSource implements Source {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresSource.class);

  /** The URI options a source understands. */
  static final Set<String> OPTIONS =
      Set.of(
          "schema",
          "exclude-schema",
          "table",
          "exclude-table",
          "exclude-table-data",
          "jobs",
          "pg-dump",
          "name",
          "row-counts",
          "temp-dir",
          "mode");

  /** The system property that, set to {@code false}, runs pg_dump without {@code stdbuf}. */
  static final String STDBUF_PROPERTY = "io.biowerk.dr.postgres.stdbuf";

  /** pg_dump's stdout buffer: the size of its writes into the pipe. */
  static final int STDOUT_BUFFER = 1 << 20;

  /** Where the manifest's exact per-table row counts come from. */
  enum RowCounts {
    /** None are recorded. */
    OFF,
    /** Counted in the archive as it streams; the server counts what the archive cannot tell. */
    DUMP,
    /**
     * Counted by the server ({@code count(*)} per table in the dump's snapshot) while pg_dump runs.
     */
    SERVER;

    static RowCounts parse(Optional<String> value) {
      String v = value.orElse("true").toLowerCase(Locale.ROOT);
      return switch (v) {
        case "true", "1" -> DUMP;
        case "server" -> SERVER;
        case "false", "0" -> OFF;
        default ->
            throw new IllegalArgumentException(
                "postgresql: option row-counts ("
                    + value.get()
                    + ") must be true (count in the dump), server (count(*) per table) or false");
      };
    }
  }

  /** The format name of a custom-format dump. */
  public static final String FORMAT_CUSTOM = "dump";

  /** The format name of a directory-format dump streamed as a tar. */
  public static final String FORMAT_DIRECTORY_TAR = "dirtar";

  private final PgUri uri;
  private final String uriText;
  private final String name;
  private final int jobs;
  private final RowCounts rowCounts;
  private final Optional<String> pgDump;
  private final Optional<Path> tempDir;
  private final PgTools tools;

  PostgresSource(PgUri uri, String uriText, PgTools tools) {
    this.uri = requireNonNull(uri, "uri");
    this.uriText = uriText;
    this.name = BackupLayout.checkSourceName(uri.option("name").orElse("postgres"));
    this.jobs = uri.intOption("jobs", 1, 1);
    this.rowCounts = RowCounts.parse(uri.option("row-counts"));
    this.pgDump = uri.option("pg-dump");
    this.tempDir = uri.option("temp-dir").map(Path::of);
    this.tools = tools;
    uri.option("mode")
        .ifPresent(
            mode ->
                com.google.common.base.Preconditions.checkArgument(
                    mode.equals("logical"),
                    "postgresql: option mode (%s) must be logical (pg_dump, the default) or physical"
                        + " (pg_basebackup)",
                    mode));
  }

  /**
   * A source for {@code uri}.
   *
   * @throws IllegalArgumentException if the URI or an option is malformed; the message names it
   */
  public static PostgresSource of(URI uri) {
    PgUri parsed = PgUri.parse(uri, OPTIONS);
    return new PostgresSource(parsed, redactedWithOptions(parsed, uri), PgTools.system());
  }

  static String redactedWithOptions(PgUri parsed, URI uri) {
    return parsed.redacted() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
  }

  @Override
  public String kind() {
    return "postgresql";
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String format() {
    return jobs > 1 ? FORMAT_DIRECTORY_TAR : FORMAT_CUSTOM;
  }

  /** The source URI without a password, as the manifest records it. */
  public String uri() {
    return uriText;
  }

  @Override
  public SourceStream open() throws IOException {
    Connection connection;
    try {
      connection = uri.connect();
    } catch (SQLException e) {
      throw sqlFailure("cannot connect to", e);
    }
    PgProcess dump = null;
    Path scratch = null;
    try {
      connection.setAutoCommit(false);
      connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      connection.setReadOnly(true);
      Map<String, Object> facts = new LinkedHashMap<>();
      int serverVersionNum;
      String snapshot;
      long relationBytes;
      // One round trip: the snapshot pg_dump will share, and the facts the tool check and the
      // manifest need.
      // The catalog queries wait until pg_dump runs (RowCounter), in the same snapshot.
      try (Statement st = connection.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT pg_export_snapshot(), current_setting('server_version'),"
                      + " current_setting('server_version_num')::int, current_database(),"
                      + " pg_database_size(current_database()), current_setting('server_encoding'),"
                      // The progress total: the tables' heap and TOAST sizes, what pg_dump reads.
                      + " (SELECT coalesce(sum(pg_relation_size(c.oid)), 0) FROM pg_class c"
                      + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN"
                      + " ('r', 'm', 't') AND n.nspname NOT IN ('pg_catalog',"
                      + " 'information_schema'))")) {
        rs.next();
        snapshot = rs.getString(1);
        facts.put("serverVersion", rs.getString(2));
        serverVersionNum = rs.getInt(3);
        facts.put("serverVersionNum", serverVersionNum);
        facts.put("database", rs.getString(4));
        facts.put("databaseSize", rs.getLong(5));
        facts.put("encoding", rs.getString(6));
        relationBytes = rs.getLong(7);
      }
      PgTools.Tool tool;
      try {
        tool = tools.find("pg_dump", pgDump, serverVersionNum, "the server");
      } catch (PgTools.ToolProblem e) {
        throw new PostgresSourceException(
            e.getMessage(), uriText, PgFailure.TOOL_VERSION, "", null);
      }
      facts.put("pgDumpVersion", tool.version());
      facts.put("dumpFormat", jobs > 1 ? "directory" : "custom");
      if (jobs > 1) {
        facts.put("jobs", jobs);
      }
      facts.put("snapshot", snapshot);

      List<String> command = new ArrayList<>();
      command.add(tool.path().toString());
      command.addAll(uri.toolConnectionArgs());
      command.add("--snapshot=" + snapshot);
      command.add("-Z0");
      for (String p : uri.all("schema")) {
        command.add("--schema=" + p);
      }
      for (String p : uri.all("exclude-schema")) {
        command.add("--exclude-schema=" + p);
      }
      for (String p : uri.all("table")) {
        command.add("--table=" + p);
      }
      for (String p : uri.all("exclude-table")) {
        command.add("--exclude-table=" + p);
      }
      for (String p : uri.all("exclude-table-data")) {
        command.add("--exclude-table-data=" + p);
      }
      if (jobs > 1) {
        Path parent = tempDir.orElse(Path.of(System.getProperty("java.io.tmpdir")));
        scratch = Files.createTempDirectory(parent, "biowerk-pg_dump-");
        command.add("-Fd");
        command.add("--jobs=" + jobs);
        command.add("--file=" + scratch.resolve("dump"));
      } else {
        command.add("-Fc");
      }
      command.add("--dbname=" + conninfoDbname(uri.database()));
      LOG.info(
          "postgresql: dumping {} with {}{}", uriText, tool, jobs > 1 ? " into " + scratch : "");
      if (jobs == 1 && !"false".equalsIgnoreCase(System.getProperty(STDBUF_PROPERTY, "true"))) {
        command = tools.withStdoutBuffer(command, STDOUT_BUFFER);
      }
      dump =
          PgProcess.start(
              "pg_dump", command, uri.toolEnvironment(System.getenv()), false, jobs == 1);
      RowCounter counter =
          new RowCounter(connection, dump.toString(), rowCounts == RowCounts.SERVER);
      counter.start();
      ArchiveRowCounter archive =
          rowCounts != RowCounts.DUMP
              ? null
              : jobs > 1 ? ArchiveRowCounter.directory() : new ArchiveRowCounter();
      return scratch == null
          ? new CustomDumpStream(dump, connection, counter, archive, facts, relationBytes)
          : new DirectoryDumpStream(
              dump, connection, counter, archive, facts, scratch, relationBytes);
    } catch (SQLException e) {
      cleanUp(connection, dump, scratch);
      throw sqlFailure("cannot start the snapshot transaction on", e);
    } catch (IOException | RuntimeException e) {
      cleanUp(connection, dump, scratch);
      throw e;
    }
  }

  /**
   * A libpq conninfo naming just the database, so any database name (even one with '=') is safe.
   */
  static String conninfoDbname(String database) {
    return "dbname='" + database.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  private static void cleanUp(Connection connection, PgProcess dump, Path scratch) {
    if (dump != null) {
      // the failure reported is the caller's, not pg_dump's error output
      dump.kill();
    }
    try {
      connection.close();
    } catch (SQLException e) {
      // the connection is going away anyway
    }
    DirTar.deleteTree(scratch);
  }

  private PostgresSourceException sqlFailure(String what, SQLException e) {
    PgFailure reason = PgFailure.ofSql(e);
    String detail = e.getMessage() == null ? e.toString() : e.getMessage();
    return new PostgresSourceException(
        "postgresql: "
            + what
            + " "
            + uriText
            + ": "
            + reason.what()
            + ": "
            + detail
            + "; "
            + hint(reason),
        uriText,
        reason,
        detail,
        e);
  }

  private String hint(PgFailure reason) {
    if (reason == PgFailure.AUTHENTICATION) {
      return reason.hint() + " (password taken from " + uri.passwordOrigin() + ")";
    }
    return reason.hint();
  }

  PostgresSourceException toolFailure(int status, String stderr) {
    PgFailure reason = PgFailure.ofTool(status, stderr);
    String output = stderr.isEmpty() ? "(no error output)" : abbreviate(stderr);
    String how =
        status >= 128
            ? "was killed by signal " + (status - 128)
            : "failed (exit status " + status + ")";
    return new PostgresSourceException(
        "postgresql: pg_dump of "
            + uriText
            + " "
            + how
            + ": "
            + reason.what()
            + ": "
            + output
            + "; "
            + hint(reason),
        uriText,
        reason,
        stderr,
        null);
  }

  static String abbreviate(String text) {
    return text.length() <= 2000
        ? text
        : text.substring(0, 1000) + " [...] " + text.substring(text.length() - 900);
  }

  /** One table of the dump, as the catalog lists it. */
  record TableInfo(
      String schema,
      String name,
      String qualified,
      boolean partitioned,
      boolean readable,
      boolean dataExcluded) {}

  /**
   * Reads the schemas and tables the dump will hold, with pg_dump's include and exclude patterns
   * applied.
   */
  private void catalog(Connection connection, List<String> schemas, List<TableInfo> tables)
      throws SQLException {
    List<NamePattern> includeSchemas = uri.all("schema").stream().map(NamePattern::schema).toList();
    List<NamePattern> excludeSchemas =
        uri.all("exclude-schema").stream().map(NamePattern::schema).toList();
    List<NamePattern> includeTables = uri.all("table").stream().map(NamePattern::table).toList();
    List<NamePattern> excludeTables =
        uri.all("exclude-table").stream().map(NamePattern::table).toList();
    List<NamePattern> excludeData =
        uri.all("exclude-table-data").stream().map(NamePattern::table).toList();
    try (Statement st = connection.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%'"
                    + " AND nspname <> 'information_schema' ORDER BY 1")) {
      while (rs.next()) {
        String schema = rs.getString(1);
        if (schemaIncluded(schema, includeSchemas, excludeSchemas) && includeTables.isEmpty()) {
          schemas.add(schema);
        }
      }
    }
    try (Statement st = connection.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT n.nspname, c.relname,"
                    + " quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind = 'p',"
                    + " has_table_privilege(c.oid, 'SELECT')"
                    + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT LIKE 'pg\\_%'"
                    + " AND n.nspname <> 'information_schema'"
                    + " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
                    + " AND d.objid = c.oid AND d.deptype = 'e')"
                    + " ORDER BY 1, 2")) {
      while (rs.next()) {
        String schema = rs.getString(1);
        String table = rs.getString(2);
        boolean included =
            includeTables.isEmpty()
                ? schemaIncluded(schema, includeSchemas, excludeSchemas)
                : includeTables.stream().anyMatch(p -> p.matchesTable(schema, table, uri.user()));
        if (included
            && excludeTables.stream().noneMatch(p -> p.matchesTable(schema, table, uri.user()))) {
          tables.add(
              new TableInfo(
                  schema,
                  table,
                  rs.getString(3),
                  rs.getBoolean(4),
                  rs.getBoolean(5),
                  excludeData.stream().anyMatch(p -> p.matchesTable(schema, table, uri.user()))));
          if (!includeTables.isEmpty() && !schemas.contains(schema)) {
            schemas.add(schema);
          }
        }
      }
    }
  }

  private static boolean schemaIncluded(
      String schema, List<NamePattern> include, List<NamePattern> exclude) {
    return (include.isEmpty() || include.stream().anyMatch(p -> p.matchesSchema(schema)))
        && exclude.stream().noneMatch(p -> p.matchesSchema(schema));
  }

  @Override
  public String toString() {
    return uriText;
  }

  /**
   * Reads the catalog (the schemas and tables the dump holds, with pg_dump's include and exclude
   * patterns applied) and, when asked, counts each table's rows, on the snapshot connection while
   * pg_dump runs: both see the data as pg_dump does, and neither delays pg_dump's start.
   */
  private final class RowCounter extends Thread {
    private final Connection connection;
    final List<String> schemas = new ArrayList<>();
    final List<TableInfo> tables = new ArrayList<>();
    final Map<String, Object> counts = Collections.synchronizedMap(new LinkedHashMap<>());
    volatile SQLException failure;

    /** What failed: "read the catalog of" or "count the rows of". */
    volatile String failedTo;

    private final boolean count;
    private volatile boolean cancelled;

    RowCounter(Connection connection, String dump, boolean count) {
      super("biowerk-dr-rowcount-" + dump);
      setDaemon(true);
      this.connection = connection;
      this.count = count;
    }

    @Override
    public void run() {
      failedTo = "cannot read the catalog of";
      try {
        catalog(connection, schemas, tables);
        if (!count) {
          return;
        }
        failedTo = "cannot count the rows of";
        count(countable(tables));
      } catch (SQLException e) {
        if (!cancelled) {
          failure = e;
        }
      }
    }

    /** Counts {@code these} tables' rows with {@code count(*)} in the snapshot. */
    void count(List<TableInfo> these) throws SQLException {
      try (Statement st = connection.createStatement()) {
        for (TableInfo table : these) {
          if (cancelled) {
            return;
          }
          if (table.dataExcluded()) {
            counts.put(table.qualified(), 0L); // the dump holds none of its rows
            continue;
          }
          try (ResultSet rs =
              st.executeQuery(
                  "SELECT count(*) FROM ONLY "
                      + PgNames.quote(table.schema())
                      + "."
                      + PgNames.quote(table.name()))) {
            rs.next();
            counts.put(table.qualified(), rs.getLong(1));
          }
        }
      }
    }

    void cancel() {
      cancelled = true;
    }
  }

  /**
   * The tables with rows to count: a partitioned one holds none of its own, an unreadable one fails
   * pg_dump.
   */
  private static List<TableInfo> countable(List<TableInfo> tables) {
    return tables.stream().filter(t -> !t.partitioned() && t.readable()).toList();
  }

  /**
   * The dump's bytes and its facts, whatever the format: the snapshot transaction, the row counter
   * and the close contract. The two formats differ only in where the bytes come from and when the
   * archive can be counted: {@link CustomDumpStream} (pg_dump's stdout) and {@link
   * DirectoryDumpStream} (jobs &gt; 1: the tar of its directory once it has finished).
   */
  private abstract class DumpStream implements SourceStream {
    final PgProcess dump;
    private final Connection connection;
    final RowCounter counter;
    final ArchiveRowCounter archive;
    final Map<String, Object> facts;
    private final long relationBytes;

    /** The tables counted with count(*) in the snapshot, as the archive could not tell them. */
    private final Set<String> serverCounted = new HashSet<>();

    private volatile boolean eof;
    private volatile boolean closed;
    private volatile boolean finished;

    DumpStream(
        PgProcess dump,
        Connection connection,
        RowCounter counter,
        ArchiveRowCounter archive,
        Map<String, Object> facts,
        long relationBytes) {
      this.relationBytes = relationBytes;
      this.dump = dump;
      this.connection = connection;
      this.counter = counter;
      this.archive = archive;
      this.facts = Collections.synchronizedMap(facts);
    }

    /** Reads the next bytes of the dump into {@code dst} (which has room); -1 at its end. */
    abstract int readDump(ByteBuffer dst) throws IOException;

    /**
     * Brings the archive's table of contents to the counter; returns whether it could be read.
     * Called while the snapshot transaction is still open.
     */
    abstract boolean archiveReadable();

    /** Whether the archive, as far as it has been read, tells the rows of {@code table}. */
    abstract boolean archiveKnows(TableInfo table);

    /**
     * Whether the archive has been read to its end when pg_dump has finished, so the row counts can
     * be recorded then; else they are recorded on close, once the bytes have streamed.
     */
    abstract boolean countsKnownWhenDumpEnds();

    /** Releases what the format holds (a pipe, a tar and its scratch directory); idempotent. */
    abstract void closeFormat() throws IOException;

    /**
     * The tables' relation sizes in the snapshot: an estimate of the dump's size (a dump holds no
     * index data and no dead rows, so it is usually smaller; filters by schema or table are not
     * taken off).
     */
    @Override
    public long expectedSize() {
      return relationBytes;
    }

    @Override
    public Map<String, Object> facts() {
      synchronized (facts) {
        return new LinkedHashMap<>(facts);
      }
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (closed) {
        throw new IllegalStateException("closed");
      }
      if (eof) {
        return -1;
      }
      if (!dst.hasRemaining()) {
        return 0;
      }
      int n = readDump(dst);
      if (n < 0) {
        eof = true;
      }
      return n;
    }

    @Override
    public boolean isOpen() {
      return !closed;
    }

    /**
     * Counts with {@code count(*)}, in the snapshot, the tables the archive cannot tell: all of
     * them when it could not be read. Called while the snapshot transaction is open: at the dump's
     * end for the custom format, whose archive has then been counted; before the tar streams for
     * the directory format, whose table of contents is then on disk and whose data files are
     * counted as the tar streams.
     */
    private void countWhatTheArchiveCannot(List<TableInfo> tables) throws PostgresSourceException {
      boolean readable = archiveReadable();
      List<TableInfo> left = new ArrayList<>();
      for (TableInfo table : tables) {
        if (!readable || !archiveKnows(table)) {
          left.add(table);
        }
      }
      if (left.isEmpty()) {
        return;
      }
      if (!readable) {
        LOG.info(
            "postgresql: counting the rows of {} with count(*) in the dump's snapshot: {}",
            uriText,
            archive.problem().orElse("the archive could not be read"));
      } else {
        LOG.info(
            "postgresql: counting the rows of {} of {} tables with count(*) in the dump's snapshot, as the"
                + " archive does not tell them",
            left.size(),
            tables.size());
      }
      try {
        counter.count(left);
      } catch (SQLException e) {
        throw sqlFailure("cannot count the rows of", e);
      }
      serverCounted.addAll(left.stream().map(TableInfo::qualified).toList());
    }

    /**
     * The row counts in catalog order, once the archive has been read to its end: the server's for
     * the tables it counted, else the archive's. A table neither has (a directory archive's data
     * file that did not end as pg_dump ends them, known only after the snapshot was released) is
     * left out, with a warning.
     */
    private Map<String, Object> recordedCounts(List<TableInfo> tables) {
      Map<String, Object> counts = new LinkedHashMap<>();
      for (TableInfo table : tables) {
        OptionalLong rows = archive.rows(table.schema(), table.name());
        if (serverCounted.contains(table.qualified())) {
          counts.put(table.qualified(), counter.counts.get(table.qualified()));
        } else if (rows.isPresent()) {
          counts.put(table.qualified(), rows.getAsLong());
        } else {
          LOG.warn(
              "postgresql: the rows of {} in {} could not be counted; the manifest records no count for it",
              table.qualified(),
              uriText);
        }
      }
      facts.put(
          "rowCountsFrom",
          serverCounted.isEmpty()
              ? "dump"
              : serverCounted.size() == tables.size() ? "server" : "dump+server");
      return counts;
    }

    /** Waits for pg_dump and the row counts; throws if either failed. */
    void finishDump() throws IOException {
      if (finished) {
        return;
      }
      finished = true;
      int status = dump.waitFor();
      try {
        counter.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("postgresql: interrupted while counting rows");
      }
      if (status != 0) {
        PostgresSourceException failure = toolFailure(status, dump.stderr());
        if (counter.failure != null) {
          failure.addSuppressed(counter.failure);
        }
        throw failure;
      }
      if (counter.failure != null) {
        throw sqlFailure(counter.failedTo, counter.failure);
      }
      facts.put("schemas", List.copyOf(counter.schemas));
      facts.put("tables", counter.tables.stream().map(TableInfo::qualified).toList());
      if (rowCounts == RowCounts.SERVER) {
        facts.put("rowCountsFrom", "server");
        facts.put("rowCounts", new LinkedHashMap<>(counter.counts));
      } else if (rowCounts == RowCounts.DUMP) {
        List<TableInfo> tables = countable(counter.tables);
        countWhatTheArchiveCannot(tables);
        if (countsKnownWhenDumpEnds()) {
          facts.put("rowCounts", recordedCounts(tables));
        } // else recorded once the bytes have streamed (close)
      }
      try {
        connection.commit();
      } catch (SQLException e) {
        throw sqlFailure("cannot end the snapshot transaction on", e);
      }
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try {
        if (eof) {
          finishDump();
          if (!countsKnownWhenDumpEnds() && archive != null) {
            facts.put("rowCounts", recordedCounts(countable(counter.tables)));
          }
          LOG.info("postgresql: dump of {} finished", uriText);
        } else {
          // Closed before the end: a cancel. pg_dump is killed; its partial output is worthless.
          counter.cancel();
          dump.kill();
          LOG.info("postgresql: dump of {} cancelled", uriText);
        }
      } finally {
        if (!finished || counter.isAlive()) {
          try {
            connection.abort(Runnable::run);
          } catch (SQLException | RuntimeException e) {
            // aborting a connection that is already gone
          }
        }
        try {
          connection.close();
        } catch (SQLException e) {
          // closing a connection that is already gone
        }
        closeFormat();
      }
    }
  }

  /** The custom format: pg_dump's stdout, its archive counted as it streams. */
  private final class CustomDumpStream extends DumpStream {
    private final InputStream stdout;
    private final byte[] chunk = new byte[256 * 1024];

    CustomDumpStream(
        PgProcess dump,
        Connection connection,
        RowCounter counter,
        ArchiveRowCounter archive,
        Map<String, Object> facts,
        long relationBytes) {
      super(dump, connection, counter, archive, facts, relationBytes);
      this.stdout = dump.process().getInputStream();
    }

    @Override
    int readDump(ByteBuffer dst) throws IOException {
      int n;
      int start = dst.position();
      if (dst.hasArray()) {
        n = stdout.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
        if (n > 0) {
          dst.position(dst.position() + n);
        }
      } else {
        // Copied once, from the pipe's heap buffer into the pipeline's direct buffer.
        n = stdout.read(chunk, 0, Math.min(chunk.length, dst.remaining()));
        if (n > 0) {
          dst.put(chunk, 0, n);
        }
      }
      if (archive != null && n > 0) {
        archive.accept(dst.duplicate().limit(start + n).position(start));
      }
      return n;
    }

    @Override
    boolean archiveReadable() {
      return archive.finish();
    }

    @Override
    boolean archiveKnows(TableInfo table) {
      return archive.rows(table.schema(), table.name()).isPresent();
    }

    @Override
    boolean countsKnownWhenDumpEnds() {
      return true;
    }

    @Override
    void closeFormat() throws IOException {
      stdout.close();
    }
  }

  /**
   * The directory format (jobs &gt; 1): pg_dump writes into {@code scratch}; once it has finished,
   * the directory streams as a tar and its data files are counted as they pass.
   */
  private final class DirectoryDumpStream extends DumpStream {
    private final Path scratch;
    private ReadableByteChannel tar;

    DirectoryDumpStream(
        PgProcess dump,
        Connection connection,
        RowCounter counter,
        ArchiveRowCounter archive,
        Map<String, Object> facts,
        Path scratch,
        long relationBytes) {
      super(dump, connection, counter, archive, facts, relationBytes);
      this.scratch = requireNonNull(scratch, "scratch");
    }

    @Override
    int readDump(ByteBuffer dst) throws IOException {
      if (tar == null) {
        finishDump();
        tar =
            archive == null
                ? DirTar.reading(scratch.resolve("dump"))
                : DirTar.reading(scratch.resolve("dump"), archive);
      }
      return tar.read(dst); // its data files reach the archive counter through DirTar's listener
    }

    /** Feeds the directory archive's toc.dat to the counter; returns whether it was read. */
    @Override
    boolean archiveReadable() {
      Path toc = scratch.resolve("dump").resolve("toc.dat");
      try (FileChannel in = FileChannel.open(toc)) {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        while (in.read(buffer.clear()) > 0) {
          archive.bytes("toc.dat", buffer.flip());
        }
        archive.end("toc.dat");
      } catch (IOException e) {
        LOG.info("postgresql: cannot read {}: {}", toc, e.toString());
        return false;
      }
      return archive.problem().isEmpty();
    }

    @Override
    boolean archiveKnows(TableInfo table) {
      return archive.knows(table.schema(), table.name());
    }

    @Override
    boolean countsKnownWhenDumpEnds() {
      return false;
    }

    @Override
    void closeFormat() throws IOException {
      try {
        if (tar != null) {
          tar.close();
        }
      } finally {
        DirTar.deleteTree(scratch);
      }
    }
  }
}
