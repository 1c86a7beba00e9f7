package io.biowerk.dr.postgres;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.SourceFailedException;

/**
 * A PostgreSQL backup failed: {@code pg_dump} exited non-zero or was killed, the server refused the
 * connection, the client tools are too old. {@link #reason()} sorts it; {@link #detail()} is
 * pg_dump's (or the server's) own error output, which the message also carries.
 */
public class PostgresSourceException extends SourceFailedException {
  private static final long serialVersionUID = 1L;

  private final PgFailure reason;

  public PostgresSourceException(
      String message, String source, PgFailure reason, String detail, Throwable cause) {
    super(message, source, detail, cause);
    this.reason = requireNonNull(reason, "reason");
  }

  /** Why it failed. */
  public PgFailure reason() {
    return reason;
  }
}
