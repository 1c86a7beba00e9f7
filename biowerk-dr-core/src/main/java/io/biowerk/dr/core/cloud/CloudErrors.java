package io.biowerk.dr.core.cloud;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.StorageException.Reason;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

/**
 * The failure mapping the S3, Azure Blob and Cloud Storage sinks share: where a request went (
 * {@link Place}: the component, the bucket or container, the key and the object's URI), the
 * exceptions whose shape is the same for every store (no such object, interrupted, unreachable,
 * held, failed after retries), and the walk down a cause chain. Each module keeps what is its SDK's
 * own: which error codes mean what, and the commands and permissions it names.
 *
 * <p>Every message starts with the component, names the bucket or container and the key, and says
 * what to do; none carries a credential (the stores' own messages, which are quoted, carry request
 * ids and error codes only).
 */
public final class CloudErrors {

  private CloudErrors() {}

  /**
   * Where a failed request went.
   *
   * @param component the message prefix ({@code "s3"}, {@code "azure sink"}, {@code "gcs"})
   * @param containerKind what the store calls a container ({@code "bucket"}, {@code "container"})
   * @param container its name
   * @param key the sink key, or null for a request on the container itself
   * @param location the object's URI ({@code s3://bucket/prefix/key}), or the container's
   */
  public record Place(
      String component, String containerKind, String container, String key, String location) {
    /** Checks that the names are there. */
    public Place {
      requireNonNull(component, "component");
      requireNonNull(containerKind, "containerKind");
      requireNonNull(container, "container");
      requireNonNull(location, "location");
    }

    /** {@code 'key' in bucket 'name'}, or {@code bucket 'name'} for the container itself. */
    public String target() {
      String where = containerKind + " '" + container + "'";
      return key == null ? where : "'" + key + "' in " + where;
    }
  }

  /** No object under the key: an {@link ObjectNotFoundException} naming key and location. */
  public static ObjectNotFoundException notFound(Place place, Throwable cause) {
    ObjectNotFoundException notFound =
        new ObjectNotFoundException(
            place.component() + ": no object " + place.target() + " (" + place.location() + ")",
            place.key());
    notFound.initCause(cause);
    return notFound;
  }

  /** The request was interrupted: an {@link InterruptedIOException} naming what was asked. */
  public static InterruptedIOException interrupted(Place place, String operation, Throwable cause) {
    InterruptedIOException interrupted =
        new InterruptedIOException(
            place.component() + ": " + operation + " on " + place.target() + " was interrupted");
    interrupted.initCause(cause);
    return interrupted;
  }

  /**
   * Whether {@code e} (or a cause) says the thread was interrupted: an {@link
   * InterruptedException}, an {@link InterruptedIOException} that is not a socket timeout, or the
   * current thread's flag.
   */
  public static boolean isInterruption(Throwable e) {
    return cause(e, InterruptedException.class) != null
        || (cause(e, InterruptedIOException.class) != null
            && cause(e, SocketTimeoutException.class) == null)
        || Thread.currentThread().isInterrupted();
  }

  /**
   * The cause that says the store could not be reached (connection refused, unknown host, no route,
   * a socket timeout), or null.
   */
  public static Throwable unreachableCause(Throwable e) {
    return cause(
        e,
        ConnectException.class,
        UnknownHostException.class,
        NoRouteToHostException.class,
        SocketTimeoutException.class);
  }

  /**
   * The connection dropped during a request and the SDK's retries did not get through: reason
   * {@link Reason#UNREACHABLE}. For a write, nothing was committed (the caller's write is aborted).
   *
   * @param where the endpoint
   */
  public static StorageException dropped(
      Place place, String operation, String where, Throwable dropped, Throwable cause) {
    return new StorageException(
        place.component()
            + ": the connection to "
            + where
            + " dropped during "
            + operation
            + " on "
            + place.target()
            + " ("
            + dropped.getClass().getSimpleName()
            + ": "
            + dropped.getMessage()
            + ") and the retries did not get through; check the network and any proxy, then run it"
            + " again",
        place.location(),
        Reason.UNREACHABLE,
        cause);
  }

  /**
   * The object (or container) is held by the store: a legal hold, a retention policy or object
   * lock. Reason {@link Reason#IMMUTABLE}, which retention reports as held instead of failing a
   * prune.
   *
   * @param said what the store answered (its code and message)
   * @param release how the hold ends or is lifted, e.g. a command
   */
  public static StorageException held(Place place, String said, String release, Throwable cause) {
    return new StorageException(
        place.component()
            + ": "
            + place.target()
            + " is held ("
            + said
            + "); it cannot be changed or deleted until "
            + release
            + "; it was left in place",
        place.location(),
        Reason.IMMUTABLE,
        cause);
  }

  /**
   * Whether an HTTP status means the store is throttling or failing (429, 5xx but 501): the SDK
   * retried with backoff, and a later run may pass. 501 (not implemented) will not pass later.
   */
  public static boolean isThrottlingOrServerError(int status) {
    return status == 429 || (status >= 500 && status != 501);
  }

  /**
   * A request that failed for a reason the module has no better words for: {@code <component>:
   * <operation> on <target> failed (<said>); <advice>}.
   */
  public static StorageException failed(
      Place place, String operation, String said, String advice, Reason reason, Throwable cause) {
    return new StorageException(
        place.component()
            + ": "
            + operation
            + " on "
            + place.target()
            + " failed ("
            + said
            + "); "
            + advice,
        place.location(),
        reason,
        cause);
  }

  /** The first cause of {@code e} (itself included) of one of {@code types}, or null. */
  @SafeVarargs
  public static Throwable cause(Throwable e, Class<? extends Throwable>... types) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      for (Class<? extends Throwable> type : types) {
        if (type.isInstance(t)) {
          return t;
        }
      }
    }
    return null;
  }

  /** The first cause of {@code e} (itself included) of {@code type}, or null. */
  public static <T extends Throwable> T cause(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  /** The first line of a message, trimmed; empty for null. */
  public static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int nl = message.indexOf('\n');
    return (nl < 0 ? message : message.substring(0, nl)).trim();
  }
}
