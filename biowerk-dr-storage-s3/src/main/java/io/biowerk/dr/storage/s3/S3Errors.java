package io.biowerk.dr.storage.s3;

import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.StorageException.Reason;
import io.biowerk.dr.core.cloud.CloudErrors;
import io.biowerk.dr.core.cloud.CloudErrors.Place;
import java.io.IOException;
import java.net.SocketException;
import java.util.Locale;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Turns the SDK's exceptions into the library's typed ones, with the bucket and key in the message
 * and what to check. SDK messages carry request ids and error codes but never credentials; neither
 * do ours.
 */
final class S3Errors {

  private S3Errors() {}

  /**
   * The library exception for a failed {@code operation} on {@code key} ({@code null} for bucket
   * operations).
   *
   * @param where the endpoint and region, for messages about reaching the store
   */
  static IOException translate(
      SdkException e, String operation, String bucket, String key, String objectKey, String where) {
    String location = "s3://" + bucket + (objectKey == null ? "" : "/" + objectKey);
    Place place = new Place("s3", "bucket", bucket, key, location);
    String target = place.target();
    if (e instanceof AwsServiceException service) {
      int status = service.statusCode();
      String code =
          service.awsErrorDetails() == null || service.awsErrorDetails().errorCode() == null
              ? ""
              : service.awsErrorDetails().errorCode();
      String detail = code.isEmpty() ? "HTTP " + status : code + " (HTTP " + status + ")";
      String serverMessage =
          service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorMessage();
      String said =
          detail + (serverMessage == null || serverMessage.isBlank() ? "" : ": " + serverMessage);
      if (code.equals("NoSuchBucket")) {
        return new StorageException(
            "s3: bucket '"
                + bucket
                + "' does not exist ("
                + operation
                + " on "
                + where
                + "); check the bucket name and region in the repository URI, or add create-bucket=true to create it",
            location,
            Reason.NO_SUCH_CONTAINER,
            e);
      }
      if (code.equals("NoSuchKey") || (status == 404 && key != null && code.isEmpty())) {
        return CloudErrors.notFound(place, e);
      }
      if (code.equals("InvalidAccessKeyId")
          || code.equals("SignatureDoesNotMatch")
          || code.equals("ExpiredToken")
          || code.equals("InvalidToken")
          || code.equals("TokenRefreshRequired")
          || code.equals("InvalidSecurity")) {
        return new StorageException(
            "s3: the store rejected the credentials for "
                + operation
                + " on "
                + target
                + " ("
                + detail
                + "); check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE / the profile"
                + " option, and the session token if the credentials are temporary)",
            location,
            Reason.AUTHENTICATION,
            e);
      }
      if (code.toUpperCase(Locale.ROOT).startsWith("KMS")) {
        return new StorageException(
            "s3: the KMS key cannot be used for "
                + operation
                + " on "
                + target
                + " ("
                + said
                + "); check kms-key-id, that the key exists in the bucket's region and is enabled, and that"
                + " these credentials may use it (kms:GenerateDataKey, kms:Decrypt)",
            location,
            Reason.ENCRYPTION_KEY,
            e);
      }
      if (code.equals("PermanentRedirect")
          || code.equals("AuthorizationHeaderMalformed")
          || code.equals("IllegalLocationConstraintException")
          || status == 301) {
        return new StorageException(
            "s3: bucket '"
                + bucket
                + "' is not in the region asked ("
                + said
                + " from "
                + where
                + "); set ?region= to the bucket's region",
            location,
            Reason.OTHER,
            e);
      }
      if (code.equals("InvalidObjectState")) {
        return new StorageException(
            "s3: "
                + target
                + " is archived ("
                + said
                + "); restore it to a readable"
                + " class first (aws s3api restore-object --bucket "
                + bucket
                + " --key "
                + objectKey
                + " --restore-request Days=7), then retry",
            location,
            Reason.OTHER,
            e);
      }
      if (code.equals("ObjectLockConfigurationNotFoundError")
          || (code.equals("InvalidRequest")
              && serverMessage != null
              && serverMessage.toLowerCase(Locale.ROOT).contains("object lock"))) {
        return new StorageException(
            "s3: bucket '"
                + bucket
                + "' has no object lock ("
                + said
                + "); create the"
                + " bucket with object lock enabled, or drop object-lock-mode and object-lock-days",
            location,
            Reason.OTHER,
            e);
      }
      if (isObjectLock(code, status, serverMessage)) {
        return CloudErrors.held(
            place,
            said,
            "its object lock retention date passes (in governance mode, a user with"
                + " s3:BypassGovernanceRetention may shorten it) and its legal hold, if any, is removed"
                + " (aws s3api put-object-legal-hold --bucket "
                + bucket
                + " --key "
                + objectKey
                + " --legal-hold Status=OFF)",
            e);
      }
      if (code.equals("AccessDenied") || code.equals("AllAccessDisabled") || status == 403) {
        return new StorageException(
            "s3: access denied for "
                + operation
                + " on "
                + target
                + " ("
                + said
                + "); check that the IAM policy of these credentials allows s3:"
                + operation
                + " on arn:aws:s3:::"
                + bucket
                + (objectKey == null ? "" : "/" + objectKey)
                + ", the bucket policy, and object lock"
                + " retention",
            location,
            Reason.ACCESS_DENIED,
            e);
      }
      String advice;
      if (status == 501) {
        advice =
            "the store does not implement what was asked; drop the option that needs it for this store";
      } else if (CloudErrors.isThrottlingOrServerError(status) || code.equals("SlowDown")) {
        advice = "the store failed or is throttling; run it again later";
      } else {
        advice = "look up that error code in the store's documentation";
      }
      return CloudErrors.failed(
          place,
          operation,
          said + ", request id " + service.requestId(),
          advice + ", and give the request id to whoever runs the store if it persists",
          Reason.OTHER,
          e);
    }
    if (e instanceof AbortedException || Thread.currentThread().isInterrupted()) {
      return CloudErrors.interrupted(place, operation, e);
    }
    Throwable unreachable = CloudErrors.unreachableCause(e);
    if (unreachable != null) {
      return new StorageException(
          "s3: cannot reach the store at "
              + where
              + " for "
              + operation
              + " on "
              + target
              + " ("
              + unreachable
              + "); check the endpoint (?endpoint= or AWS_ENDPOINT_URL_S3), the region, the"
              + " network and any proxy",
          location,
          Reason.UNREACHABLE,
          e);
    }
    Throwable dropped = CloudErrors.cause(e, SocketException.class);
    if (dropped != null) {
      return CloudErrors.dropped(place, operation, where, dropped, e);
    }
    String message = String.valueOf(e.getMessage());
    if (e instanceof SdkClientException
        && (message.contains("Unable to load credentials")
            || message.contains("contained no credentials")
            || message.contains("Profile file"))) {
      // The SDK's text is left out on purpose: for profile problems it can describe the profile
      // file.
      return new StorageException(
          "s3: no AWS credentials found for "
              + operation
              + " on "
              + target
              + "; set"
              + " AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE or ?profile=NAME (a profile in"
              + " ~/.aws/credentials or ~/.aws/config), or run with an IAM role",
          location,
          Reason.AUTHENTICATION,
          e);
    }
    return CloudErrors.failed(
        place,
        operation,
        message,
        "check the endpoint, the network and the store, then run it again",
        Reason.OTHER,
        e);
  }

  /**
   * Whether the store refused because of object lock: S3 answers a delete or overwrite of a locked
   * object version with AccessDenied naming object lock; S3-compatible stores say {@code
   * ObjectLocked} or WORM.
   */
  static boolean isObjectLock(String code, int status, String serverMessage) {
    String said = serverMessage == null ? "" : serverMessage.toLowerCase(Locale.ROOT);
    if (code.equals("ObjectLocked")) {
      return true;
    }
    return (code.equals("AccessDenied") || status == 403)
        && (said.contains("object lock")
            || said.contains("object-lock")
            || said.contains("worm")
            || said.contains("legal hold")
            || said.contains("retention"));
  }
}
