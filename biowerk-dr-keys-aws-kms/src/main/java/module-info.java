/**
 * BIOwerk DR AWS KMS keys: the {@code aws-kms} {@link io.biowerk.dr.core.KeyService}, which wraps
 * each backup's data key with AWS KMS so that the master key never leaves KMS.
 */
module io.biowerk.dr.keys.aws {
  requires transitive io.biowerk.dr.core;
  requires software.amazon.awssdk.services.kms;
  requires transitive software.amazon.awssdk.auth;
  requires software.amazon.awssdk.core;
  requires software.amazon.awssdk.awscore;
  requires software.amazon.awssdk.regions;
  requires software.amazon.awssdk.http.urlconnection;
  requires software.amazon.awssdk.http;
  requires software.amazon.awssdk.identity.spi;
  requires software.amazon.awssdk.utils;
  requires org.slf4j;

  exports io.biowerk.dr.keys.aws;

  provides io.biowerk.dr.core.KeyService with
      io.biowerk.dr.keys.aws.AwsKmsKeyService;
}
