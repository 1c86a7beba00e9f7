/**
 * BIOwerk DR for Redis: RDB snapshots over the replication protocol (or SCAN/DUMP), RDB
 * verification, online (RESTORE) and offline (dump.rdb) restore.
 */
module io.biowerk.dr.redis {
  requires transitive io.biowerk.dr.core; // its public types name core's SPI types
  requires com.google.common;
  requires org.slf4j;

  exports io.biowerk.dr.redis;

  provides io.biowerk.dr.core.SourceProvider with
      io.biowerk.dr.redis.RedisSourceProvider;
  provides io.biowerk.dr.core.RestoreTargetProvider with
      io.biowerk.dr.redis.RedisRestoreTargetProvider;
  provides io.biowerk.dr.core.NativeVerifier with
      io.biowerk.dr.redis.RdbVerifier;
}
