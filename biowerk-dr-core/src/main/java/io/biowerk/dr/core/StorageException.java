package io.biowerk.dr.core;

import java.io.IOException;

/**
 * A store refused or failed an operation for a reason that retrying will not fix: no such bucket,
 * access denied, a missing encryption key, a bad endpoint. The message names the location and what
 * to check.
 */
public class StorageException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Why the store failed. */
  public enum Reason {
    /** The bucket, container or directory does not exist. */
    NO_SUCH_CONTAINER,
    /** The credentials are not allowed to do this. */
    ACCESS_DENIED,
    /** The credentials are wrong or missing. */
    AUTHENTICATION,
    /** A server-side encryption key is missing or unusable. */
    ENCRYPTION_KEY,
    /** The store cannot be reached (bad endpoint, DNS, connection refused). */
    UNREACHABLE,
    /** An object is under a retention lock. */
    IMMUTABLE,
    /** The store is full: no space left on the device, or a quota reached. */
    FULL,
    /** Anything else. */
    OTHER
  }

  private final String location;
  private final Reason reason;

  public StorageException(String message, String location, Reason reason, Throwable cause) {
    super(message, cause);
    this.location = location;
    this.reason = reason;
  }

  /** The store location (URI, bucket and key) the operation was for. */
  public String location() {
    return location;
  }

  /** Why it failed. */
  public Reason reason() {
    return reason;
  }
}
