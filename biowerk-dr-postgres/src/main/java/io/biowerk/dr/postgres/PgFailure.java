package io.biowerk.dr.postgres;

import java.sql.SQLException;
import java.util.Locale;

/**
 * Why a PostgreSQL tool or connection failed, as an operator would sort it: each reason says what
 * to do next. Read from the tool's own error output or from a server error's SQLSTATE.
 */
public enum PgFailure {
  /** The server refused the user or its password. */
  AUTHENTICATION(
      "authentication failed",
      "check the user and password (in the URI, PGPASSWORD, or ~/.pgpass with mode 0600) and the server's"
          + " pg_hba.conf"),
  /** The database named in the URI does not exist. */
  UNKNOWN_DATABASE(
      "the database does not exist", "check the database name in the URI (psql -l lists them)"),
  /** The role lacks a privilege the dump or restore needs. */
  PERMISSION_DENIED(
      "permission denied",
      "grant the role SELECT on every table dumped (or connect as the tables' owner or a superuser), or leave"
          + " the table out with ?exclude-table=<name>"),
  /** No connection could be made. */
  UNREACHABLE(
      "the server cannot be reached",
      "check that the server runs and accepts TCP connections at that host and port (pg_isready -h <host>"
          + " -p <port>)"),
  /** The server went away or ended the session while the tool ran. */
  CONNECTION_LOST(
      "the connection to the server was lost",
      "the server stopped or terminated the session; check the server log, then run it again"),
  /** The tool was killed by a signal. */
  KILLED(
      "the process was killed",
      "something killed it (the out-of-memory killer, an operator, a timeout); run it again"),
  /** The tool's major version is older than the server's or the dump's. */
  TOOL_VERSION(
      "the client tools are too old", "install the client tools of the server's major version"),
  /** Anything else: the tool's own output says what. */
  FAILED("it failed", "read the tool's output above, fix the cause and run it again");

  private final String what;
  private final String hint;

  PgFailure(String what, String hint) {
    this.what = what;
    this.hint = hint;
  }

  /** What happened, in a few words. */
  public String what() {
    return what;
  }

  /** What to do about it. */
  public String hint() {
    return hint;
  }

  /**
   * The reason a tool run failed, from its exit status and error output. Exit statuses of 128 and
   * above are how the JDK reports a process killed by signal {@code status - 128}.
   */
  static PgFailure ofTool(int exitStatus, String stderr) {
    if (exitStatus >= 128) {
      return KILLED;
    }
    String text = stderr.toLowerCase(Locale.ROOT);
    if (text.contains("password authentication failed")
        || text.contains("no password supplied")
        || text.contains("authentication failed")
        || text.contains("pg_hba.conf rejects")) {
      return AUTHENTICATION;
    }
    if (text.matches("(?s).*database \".*\" does not exist.*")) {
      return UNKNOWN_DATABASE;
    }
    if (text.contains("aborting because of server version mismatch")
        || text.contains("unsupported version")) {
      return TOOL_VERSION;
    }
    if (text.contains("server closed the connection unexpectedly")
        || text.contains("terminating connection")
        || text.contains("no connection to the server")
        || text.contains("connection to server was lost")
        || text.contains("could not receive data from server")
        || text.contains("ssl syscall error")) {
      return CONNECTION_LOST;
    }
    if (text.contains("connection refused")
        || text.contains("could not connect")
        || text.contains("could not translate host name")
        || text.contains("timeout expired")) {
      return UNREACHABLE;
    }
    if (text.contains("permission denied") || text.contains("must be owner")) {
      return PERMISSION_DENIED;
    }
    return FAILED;
  }

  /** The reason a JDBC call failed, from the server's SQLSTATE. */
  static PgFailure ofSql(SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    return switch (state) {
      case "28P01", "28000" -> AUTHENTICATION;
      case "3D000" -> UNKNOWN_DATABASE;
      case "42501" -> PERMISSION_DENIED;
      case "08001", "08004" -> UNREACHABLE;
      case "08003", "08006", "57P01", "57P02", "57P03" -> CONNECTION_LOST;
      default -> FAILED;
    };
  }
}
