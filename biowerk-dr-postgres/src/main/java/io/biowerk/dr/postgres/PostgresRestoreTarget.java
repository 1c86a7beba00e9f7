package io.biowerk.dr.postgres;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.AbstractPendingWrite;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.TargetNotEmptyException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL database as a restore target: the decoded dump streams into {@code pg_restore}'s
 * stdin (custom format), in a single transaction by default ({@code --single-transaction
 * --exit-on-error}), so a failed or aborted restore applies nothing.
 *
 * <p>URI: {@code postgresql://user@host:port/dbname?options}; options: {@code create=true} (create
 * the database when missing, through the maintenance database {@code maintenance-db}, {@code
 * postgres} by default; an aborted or failed restore drops it again), {@code clean=true|false}
 * ({@code --clean --if-exists}: drop the objects the backup holds before recreating them, in the
 * same single transaction, and keep the others: the in-place restore), {@code replace=true|false}
 * (see below), {@code no-owner=true}, {@code no-privileges=true}, {@code single-transaction=false},
 * {@code jobs=N} (directory-format backups only; implies no single transaction), {@code
 * pg-restore=/path}, {@code temp-dir} (where a directory-format backup is unpacked). A database
 * that holds user tables is refused unless the target was made with {@code force}.
 *
 * <p><b>{@code --force} gives exactly the dump's state.</b> With force, an existing database is
 * replaced, not merged into (unless {@code clean=} or {@code replace=false} asks for the in-place
 * restore): the dump is restored into a new database {@code <db>_biowerk_new_<pid>}, created from
 * {@code template0} with the old database's owner, encoding and collation, in one transaction; only
 * when that succeeded are the old database's sessions ended, the old database renamed aside, the
 * new one renamed into its place, and the old one dropped. A failed or aborted restore drops the
 * new database and leaves the old one untouched. Grants on the database itself are copied; database
 * settings ({@code ALTER DATABASE ... SET}) are not, and {@link #effect()} names them. Needs the
 * right to create databases and to rename and drop the old one (its owner or a superuser).
 */
public final class PostgresRestoreTarget implements RestoreTarget {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresRestoreTarget.class);

  static final Set<String> OPTIONS =
      Set.of(
          "create",
          "clean",
          "no-owner",
          "no-privileges",
          "single-transaction",
          "jobs",
          "pg-restore",
          "maintenance-db",
          "temp-dir",
          "replace");

  private final PgUri uri;
  private final String uriText;
  private final boolean force;
  private final boolean create;
  private final Optional<Boolean> clean;
  private final boolean noOwner;
  private final boolean noPrivileges;
  private final boolean singleTransaction;
  private final int jobs;
  private final Optional<String> pgRestore;
  private final String maintenanceDb;
  private final Optional<Path> tempDir;
  private final boolean replace;
  private final PgTools tools;

  /** What the last {@link #open} does to the database the target held (see {@link #effect()}). */
  private volatile String effect;

  PostgresRestoreTarget(PgUri uri, String uriText, boolean force, PgTools tools) {
    this(
        uri,
        uriText,
        force,
        tools,
        uri.flag("create", false),
        uri.flag("no-owner", false),
        uri.flag("no-privileges", false),
        uri.option("pg-restore"));
  }

  private PostgresRestoreTarget(
      PgUri uri,
      String uriText,
      boolean force,
      PgTools tools,
      boolean create,
      boolean noOwner,
      boolean noPrivileges,
      Optional<String> pgRestore) {
    this.uri = requireNonNull(uri, "uri");
    this.uriText = uriText;
    this.force = force;
    this.create = create;
    this.clean = uri.option("clean").map(v -> uri.flag("clean", false));
    this.noOwner = noOwner;
    this.noPrivileges = noPrivileges;
    this.singleTransaction = uri.flag("single-transaction", true);
    this.jobs = uri.intOption("jobs", 1, 1);
    this.pgRestore = pgRestore;
    this.maintenanceDb = uri.option("maintenance-db").orElse("postgres");
    this.tempDir = uri.option("temp-dir").map(Path::of);
    // An explicit clean= asks for the in-place restore (the objects the dump holds replaced, others
    // kept); otherwise a forced restore over an existing database replaces the whole database.
    this.replace = uri.flag("replace", clean.isEmpty());
    this.tools = tools;
  }

  /**
   * A target that creates {@code database} on {@code server} for a verification restore: owners and
   * privileges are left out, since the scratch server need not have the source's roles.
   */
  static PostgresRestoreTarget scratch(
      PgUri server, String database, PgTools tools, Optional<String> pgRestore) {
    PgUri target = server.withDatabase(database);
    return new PostgresRestoreTarget(
        target, target.redacted(), false, tools, true, true, true, pgRestore);
  }

  /**
   * A target for {@code uri}.
   *
   * @param force whether a database that already holds tables may be restored into
   * @throws IllegalArgumentException if the URI or an option is malformed
   */
  public static PostgresRestoreTarget of(URI uri, boolean force) {
    PgUri parsed = PgUri.parse(uri, OPTIONS);
    return new PostgresRestoreTarget(
        parsed, PostgresSource.redactedWithOptions(parsed, uri), force, PgTools.system());
  }

  String maintenanceDb() {
    return maintenanceDb;
  }

  /** The database restored into. */
  public String database() {
    return uri.database();
  }

  /**
   * {@inheritDoc}
   *
   * @throws TargetNotEmptyException if the database holds user tables and the target was not made
   *     with force
   * @throws PostgresRestoreException if the database is missing (and {@code create} is off), the
   *     server refuses the connection, or pg_restore is too old for the server or the dump
   */
  @Override
  public PendingWrite open(BackupManifest manifest) throws IOException {
    if (!manifest.sourceKind().equals("postgresql")
        || !(manifest.format().equals(PostgresSource.FORMAT_CUSTOM)
            || manifest.format().equals(PostgresSource.FORMAT_DIRECTORY_TAR))) {
      throw new IllegalArgumentException(
          "postgresql: backup "
              + manifest.id()
              + " is a "
              + manifest.sourceKind()
              + " backup in format "
              + manifest.format()
              + "; only pg_dump backups (dump, dirtar) restore into "
              + uriText);
    }
    boolean directory = manifest.format().equals(PostgresSource.FORMAT_DIRECTORY_TAR);
    boolean created = false;
    int serverVersionNum;
    try (Connection admin = uri.connect(maintenanceDb)) {
      serverVersionNum = serverVersionNum(admin);
      boolean exists;
      try (PreparedStatement st =
          admin.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
        st.setString(1, uri.database());
        try (ResultSet rs = st.executeQuery()) {
          exists = rs.next();
        }
      }
      PgTools.Tool tool = findTool(manifest, serverVersionNum);
      boolean cleanFirst = clean.orElse(false);
      if (!exists) {
        if (!create) {
          throw new PostgresRestoreException(
              "postgresql: database \""
                  + uri.database()
                  + "\" does not exist on "
                  + uri.server()
                  + "; add ?create=true to the target URI to create it, or create it yourself"
                  + " (createdb -h "
                  + uri.host()
                  + " -p "
                  + uri.port()
                  + " "
                  + uri.database()
                  + ")",
              uriText,
              PgFailure.UNKNOWN_DATABASE,
              "",
              null);
        }
        try (Statement st = admin.createStatement()) {
          // template0: a dump restores into a pristine database, not one carrying template1's
          // additions.
          st.execute("CREATE DATABASE " + PgNames.quote(uri.database()) + " TEMPLATE template0");
        }
        created = true;
        LOG.info("postgresql: created database {} on {}", uri.database(), uri.server());
      } else {
        long tables = userTables(uri);
        if (tables > 0 && !force) {
          throw new TargetNotEmptyException(
              "postgresql: database \""
                  + uri.database()
                  + "\" on "
                  + uri.server()
                  + " already holds "
                  + tables
                  + " table(s); use --force to replace the objects the backup holds"
                  + " (dropped and recreated in one transaction), or restore into a new database with ?create=true",
              uriText);
        }
        if (force && replace) {
          Replacement replacement = prepareReplacement(admin);
          effect = replacement.describe();
          LOG.info("postgresql: {}", effect);
          try {
            return directory
                ? new DirectoryRestore(tool, manifest, false, false, replacement)
                : new StreamRestore(tool, manifest, false, false, replacement);
          } catch (IOException | RuntimeException e) {
            replacement.dropFresh();
            throw e;
          }
        }
        // Forced in place (clean= or replace=false): replace what the backup holds, in the same
        // transaction as the load.
        cleanFirst = clean.orElse(tables > 0);
      }
      effect =
          created
              ? "created database \"" + uri.database() + "\" (template0) and restored into it"
              : cleanFirst
                  ? "--force in place (clean=true or replace=false): the objects the dump holds were"
                      + " dropped and recreated; objects the dump does not hold were KEPT"
                  : null;
      return directory
          ? new DirectoryRestore(tool, manifest, created, cleanFirst, null)
          : new StreamRestore(tool, manifest, created, cleanFirst, null);
    } catch (SQLException e) {
      if (created) {
        dropQuietly(uri.database());
      }
      throw sqlFailure(e);
    } catch (IOException | RuntimeException e) {
      if (created) {
        dropQuietly(uri.database());
      }
      throw e;
    }
  }

  /**
   * True for a forced restore that replaces the whole database ({@code --force} without {@code
   * clean=} or {@code replace=false}): the dump goes into a database this restore creates, either
   * the fresh one that takes the target's name only on commit or the missing target itself ({@code
   * create=true}), and an abort drops it, so the target is not touched before every checksum
   * matched and the restore reads the stored bytes once. Every other restore loads into a database
   * that exists, so the stored bytes are checked in a first pass.
   */
  @Override
  public boolean stagesUntilCommit() {
    return force && replace;
  }

  private PgTools.Tool findTool(BackupManifest manifest, int serverVersionNum)
      throws PostgresRestoreException {
    try {
      PgTools.Tool tool = tools.find("pg_restore", pgRestore, serverVersionNum, "the server");
      Object dumpVersion = manifest.facts().get("pgDumpVersion");
      if (dumpVersion != null) {
        Optional<Integer> dumpNum = PgTools.parseVersion("(PostgreSQL) " + dumpVersion);
        if (dumpNum.isPresent() && tool.major() < PgTools.major(dumpNum.get())) {
          tool =
              tools.find(
                  "pg_restore", pgRestore, dumpNum.get(), "the pg_dump that wrote the backup");
        }
      }
      return tool;
    } catch (PgTools.ToolProblem e) {
      throw new PostgresRestoreException(e.getMessage(), uriText, PgFailure.TOOL_VERSION, "", null);
    }
  }

  static int serverVersionNum(Connection connection) throws SQLException {
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** User tables in the database: ordinary and partitioned tables outside the system schemas. */
  static long userTables(PgUri database) throws SQLException {
    try (Connection connection = database.connect();
        Statement st = connection.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n"
                    + " ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname NOT LIKE 'pg\\_%'"
                    + " AND n.nspname <> 'information_schema'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Drops {@code database} (forcing other sessions off on PostgreSQL 13+); logs a failure. */
  void dropQuietly(String database) {
    try {
      drop(uri, maintenanceDb, database);
      LOG.info("postgresql: dropped database {} on {}", database, uri.server());
    } catch (SQLException e) {
      LOG.warn(
          "postgresql: cannot drop database {} on {}: {}; drop it by hand",
          database,
          uri.server(),
          e.getMessage());
    }
  }

  static void drop(PgUri server, String maintenanceDb, String database) throws SQLException {
    try (Connection admin = server.connect(maintenanceDb);
        Statement st = admin.createStatement()) {
      String force = serverVersionNum(admin) >= 130000 ? " WITH (FORCE)" : "";
      st.execute("DROP DATABASE IF EXISTS " + PgNames.quote(database) + force);
    }
  }

  private PostgresRestoreException sqlFailure(SQLException e) {
    PgFailure reason = PgFailure.ofSql(e);
    String detail = e.getMessage() == null ? e.toString() : e.getMessage();
    return new PostgresRestoreException(
        "postgresql: cannot restore into "
            + uriText
            + ": "
            + reason.what()
            + ": "
            + detail
            + "; "
            + reason.hint(),
        uriText,
        reason,
        detail,
        e);
  }

  private PostgresRestoreException toolFailure(
      int status, String stderr, boolean dropped, Replacement replacement) {
    PgFailure reason = PgFailure.ofTool(status, stderr);
    String output = stderr.isEmpty() ? "(no error output)" : PostgresSource.abbreviate(stderr);
    String how =
        status >= 128
            ? "was killed by signal " + (status - 128)
            : "failed (exit status " + status + ")";
    String applied =
        replacement != null
            ? "; the database \""
                + replacement.old
                + "\" was left as it was (the new one the restore was loading is dropped)"
            : singleTransaction && jobs == 1
                ? (dropped
                    ? "; nothing was applied and the database it created was dropped"
                    : "; nothing was applied")
                : "; the restore was not in one transaction, so part of it may have been applied";
    return new PostgresRestoreException(
        "postgresql: pg_restore into "
            + uriText
            + " "
            + how
            + ": "
            + reason.what()
            + ": "
            + output
            + applied
            + "; "
            + reason.hint(),
        uriText,
        reason,
        stderr,
        null);
  }

  private List<String> command(
      PgTools.Tool tool, boolean directory, boolean clean, Replacement replacement) {
    List<String> command = new ArrayList<>();
    command.add(tool.path().toString());
    command.addAll(uri.toolConnectionArgs());
    String database = replacement == null ? uri.database() : replacement.fresh;
    command.add("--dbname=" + PostgresSource.conninfoDbname(database));
    command.add("--exit-on-error");
    command.add(directory ? "-Fd" : "-Fc");
    if (singleTransaction && (jobs == 1 || !directory)) {
      command.add("--single-transaction");
    } else if (directory && jobs > 1) {
      command.add("--jobs=" + jobs);
    }
    if (clean) {
      command.add("--clean");
      command.add("--if-exists");
    }
    if (noOwner) {
      command.add("--no-owner");
    }
    if (noPrivileges) {
      command.add("--no-privileges");
    }
    return command;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Whether the database was created, replaced as a whole (force), or restored in place with
   * which objects kept.
   */
  @Override
  public Optional<String> effect() {
    return Optional.ofNullable(effect);
  }

  @Override
  public String toString() {
    return uriText;
  }

  /**
   * A forced restore that replaces the whole database: the dump goes into a fresh database, which
   * takes the old one's name on commit ({@link #swap}); the old one is then dropped.
   */
  private final class Replacement {
    final String old;
    final String fresh;
    final String aside;
    final List<String> settings;

    private Replacement(String old, String fresh, String aside, List<String> settings) {
      this.old = old;
      this.fresh = fresh;
      this.aside = aside;
      this.settings = settings;
    }

    String describe() {
      return "--force: database \""
          + old
          + "\" is REPLACED, not merged: the dump is restored into a new database \""
          + fresh
          + "\", which takes its place when the restore succeeded (the old database's sessions are"
          + " ended and it is dropped); objects created after the backup are gone"
          + (settings.isEmpty()
              ? ""
              : "; its settings were NOT carried over, set them again: ALTER DATABASE "
                  + PgNames.quote(old)
                  + " SET ... for "
                  + String.join(", ", settings));
    }

    /** Ends the old database's sessions and puts the fresh one in its place. */
    void swap() throws SQLException {
      try (Connection admin = uri.connect(maintenanceDb);
          Statement st = admin.createStatement()) {
        SQLException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
          try (PreparedStatement end =
              admin.prepareStatement(
                  "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      + " WHERE datname = ? AND pid <> pg_backend_pid()")) {
            end.setString(1, old);
            end.executeQuery().close();
          }
          try {
            st.execute(
                "ALTER DATABASE " + PgNames.quote(old) + " RENAME TO " + PgNames.quote(aside));
            last = null;
            break;
          } catch (SQLException e) {
            // A session may connect again between the two statements: end it and try again.
            last = e;
            sleep(200L * (attempt + 1));
          }
        }
        if (last != null) {
          throw last;
        }
        try {
          st.execute("ALTER DATABASE " + PgNames.quote(fresh) + " RENAME TO " + PgNames.quote(old));
        } catch (SQLException e) {
          try {
            st.execute(
                "ALTER DATABASE " + PgNames.quote(aside) + " RENAME TO " + PgNames.quote(old));
          } catch (SQLException back) {
            e.addSuppressed(back);
          }
          throw e;
        }
      }
      try {
        drop(uri, maintenanceDb, aside);
        LOG.info("postgresql: replaced database {} on {}", old, uri.server());
      } catch (SQLException e) {
        LOG.warn(
            "postgresql: database {} was replaced, but the old one, renamed {}, cannot be dropped:"
                + " {}; drop it by hand (DROP DATABASE {})",
            old,
            aside,
            e.getMessage(),
            PgNames.quote(aside));
        // Only the restoring thread writes effect; volatile is for the thread that prints it.
        String replaced = effect;
        effect =
            replaced
                + "; the old database, renamed \""
                + aside
                + "\", could NOT be dropped: drop it by hand";
      }
    }

    void dropFresh() {
      dropQuietly(fresh);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Creates the fresh database a forced restore loads into, like the old one: owner, encoding,
   * collation and the grants on the database.
   */
  private Replacement prepareReplacement(Connection admin) throws SQLException {
    String old = uri.database();
    long pid = ProcessHandle.current().pid();
    String fresh = derivedName(old, "_biowerk_new_" + pid);
    String aside = derivedName(old, "_biowerk_old_" + pid);
    String owner;
    String encoding;
    String collate;
    String ctype;
    long oid;
    try (PreparedStatement st =
        admin.prepareStatement(
            "SELECT pg_get_userbyid(datdba), pg_encoding_to_char(encoding), datcollate, datctype,"
                + " oid FROM pg_database WHERE datname = ?")) {
      st.setString(1, old);
      try (ResultSet rs = st.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException(
              "database \"" + old + "\" disappeared before the restore", "3D000");
        }
        owner = rs.getString(1);
        encoding = rs.getString(2);
        collate = rs.getString(3);
        ctype = rs.getString(4);
        oid = rs.getLong(5);
      }
    }
    List<String> settings = new ArrayList<>();
    try (PreparedStatement st =
        admin.prepareStatement(
            "SELECT unnest(setconfig) FROM pg_db_role_setting WHERE setdatabase = ? AND setrole = 0")) {
      st.setLong(1, oid);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          String setting = rs.getString(1);
          settings.add(setting.substring(0, Math.max(0, setting.indexOf('='))));
        }
      }
    }
    List<String> grants = new ArrayList<>();
    boolean explicitAcl = false;
    try (PreparedStatement st =
        admin.prepareStatement(
            "SELECT a.grantee, CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee)"
                + " END, a.privilege_type, a.is_grantable FROM pg_database d,"
                + " aclexplode(d.datacl) a WHERE d.oid = ?")) {
      st.setLong(1, oid);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          explicitAcl = true;
          String grantee = rs.getLong(1) == 0 ? "PUBLIC" : PgNames.quote(rs.getString(2));
          grants.add(
              "GRANT "
                  + rs.getString(3)
                  + " ON DATABASE "
                  + PgNames.quote(fresh)
                  + " TO "
                  + grantee
                  + (rs.getBoolean(4) ? " WITH GRANT OPTION" : ""));
        }
      }
    }
    try (Statement st = admin.createStatement()) {
      st.execute("DROP DATABASE IF EXISTS " + PgNames.quote(fresh));
      st.execute(
          "CREATE DATABASE "
              + PgNames.quote(fresh)
              + " TEMPLATE template0 OWNER "
              + PgNames.quote(owner)
              + " ENCODING "
              + literal(encoding)
              + " LC_COLLATE "
              + literal(collate)
              + " LC_CTYPE "
              + literal(ctype));
      LOG.info("postgresql: created database {} on {} to replace {}", fresh, uri.server(), old);
      try {
        if (explicitAcl) {
          st.execute("REVOKE ALL ON DATABASE " + PgNames.quote(fresh) + " FROM PUBLIC");
          for (String grant : grants) {
            st.execute(grant);
          }
        }
      } catch (SQLException e) {
        dropQuietly(fresh);
        throw e;
      }
    }
    return new Replacement(old, fresh, aside, settings);
  }

  private static String literal(String text) {
    return "'" + text.replace("'", "''") + "'";
  }

  /** A name of at most 63 bytes: {@code base} cut to fit, then {@code suffix}. */
  static String derivedName(String base, String suffix) {
    byte[] bytes = base.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    int room = 63 - suffix.length();
    if (bytes.length <= room) {
      return base + suffix;
    }
    StringBuilder cut = new StringBuilder();
    int used = 0;
    for (int i = 0; i < base.length(); ) {
      int cp = base.codePointAt(i);
      int len =
          new String(Character.toChars(cp))
              .getBytes(java.nio.charset.StandardCharsets.UTF_8)
              .length;
      if (used + len > room) {
        break;
      }
      cut.appendCodePoint(cp);
      used += len;
      i += Character.charCount(cp);
    }
    return cut + suffix;
  }

  /** A custom-format dump streaming into pg_restore's stdin. */
  private final class StreamRestore extends AbstractPendingWrite {
    private final PgProcess restore;
    private final OutputStream stdin;
    private final boolean created;
    private final Replacement replacement;
    private final byte[] chunk = new byte[256 * 1024];

    StreamRestore(
        PgTools.Tool tool,
        BackupManifest manifest,
        boolean created,
        boolean clean,
        Replacement replacement)
        throws IOException {
      this.created = created;
      this.replacement = replacement;
      LOG.info("postgresql: restoring {} into {} with {}", manifest.id(), uriText, tool);
      this.restore =
          PgProcess.start(
              command(tool, false, clean, replacement),
              uri.toolEnvironment(System.getenv()),
              true,
              false);
      this.stdin = restore.process().getOutputStream();
    }

    @Override
    protected int writeOpen(ByteBuffer src) throws IOException {
      int n = src.remaining();
      try {
        while (src.hasRemaining()) {
          int len = Math.min(chunk.length, src.remaining());
          src.get(chunk, 0, len);
          stdin.write(chunk, 0, len);
        }
      } catch (IOException e) {
        // pg_restore stopped reading: it exited, and its error output says why. Abort now (which
        // drops a
        // database this restore created), so the message's "was dropped" is already true when it is
        // thrown.
        int status = restore.exitOrKill(5000);
        abort();
        PostgresRestoreException failure =
            toolFailure(status == 0 ? 1 : status, restore.stderr(), created, replacement);
        failure.addSuppressed(e);
        throw failure;
      }
      return n;
    }

    @Override
    protected void publish() throws IOException {
      try {
        stdin.close();
      } catch (IOException e) {
        // pg_restore exited early; its status and output say why
      }
      int status = restore.waitFor();
      if (status != 0) {
        throw toolFailure(status, restore.stderr(), created, replacement);
      }
      if (replacement != null) {
        try {
          replacement.swap();
        } catch (SQLException e) {
          throw sqlFailure(e);
        }
      }
      LOG.info("postgresql: restore into {} committed", uriText);
    }

    @Override
    protected void discard() {
      // Killing pg_restore mid-transaction rolls the transaction back on the server.
      restore.kill();
      if (created) {
        dropQuietly(uri.database());
      }
      if (replacement != null) {
        replacement.dropFresh();
      }
      LOG.info("postgresql: restore into {} aborted", uriText);
    }
  }

  /**
   * A directory-format dump: the tar is spooled to scratch disk, unpacked and restored on commit.
   */
  private final class DirectoryRestore extends AbstractPendingWrite {
    private final PgTools.Tool tool;
    private final boolean created;
    private final boolean clean;
    private final Replacement replacement;
    private final Path scratch;
    private final FileChannel spool;

    DirectoryRestore(
        PgTools.Tool tool,
        BackupManifest manifest,
        boolean created,
        boolean clean,
        Replacement replacement)
        throws IOException {
      this.tool = tool;
      this.created = created;
      this.clean = clean;
      this.replacement = replacement;
      Path parent = tempDir.orElse(Path.of(System.getProperty("java.io.tmpdir")));
      this.scratch = Files.createTempDirectory(parent, "biowerk-pg_restore-");
      this.spool =
          FileChannel.open(
              scratch.resolve("dump.tar"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      LOG.info(
          "postgresql: restoring {} into {} with {} (spooling the directory archive to {})",
          manifest.id(),
          uriText,
          tool,
          scratch);
    }

    @Override
    protected int writeOpen(ByteBuffer src) throws IOException {
      int n = src.remaining();
      while (src.hasRemaining()) {
        spool.write(src);
      }
      return n;
    }

    @Override
    protected void publish() throws IOException {
      try {
        spool.close();
        Path dir = Files.createDirectory(scratch.resolve("dump"));
        try (InputStream in =
            Channels.newInputStream(FileChannel.open(scratch.resolve("dump.tar")))) {
          DirTar.extract(in, dir);
        }
        Files.delete(scratch.resolve("dump.tar"));
        List<String> command = command(tool, true, clean, replacement);
        command.add(dir.toString());
        PgProcess restore =
            PgProcess.start(command, uri.toolEnvironment(System.getenv()), false, false);
        int status = restore.waitFor();
        if (status != 0) {
          // discard() runs next and drops a database this restore created.
          throw toolFailure(status, restore.stderr(), created, replacement);
        }
        if (replacement != null) {
          try {
            replacement.swap();
          } catch (SQLException e) {
            throw sqlFailure(e);
          }
        }
      } finally {
        DirTar.deleteTree(scratch);
      }
    }

    @Override
    protected void discard() {
      try {
        spool.close();
      } catch (IOException e) {
        // the spool is deleted next
      }
      DirTar.deleteTree(scratch);
      if (created) {
        dropQuietly(uri.database());
      }
      if (replacement != null) {
        replacement.dropFresh();
      }
    }
  }
}
