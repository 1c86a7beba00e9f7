/**
 * BIOwerk DR for PostgreSQL: logical backups with {@code pg_dump}, restores with {@code
 * pg_restore}, and the native and restore verification levels.
 */
module io.biowerk.dr.postgres {
  requires transitive io.biowerk.dr.core; // its public types name core's SPI types
  requires java.sql;
  requires org.postgresql.jdbc;
  requires org.apache.commons.compress;
  requires com.google.common;

  exports io.biowerk.dr.postgres;

  provides io.biowerk.dr.core.SourceProvider with
      io.biowerk.dr.postgres.PostgresSourceProvider;
  provides io.biowerk.dr.core.RestoreTargetProvider with
      io.biowerk.dr.postgres.PostgresRestoreTargetProvider;
  provides io.biowerk.dr.core.log.LogProvider with
      io.biowerk.dr.postgres.PgWalLog;
  provides io.biowerk.dr.core.NativeVerifier with
      io.biowerk.dr.postgres.PostgresVerifier;
}
