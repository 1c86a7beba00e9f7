package io.biowerk.dr.postgres;

import static java.util.Objects.requireNonNull;

import java.io.IOException;

/**
 * A restore into PostgreSQL failed: {@code pg_restore} exited non-zero or was killed, the target
 * database is missing, the client tools are too old. With the default single transaction nothing
 * was applied. {@link #reason()} sorts it; {@link #detail()} is pg_restore's (or the server's) own
 * error output.
 */
public class PostgresRestoreException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String target;
  private final PgFailure reason;
  private final String detail;

  public PostgresRestoreException(
      String message, String target, PgFailure reason, String detail, Throwable cause) {
    super(message, cause);
    this.target = requireNonNull(target, "target");
    this.reason = requireNonNull(reason, "reason");
    this.detail = detail == null ? "" : detail;
  }

  /** The target, as its redacted URI. */
  public String target() {
    return target;
  }

  /** Why it failed. */
  public PgFailure reason() {
    return reason;
  }

  /** The tool's or server's own error output, or an empty string. */
  public String detail() {
    return detail;
  }
}
