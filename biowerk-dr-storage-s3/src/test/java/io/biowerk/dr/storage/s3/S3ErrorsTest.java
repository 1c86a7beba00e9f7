package io.biowerk.dr.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.StorageException.Reason;
import java.io.IOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Error translation for the answers S3Proxy cannot give (KMS, object lock, archived objects,
 * redirects). The exceptions are built the way the SDK builds them from AWS's documented error
 * codes; the answers S3Proxy can give (no such bucket, bad credentials, unreachable endpoint, no
 * such key) are covered against it in {@code S3BadConfigurationIT} and {@code S3SinkIT}.
 */
class S3ErrorsTest {

  private static S3Exception aws(int status, String code, String message) {
    return (S3Exception)
        S3Exception.builder()
            .statusCode(status)
            .message(message)
            .awsErrorDetails(
                AwsErrorDetails.builder()
                    .errorCode(code)
                    .errorMessage(message)
                    .serviceName("S3")
                    .build())
            .build();
  }

  private static IOException translate(Exception e) {
    return S3Errors.translate(
        (software.amazon.awssdk.core.exception.SdkException) e,
        "PutObject",
        "bkt",
        "postgres/daily/x.dump",
        "prod/postgres/daily/x.dump",
        "AWS S3 (region eu-west-1)");
  }

  @Test
  void kmsKeyMissing() {
    IOException e = translate(aws(400, "KMS.NotFoundException", "Invalid keyId alias/gone"));
    assertThat(e)
        .isInstanceOf(StorageException.class)
        .hasMessage(
            "s3: the KMS key cannot be used for PutObject on 'postgres/daily/x.dump' in bucket 'bkt'"
                + " (KMS.NotFoundException (HTTP 400): Invalid keyId alias/gone); check kms-key-id, that the key exists"
                + " in the bucket's region and is enabled, and that these credentials may use it (kms:GenerateDataKey,"
                + " kms:Decrypt)");
    assertThat(((StorageException) e).reason()).isEqualTo(Reason.ENCRYPTION_KEY);
    assertThat(((StorageException) e).location()).isEqualTo("s3://bkt/prod/postgres/daily/x.dump");
    assertThat(
            ((StorageException) translate(aws(400, "KMS.DisabledException", "disabled"))).reason())
        .isEqualTo(Reason.ENCRYPTION_KEY);
  }

  @Test
  void accessDenied() {
    IOException e = translate(aws(403, "AccessDenied", "Access Denied"));
    assertThat(((StorageException) e).reason()).isEqualTo(Reason.ACCESS_DENIED);
    assertThat(e)
        .hasMessage(
            "s3: access denied for PutObject on 'postgres/daily/x.dump' in bucket 'bkt'"
                + " (AccessDenied (HTTP 403): Access Denied); check that the IAM policy of these credentials allows"
                + " s3:PutObject on arn:aws:s3:::bkt/prod/postgres/daily/x.dump, the bucket policy, and object lock"
                + " retention");
  }

  @Test
  void credentialsRejected() {
    for (String code :
        new String[] {"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken"}) {
      IOException e = translate(aws(403, code, "nope"));
      assertThat(((StorageException) e).reason()).as(code).isEqualTo(Reason.AUTHENTICATION);
    }
  }

  @Test
  void noSuchKeyAndNoSuchBucket() {
    IOException key = translate(aws(404, "NoSuchKey", "The specified key does not exist."));
    assertThat(key)
        .isInstanceOf(ObjectNotFoundException.class)
        .hasMessage(
            "s3: no object 'postgres/daily/x.dump' in bucket 'bkt' (s3://bkt/prod/postgres/daily/x.dump)");
    IOException head = translate(aws(404, null, null)); // HEAD answers carry no error code
    assertThat(head).isInstanceOf(ObjectNotFoundException.class);
    IOException bucket = translate(aws(404, "NoSuchBucket", "The specified bucket does not exist"));
    assertThat(((StorageException) bucket).reason()).isEqualTo(Reason.NO_SUCH_CONTAINER);
  }

  @Test
  void archivedObjectSaysHowToRestoreIt() {
    IOException e =
        translate(
            aws(
                403,
                "InvalidObjectState",
                "The operation is not valid for the object's storage" + " class"));
    assertThat(e)
        .hasMessageContaining("is archived")
        .hasMessageContaining(
            "aws s3api restore-object --bucket bkt" + " --key prod/postgres/daily/x.dump");
  }

  @Test
  void wrongRegionAndMissingObjectLock() {
    assertThat(translate(aws(301, "PermanentRedirect", "use the other endpoint")))
        .hasMessageContaining("set ?region= to the bucket's region");
    assertThat(translate(aws(400, "InvalidRequest", "Bucket is missing Object Lock Configuration")))
        .hasMessageContaining("has no object lock")
        .hasMessageContaining("drop object-lock-mode");
  }

  @Test
  void unreachable() {
    IOException e =
        translate(
            SdkClientException.builder()
                .message("Unable to execute HTTP request")
                .cause(new ConnectException("Connection refused"))
                .build());
    assertThat(((StorageException) e).reason()).isEqualTo(Reason.UNREACHABLE);
  }

  @Test
  void anythingElseKeepsTheStoresWords() {
    IOException e = translate(aws(500, "InternalError", "We encountered an internal error"));
    assertThat(((StorageException) e).reason()).isEqualTo(Reason.OTHER);
    assertThat(e)
        .hasMessageStartingWith(
            "s3: PutObject on 'postgres/daily/x.dump' in bucket 'bkt' failed"
                + " (InternalError (HTTP 500): We encountered an internal error")
        .hasMessageEndingWith(
            "the store failed or is throttling; run it again later, and give the request id to"
                + " whoever runs the store if it persists");
    assertThat(translate(aws(400, "InvalidArgument", "bad header")))
        .hasMessageContaining("look up that error code in the store's documentation");
    assertThat(
            translate(SdkClientException.builder().message("Unable to marshall request").build()))
        .isInstanceOf(StorageException.class)
        .hasMessageEndingWith(
            "failed (Unable to marshall request); check"
                + " the endpoint, the network and the store, then run it again");
  }
}
