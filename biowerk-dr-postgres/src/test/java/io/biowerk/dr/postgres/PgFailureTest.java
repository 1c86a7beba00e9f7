package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class PgFailureTest {

  @Test
  void sortsToolOutputAsAnOperatorWould() {
    assertThat(PgFailure.ofTool(137, "")).isEqualTo(PgFailure.KILLED);
    assertThat(
            PgFailure.ofTool(
                1,
                "pg_dump: error: connection to server at \"127.0.0.1\", port 5 failed:"
                    + " FATAL:  password authentication failed for user \"a\""))
        .isEqualTo(PgFailure.AUTHENTICATION);
    assertThat(PgFailure.ofTool(1, "FATAL:  database \"nope\" does not exist"))
        .isEqualTo(PgFailure.UNKNOWN_DATABASE);
    assertThat(
            PgFailure.ofTool(
                1, "pg_dump: error: query failed: ERROR:  permission denied for table secret"))
        .isEqualTo(PgFailure.PERMISSION_DENIED);
    assertThat(
            PgFailure.ofTool(
                1,
                "pg_dump: error: Dumping the contents of table \"t\" failed: PQgetCopyData()"
                    + " failed.\npg_dump: detail: server closed the connection unexpectedly"))
        .isEqualTo(PgFailure.CONNECTION_LOST);
    assertThat(
            PgFailure.ofTool(
                1, "connection to server at \"127.0.0.1\", port 1 failed: Connection refused"))
        .isEqualTo(PgFailure.UNREACHABLE);
    assertThat(PgFailure.ofTool(1, "pg_dump: error: aborting because of server version mismatch"))
        .isEqualTo(PgFailure.TOOL_VERSION);
    assertThat(PgFailure.ofTool(1, "pg_restore: error: could not execute query: ERROR: syntax"))
        .isEqualTo(PgFailure.FAILED);
  }

  @Test
  void sortsServerErrorsBySqlstate() {
    assertThat(PgFailure.ofSql(new SQLException("x", "28P01"))).isEqualTo(PgFailure.AUTHENTICATION);
    assertThat(PgFailure.ofSql(new SQLException("x", "3D000")))
        .isEqualTo(PgFailure.UNKNOWN_DATABASE);
    assertThat(PgFailure.ofSql(new SQLException("x", "42501")))
        .isEqualTo(PgFailure.PERMISSION_DENIED);
    assertThat(PgFailure.ofSql(new SQLException("x", "08001"))).isEqualTo(PgFailure.UNREACHABLE);
    assertThat(PgFailure.ofSql(new SQLException("x", "57P01")))
        .isEqualTo(PgFailure.CONNECTION_LOST);
    assertThat(PgFailure.ofSql(new SQLException("x"))).isEqualTo(PgFailure.FAILED);
  }
}
