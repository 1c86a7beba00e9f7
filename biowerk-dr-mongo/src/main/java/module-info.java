/**
 * BIOwerk DR for MongoDB: logical dumps through the Java driver in mongodump's {@code --archive}
 * format (with the oplog slice taken during the dump), restore into a server, and native
 * verification of archives, ours and mongodump's.
 */
module io.biowerk.dr.mongo {
  requires transitive io.biowerk.dr.core; // its public types name core's SPI types
  requires com.google.common;
  requires org.slf4j;
  requires transitive org.mongodb.bson;
  requires org.mongodb.driver.core;
  requires org.mongodb.driver.sync.client;

  exports io.biowerk.dr.mongo;

  provides io.biowerk.dr.core.SourceProvider with
      io.biowerk.dr.mongo.MongoSourceProvider;
  provides io.biowerk.dr.core.RestoreTargetProvider with
      io.biowerk.dr.mongo.MongoRestoreTargetProvider;
  provides io.biowerk.dr.core.NativeVerifier with
      io.biowerk.dr.mongo.MongoArchiveVerifier;
  provides io.biowerk.dr.core.log.LogProvider with
      io.biowerk.dr.mongo.OplogProvider;
}
