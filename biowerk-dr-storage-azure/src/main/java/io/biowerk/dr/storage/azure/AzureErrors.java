package io.biowerk.dr.storage.azure;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.http.HttpHeaderName;
import com.azure.storage.blob.models.BlobStorageException;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.StorageException.Reason;
import io.biowerk.dr.core.cloud.CloudErrors;
import io.biowerk.dr.core.cloud.CloudErrors.Place;
import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;

/**
 * Turns the SDK's exceptions into the library's typed ones, with the container and key in the
 * message and what to do. The service's messages carry request ids and error codes, never
 * credentials; neither do ours (the SDK redacts the {@code sig} of a SAS in the URLs it reports,
 * and we never include URLs with a query).
 */
final class AzureErrors {

  private AzureErrors() {}

  /**
   * The library exception for a failed {@code operation} on {@code key} ({@code null} for container
   * operations).
   *
   * @param where the account endpoint, for messages about reaching the service
   */
  static IOException translate(
      RuntimeException e,
      String operation,
      AzureOptions options,
      String key,
      String blobName,
      String where) {
    String container = options.container();
    String location =
        "azure://" + options.account() + "/" + container + (blobName == null ? "" : "/" + blobName);
    Place place = new Place("azure sink", "container", container, key, location);
    String target = place.target();
    if (e instanceof BlobStorageException service) {
      int status = service.getStatusCode();
      String code = service.getErrorCode() == null ? "" : service.getErrorCode().toString();
      String detail = code.isEmpty() ? "HTTP " + status : code + " (HTTP " + status + ")";
      String requestId =
          service.getResponse() == null
              ? null
              : service.getResponse().getHeaderValue(HttpHeaderName.fromString("x-ms-request-id"));
      String said = service.getServiceMessage() == null ? "" : service.getServiceMessage();
      if (code.equals("AuthorizationFailure") && said.contains("failed to authenticate")) {
        code = "AuthenticationFailed"; // Azurite's answer to a bad signature, where Azure says
        // AuthenticationFailed
      }
      switch (code) {
        case "ContainerNotFound", "ContainerBeingDeleted" -> {
          return new StorageException(
              "azure sink: container '"
                  + container
                  + "' does not exist in storage"
                  + " account '"
                  + options.account()
                  + "' ("
                  + operation
                  + " on "
                  + where
                  + "); check the container"
                  + " name in the repository URI, create it (az storage container create --name "
                  + container
                  + "), or add create-container=true",
              location,
              Reason.NO_SUCH_CONTAINER,
              e);
        }
        case "BlobNotFound" -> {
          return CloudErrors.notFound(place, e);
        }
        case "AuthenticationFailed", "InvalidAuthenticationInfo", "NoAuthenticationInformation" -> {
          return new StorageException(
              "azure sink: the service rejected the credentials for "
                  + operation
                  + " on "
                  + target
                  + " ("
                  + detail
                  + "); check "
                  + AzureOptions.ENV_CONNECTION_STRING
                  + ", "
                  + AzureOptions.ENV_KEY
                  + " or "
                  + AzureOptions.ENV_SAS
                  + " (a SAS may have expired: its se= time)"
                  + " and that they are for storage account '"
                  + options.account()
                  + "'",
              location,
              Reason.AUTHENTICATION,
              e);
        }
        case "AuthorizationPermissionMismatch",
            "AuthorizationFailure",
            "InsufficientAccountPermissions",
            "AuthorizationResourceTypeMismatch",
            "AuthorizationServiceMismatch",
            "AuthorizationSourceIPMismatch",
            "AuthorizationProtocolMismatch" -> {
          return new StorageException(
              "azure sink: permission denied for "
                  + operation
                  + " on "
                  + target
                  + " ("
                  + detail
                  + "); the credentials lack a permission: give a SAS the permissions it needs (backup:"
                  + " racwdl on the container; restore: rl), or assign the identity the role 'Storage Blob Data"
                  + " Contributor' (backup) or 'Storage Blob Data Reader' (restore) on the container, and check the"
                  + " account's firewall",
              location,
              Reason.ACCESS_DENIED,
              e);
        }
        case "BlobArchived" -> {
          return new BlobArchivedException(
              "azure sink: "
                  + target
                  + " is in the Archive tier and cannot be read"
                  + " until it is rehydrated; start that with the repository option rehydrate=standard (or"
                  + " high) and read again, with AzureSink.rehydrate, or with az storage blob set-tier"
                  + " --container-name "
                  + container
                  + " --name "
                  + blobName
                  + " --tier Cold --rehydrate-priority"
                  + " Standard; wait for it (up to 15 hours; High priority: under 1 hour), then retry",
              location,
              key,
              false,
              e);
        }
        case "BlobBeingRehydrated" -> {
          return new BlobArchivedException(
              "azure sink: "
                  + target
                  + " is being rehydrated from the Archive tier;"
                  + " wait until its archive status clears (az storage blob show --container-name "
                  + container
                  + " --name "
                  + blobName
                  + "), then retry",
              location,
              key,
              true,
              e);
        }
        case "BlobImmutableDueToPolicy",
            "BlobImmutableDueToLegalHold",
            "ContainerImmutabilityPolicyLocked" -> {
          return CloudErrors.held(
              place,
              detail + ": a legal hold or an immutability policy",
              "the hold is cleared or the policy expires",
              e);
        }
        default -> {}
      }
      if (status == 404 && key != null) {
        return CloudErrors.notFound(place, e);
      }
      if (status == 403) {
        return new StorageException(
            "azure sink: access denied for "
                + operation
                + " on "
                + target
                + " ("
                + detail
                + "); check the credentials, their permissions on the container and the account's"
                + " firewall",
            location,
            Reason.ACCESS_DENIED,
            e);
      }
      String advice;
      if (CloudErrors.isThrottlingOrServerError(status)
          || code.equals("ServerBusy")
          || code.equals("OperationTimedOut")) {
        advice =
            "the service is busy or throttling this account and still was after "
                + options.maxAttempts()
                + " attempts with backoff; run it again later, lower parallelism, or check the account's"
                + " request-rate limits";
      } else if (code.equals("FeatureNotSupported") || status == 501 || status == 405) {
        advice = "the account or emulator does not support this; drop the option that needs it";
      } else {
        advice = "look that error code up in the Azure Blob Storage error codes";
      }
      return CloudErrors.failed(
          place,
          operation,
          detail + (requestId == null ? "" : ", request id " + requestId),
          advice,
          status == 507 ? Reason.FULL : Reason.OTHER,
          e);
    }
    if (e instanceof ClientAuthenticationException || isIdentityFailure(e)) {
      // The identity library's text lists what each credential tried; it holds no secret but is
      // long.
      return new StorageException(
          "azure sink: no usable Azure credential for "
              + operation
              + " on "
              + target
              + " ("
              + firstLine(e.getMessage())
              + "); set "
              + AzureOptions.ENV_CONNECTION_STRING
              + ", "
              + AzureOptions.ENV_KEY
              + " or "
              + AzureOptions.ENV_SAS
              + ", or sign in for DefaultAzureCredential (az"
              + " login, a managed identity, or AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET)",
          location,
          Reason.AUTHENTICATION,
          e);
    }
    if (CloudErrors.isInterruption(e)) {
      return CloudErrors.interrupted(place, operation, e);
    }
    Throwable unreachable = CloudErrors.unreachableCause(e);
    if (unreachable == null) {
      unreachable = CloudErrors.cause(e, TimeoutException.class); // Reactor's timeout of a request
    }
    if (unreachable != null) {
      return new StorageException(
          "azure sink: cannot reach the Blob service at "
              + where
              + " for "
              + operation
              + " on "
              + target
              + " ("
              + unreachable.getClass().getSimpleName()
              + ": "
              + unreachable.getMessage()
              + ") after "
              + options.maxAttempts()
              + " attempts; check the account name, ?endpoint= or"
              + " ?endpoint-suffix=, the network and any proxy",
          location,
          Reason.UNREACHABLE,
          e);
    }
    Throwable dropped =
        CloudErrors.cause(
            e, SocketException.class, ClosedChannelException.class, IOException.class);
    if (dropped != null) {
      return new StorageException(
          "azure sink: the connection to "
              + where
              + " failed during "
              + operation
              + " on "
              + target
              + " ("
              + dropped.getClass().getSimpleName()
              + ": "
              + dropped.getMessage()
              + ") after "
              + options.maxAttempts()
              + " attempts; nothing was committed; check the network, then run it again",
          location,
          Reason.UNREACHABLE,
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

  private static boolean isIdentityFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getClass().getName().startsWith("com.azure.identity.")) {
        return true;
      }
    }
    return false;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "no message";
    }
    String line = message.lines().findFirst().orElse("");
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }
}
