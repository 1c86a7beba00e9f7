/**
 * BIOwerk DR S3 storage: a {@link io.biowerk.dr.core.Sink} for {@code s3://bucket/prefix}
 * repositories on the AWS SDK for Java v2, and a builder for the bucket lifecycle rules of the DR
 * plan.
 */
// "module": the name ends in "s3" after the service it serves; renaming it would break every user.
@SuppressWarnings("module")
module io.biowerk.dr.storage.s3 {
  requires transitive io.biowerk.dr.core;
  requires transitive software.amazon.awssdk.services.s3;
  requires transitive software.amazon.awssdk.auth;
  requires transitive software.amazon.awssdk.core;
  requires transitive software.amazon.awssdk.awscore;
  requires software.amazon.awssdk.regions;
  requires software.amazon.awssdk.http.apache5;
  requires software.amazon.awssdk.http;
  requires software.amazon.awssdk.retries.api;
  requires software.amazon.awssdk.retries;
  requires software.amazon.awssdk.identity.spi;
  requires com.google.common;
  requires org.slf4j;

  exports io.biowerk.dr.storage.s3;

  provides io.biowerk.dr.core.SinkProvider with
      io.biowerk.dr.storage.s3.S3SinkProvider;
}
