package io.biowerk.dr.storage.gcs;

import com.google.cloud.BaseServiceException;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.StorageException.Reason;
import io.biowerk.dr.core.cloud.CloudErrors;
import io.biowerk.dr.core.cloud.CloudErrors.Place;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the Google client's exceptions into the library's typed ones, with the bucket and object
 * name in the message and what to do. The client's messages carry the service's error text and
 * never credentials; neither do ours.
 */
final class GcsErrors {

  private GcsErrors() {}

  /**
   * The library exception for a failed {@code operation} ({@code storage.objects.create}, ...) on
   * {@code key} ({@code null} for bucket-level operations).
   *
   * @param permission the IAM permission the operation needs, named in access-denied messages
   * @param where the endpoint, for messages about reaching the service
   */
  static IOException translate(
      Throwable e,
      String operation,
      String permission,
      String bucket,
      String key,
      String objectName,
      String where) {
    if (e instanceof ObjectNotFoundException
        || e instanceof IntegrityException
        || e instanceof StorageException
        || e instanceof InterruptedIOException) {
      return (IOException) e; // already ours
    }
    String location = "gs://" + bucket + (objectName == null ? "" : "/" + objectName);
    Place place = new Place("gcs", "bucket", bucket, key, location);
    String target = place.target();
    BaseServiceException service = cause(e, BaseServiceException.class);
    if (service != null && service.getCode() > 0) {
      int status = service.getCode();
      String reason = service.getReason() == null ? "" : service.getReason();
      String serverMessage = serverMessage(service);
      String said =
          "HTTP "
              + status
              + (reason.isEmpty() ? "" : " " + reason)
              + (serverMessage.isEmpty() ? "" : ": " + serverMessage);
      String lower = serverMessage.toLowerCase(Locale.ROOT);
      if (status == 404 && (key == null || lower.contains("bucket"))) {
        return new StorageException(
            "gcs: bucket '"
                + bucket
                + "' does not exist ("
                + operation
                + " on "
                + where
                + ", "
                + said
                + "); check the bucket name in the repository URI, or create it (gcloud storage buckets"
                + " create gs://"
                + bucket
                + ")",
            location,
            Reason.NO_SUCH_CONTAINER,
            e);
      }
      if (status == 404) {
        return CloudErrors.notFound(place, e);
      }
      if (status == 400 && (lower.contains("crc32c") || lower.contains("md5"))) {
        IntegrityException damaged =
            new IntegrityException(
                "gcs: Cloud Storage refused "
                    + target
                    + " because the bytes it received do not match the checksum the client computed as it sent them ("
                    + said
                    + "); they were damaged in transit and nothing was stored: run it again, and check the network"
                    + " or proxy if it persists");
        damaged.initCause(e);
        return damaged;
      }
      if (status == 401) {
        return new StorageException(
            "gcs: the service rejected the credentials for "
                + operation
                + " on "
                + target
                + " ("
                + said
                + "); check Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS must name a"
                + " valid service account key file, or run 'gcloud auth application-default login', or run where the"
                + " metadata server provides a service account",
            location,
            Reason.AUTHENTICATION,
            e);
      }
      if (status == 403
          && (lower.contains("hold")
              || lower.contains("retention")
              || reason.equals("retentionPolicyNotMet"))) {
        return CloudErrors.held(
            place,
            said,
            "its hold is released or the bucket's retention period is over (gcloud storage objects"
                + " update "
                + location
                + " --no-temporary-hold / --no-event-based-hold)",
            e);
      }
      if (status == 403) {
        return new StorageException(
            "gcs: access denied for "
                + operation
                + " on "
                + target
                + " ("
                + said
                + "); grant the service account "
                + permission
                + " on bucket '"
                + bucket
                + "' (see docs/gcs.md for"
                + " the smallest roles for backup and restore)",
            location,
            Reason.ACCESS_DENIED,
            e);
      }
      String advice;
      if (CloudErrors.isThrottlingOrServerError(status)) {
        advice =
            "the service is throttling or failing and retries did not help; run it again later, and lower"
                + " the request rate (fewer parallel backups) if it persists";
      } else {
        advice = "look up that error in the Cloud Storage JSON API documentation";
      }
      return CloudErrors.failed(place, operation, said, advice, Reason.OTHER, e);
    }
    if (CloudErrors.isInterruption(e)) {
      return CloudErrors.interrupted(place, operation, e);
    }
    Throwable unreachable = CloudErrors.unreachableCause(e);
    if (unreachable == null) {
      unreachable = cause(e, SocketException.class); // the client's dropped connection
    }
    if (unreachable == null
        && service != null
        && service.getCause() instanceof IOException io
        && !(io.getMessage() != null && io.getMessage().startsWith("HTTP"))) {
      unreachable =
          io; // the client reports a dropped connection as code 0 with the IOException as cause
    }
    if (unreachable != null) {
      return new StorageException(
          "gcs: cannot reach Cloud Storage at "
              + where
              + " for "
              + operation
              + " on "
              + target
              + " ("
              + unreachable
              + ", after retries); check the endpoint option, the network and any proxy,"
              + " then run it again",
          location,
          Reason.UNREACHABLE,
          e);
    }
    Throwable unsupported = cause(e, UnsupportedOperationException.class);
    if (unsupported != null) {
      return new StorageException(
          "gcs: "
              + operation
              + " on "
              + target
              + " is not supported by this storage"
              + " backend ("
              + unsupported
              + "); it works on Cloud Storage itself",
          location,
          Reason.OTHER,
          e);
    }
    return CloudErrors.failed(
        place,
        operation,
        String.valueOf(e),
        "check the endpoint, the network and the service, then run it again",
        Reason.OTHER,
        e);
  }

  private static final Pattern JSON_MESSAGE =
      Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

  /**
   * The service's own error text: the JSON error body's message where the client kept the body,
   * else line one.
   */
  private static String serverMessage(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getMessage() != null) {
        Matcher m = JSON_MESSAGE.matcher(t.getMessage());
        if (m.find()) {
          return m.group(1).replace("\\\"", "\"");
        }
      }
    }
    return CloudErrors.firstLine(e.getMessage());
  }

  static <T extends Throwable> T cause(Throwable e, Class<T> type) {
    return CloudErrors.cause(e, type);
  }
}
