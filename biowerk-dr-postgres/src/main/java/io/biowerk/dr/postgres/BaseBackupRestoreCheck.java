package io.biowerk.dr.postgres;

import io.biowerk.dr.core.BackupManifest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The restore-level check of a physical base backup: its tar laid down into a private scratch
 * directory, a private server started on it (a free loopback port, its socket in the scratch
 * directory, only local socket connections allowed, under {@code runuser -u postgres} when run as
 * root), which fetches the WAL it needs with {@code restore_command} (option {@value
 * #FETCH_OPTION}, given by {@code biowerk-dr verify}), recovers to the backup's consistent point
 * ({@code recovery_target = 'immediate'}) and promotes; then it must answer a query. With option
 * {@value #TARGET_OPTION}{@code =end} (the DR drill's point-in-time restore) it replays every
 * archived segment instead, to the newest point the archive reaches, and reports the time of the
 * last transaction it replayed. The server is stopped and the scratch directory removed whatever
 * happens.
 */
final class BaseBackupRestoreCheck {

  /** The option that carries the command fetching one WAL segment ({@code %f "%p"} appended). */
  static final String FETCH_OPTION = "wal-fetch-command";

  /**
   * The option choosing how far the WAL is replayed: {@code immediate} (the default: the backup's
   * consistent point) or {@code end} (every archived segment: the newest recoverable point).
   */
  static final String TARGET_OPTION = "recovery-target";

  /**
   * With {@code recovery-target=end}: the newest archived segment the replay must reach; recovery
   * that ends before it (a segment that could not be fetched ends the archive for the server) fails
   * the check.
   */
  static final String THROUGH_OPTION = "expect-wal-through";

  private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

  private BaseBackupRestoreCheck() {}

  static String check(
      BackupManifest manifest,
      ReadableByteChannel decoded,
      Map<String, String> options,
      PgTools tools)
      throws IOException {
    String fetch = options.get(FETCH_OPTION);
    if (fetch == null || fetch.isBlank()) {
      throw new IllegalArgumentException(
          "postgresql: the restore-level check of base backup "
              + manifest.id()
              + " replays the archived WAL and needs the command that fetches it (option "
              + FETCH_OPTION
              + "); run it through 'biowerk-dr verify ... --level restore', which sets it");
    }
    String target = options.getOrDefault(TARGET_OPTION, "immediate");
    if (!target.equals("immediate") && !target.equals("end")) {
      throw new IllegalArgumentException(
          "postgresql: option "
              + TARGET_OPTION
              + "="
              + target
              + " is not known; use immediate (the backup's consistent point) or end (every"
              + " archived WAL segment)");
    }
    boolean toEnd = target.equals("end");
    int versionNum = ((Number) manifest.facts().getOrDefault("serverVersionNum", 0)).intValue();
    Path bin = serverBin(manifest, versionNum, options);
    Duration timeout =
        Optional.ofNullable(options.get("restore-timeout"))
            .map(Duration::parse)
            .orElse(DEFAULT_TIMEOUT);
    boolean root = "root".equals(System.getProperty("user.name"));
    Path scratch =
        Files.createTempDirectory(
            "bw-pgrestore-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path data = scratch.resolve("data");
    boolean started = false;
    long begin = System.nanoTime();
    try {
      Files.createDirectories(data);
      int files = BaseBackupVerifier.extract(decoded, data);
      prepare(data, scratch, fetch, toEnd);
      Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
      if (root) {
        run(List.of("chown", "-R", "postgres:postgres", scratch.toString()), false, "chown");
      }
      run(
          List.of(
              bin.resolve("pg_ctl").toString(),
              "-D",
              data.toString(),
              "-l",
              scratch.resolve("server.log").toString(),
              "-w",
              "-t",
              Long.toString(timeout.toSeconds()),
              "start"),
          root,
          "pg_ctl start");
      started = true;
      long deadline = System.nanoTime() + timeout.toNanos();
      String psql = bin.resolve("psql").toString();
      List<String> query =
          List.of(psql, "-X", "-A", "-t", "-h", scratch.toString(), "-p", port(data), "-d");
      while (!query(query, "postgres", "SELECT pg_is_in_recovery()", root).equals("f")) {
        if (System.nanoTime() > deadline) {
          throw failed(manifest, scratch, "did not finish recovery within " + timeout);
        }
        sleep();
      }
      String databases =
          query(query, "postgres", "SELECT count(*) FROM pg_database WHERE datallowconn", root);
      Duration took = Duration.ofNanos(System.nanoTime() - begin);
      if (toEnd) {
        String through = options.get(THROUGH_OPTION);
        if (through != null && PgWal.isSegment(through)) {
          // The timeline changed at promotion: the log and segment numbers (the last 16 digits)
          // tell how far the replay went.
          String reached =
              query(query, "postgres", "SELECT pg_walfile_name(pg_last_wal_replay_lsn())", root);
          if (reached.length() != 24 || reached.substring(8).compareTo(through.substring(8)) < 0) {
            throw failed(
                manifest,
                scratch,
                "the replay stopped in segment "
                    + (reached.isEmpty() ? "(unknown)" : reached)
                    + ", before "
                    + through
                    + ", the newest archived segment: the next one could not be fetched or is"
                    + " damaged; fetch it by hand with 'biowerk-dr wal-fetch' to see why, and push"
                    + " it again from the server's pg_wal if it is still there");
          }
        }
        String last =
            query(
                query,
                "postgres",
                "SELECT coalesce(to_char(pg_last_xact_replay_timestamp() AT TIME ZONE 'UTC',"
                    + " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), 'none')",
                root);
        return "point-in-time restore: "
            + files
            + " files laid down, every archived WAL segment replayed (last transaction replayed: "
            + last
            + "), server promoted in "
            + PostgresVerifier.human(took)
            + " and answered ("
            + databases
            + " databases)";
      }
      return "restore test: "
          + files
          + " files laid down, WAL replayed to the backup's consistent point, server promoted in "
          + PostgresVerifier.human(took)
          + " and answered ("
          + databases
          + " databases)";
    } catch (IllegalStateException e) {
      throw failed(manifest, scratch, e.getMessage());
    } finally {
      if (started) {
        try {
          run(
              List.of(
                  bin.resolve("pg_ctl").toString(),
                  "-D",
                  data.toString(),
                  "-m",
                  "immediate",
                  "-w",
                  "stop"),
              root,
              "pg_ctl stop");
        } catch (IOException | IllegalStateException e) {
          // the scratch directory goes anyway; a stray server dies with its files
        }
      }
      BaseBackupVerifier.PrivateTree.delete(scratch);
    }
  }

  private static Path serverBin(
      BackupManifest manifest, int versionNum, Map<String, String> options)
      throws PostgresRestoreException {
    String major = PgTools.majorText(versionNum);
    Path bin = Path.of(options.getOrDefault("pg-bin", "/usr/lib/postgresql/" + major + "/bin"));
    if (!Files.isExecutable(bin.resolve("pg_ctl")) || !Files.isExecutable(bin.resolve("psql"))) {
      throw new PostgresRestoreException(
          "postgresql: the restore-level check of base backup "
              + manifest.id()
              + " starts a PostgreSQL "
              + major
              + " server on its files and needs pg_ctl and psql of that version in "
              + bin
              + "; apt-get install postgresql-"
              + major
              + ", or point -o pg-bin=DIR at them",
          "pg_ctl",
          PgFailure.TOOL_VERSION,
          "",
          null);
    }
    return bin;
  }

  /** Writes the recovery settings and a private configuration into the laid-down files. */
  private static void prepare(Path data, Path scratch, String fetch, boolean toEnd)
      throws IOException {
    Files.deleteIfExists(data.resolve("postmaster.pid"));
    Files.deleteIfExists(data.resolve("postmaster.opts"));
    Files.createDirectories(data.resolve("pg_wal/archive_status"));
    for (String name : List.of("postgresql.conf", "pg_ident.conf")) {
      if (!Files.exists(data.resolve(name))) {
        Files.writeString(data.resolve(name), "");
      }
    }
    // local socket only, in the private scratch directory: nobody else can connect
    Files.writeString(data.resolve("pg_hba.conf"), "local all all trust\n");
    Files.writeString(data.resolve("recovery.signal"), "");
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    String settings =
        "\n# biowerk-dr verify --level restore: a private server on a scratch copy\n"
            + "restore_command = "
            + PgRecovery.confQuote(fetch + " %f \"%p\"")
            + (toEnd
                ? "\n"
                : "\nrecovery_target = 'immediate'\nrecovery_target_action = 'promote'\n")
            + "archive_mode = off\nport = "
            + port
            + "\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = "
            + PgRecovery.confQuote(scratch.toString())
            + "\nhba_file = "
            + PgRecovery.confQuote(data.resolve("pg_hba.conf").toString())
            + "\nident_file = "
            + PgRecovery.confQuote(data.resolve("pg_ident.conf").toString())
            + "\nfsync = off\n";
    Files.writeString(
        data.resolve("postgresql.auto.conf"),
        settings,
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  private static String port(Path data) throws IOException {
    String conf = Files.readString(data.resolve("postgresql.auto.conf"));
    String found = "5432";
    for (String line : conf.split("\n", -1)) {
      if (line.startsWith("port = ")) {
        found = line.substring(7).strip();
      }
    }
    return found;
  }

  private static String query(List<String> base, String db, String sql, boolean root)
      throws IOException {
    List<String> command = new ArrayList<>(base);
    command.add(db);
    command.add("-c");
    command.add(sql);
    try {
      return run(command, root, "psql").strip();
    } catch (IllegalStateException e) {
      // still starting up or in recovery without hot standby: asked again until the deadline
      return "";
    }
  }

  /**
   * Runs a command (as the postgres OS user when {@code asPostgres}) and returns its output.
   *
   * @throws IllegalStateException if it exits non-zero; the message has its output
   */
  private static String run(List<String> command, boolean asPostgres, String what)
      throws IOException {
    List<String> full = new ArrayList<>();
    if (asPostgres) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (process.waitFor() != 0) {
        throw new IllegalStateException(what + " failed: " + out.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new java.io.InterruptedIOException(what + " interrupted");
    }
    return out;
  }

  private static PostgresRestoreException failed(
      BackupManifest manifest, Path scratch, String what) {
    String log = "";
    try {
      List<String> lines = Files.readAllLines(scratch.resolve("server.log"));
      log = String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      // no server log: the server did not start
    }
    return new PostgresRestoreException(
        "postgresql: the restore test of base backup "
            + manifest.id()
            + " failed: "
            + what
            + "; the server's log ends with:\n"
            + log
            + "\ncheck that every WAL segment the backup needs is archived ('biowerk-dr wal-status'),"
            + " and that the key can read them",
        "pg_ctl",
        PgFailure.FAILED,
        log,
        null);
  }

  private static void sleep() throws java.io.InterruptedIOException {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted");
    }
  }
}
