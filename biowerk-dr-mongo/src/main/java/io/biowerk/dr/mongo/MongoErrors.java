package io.biowerk.dr.mongo;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoSecurityException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;

/**
 * Turns the driver's exceptions into one sentence that says what happened and what to do, without
 * the password (the driver hides it too, but its messages are not passed on where credentials are
 * involved).
 */
final class MongoErrors {

  private MongoErrors() {}

  /** Whether the server lost or refused the connection (as against refusing a command). */
  static boolean isConnection(Throwable e) {
    return e instanceof MongoSocketException
        || e instanceof MongoTimeoutException
        || e instanceof MongoSecurityException;
  }

  /** Error codes of a cursor or query killed because its collection went away. */
  static boolean isDropped(Throwable e) {
    if (e instanceof MongoException m) {
      int code = m.getCode();
      return code == 26 /* NamespaceNotFound */
          || code == 43 /* CursorNotFound */
          || code == 175 /* QueryPlanKilled */
          || code == 237 /* CursorKilled */;
    }
    return false;
  }

  /** {@code "<component>: <what happened> while <doing>: <what to do>"}. */
  static String describe(String component, MongoUri uri, String doing, Throwable e) {
    if (e instanceof MongoSecurityException) {
      return component
          + ": authentication failed for user '"
          + uri.user().orElse("")
          + "' on "
          + uri.hosts()
          + " while "
          + doing
          + " (the password is not shown): check the user name, the password and authSource";
    }
    if (e instanceof MongoTimeoutException) {
      return component
          + ": cannot reach "
          + uri.hosts()
          + " while "
          + doing
          + " (no server answered within the selection timeout): check that the server runs and the URI's hosts "
          + "and replicaSet, then run again";
    }
    if (e instanceof MongoSocketException) {
      return component
          + ": lost the connection to "
          + uri.hosts()
          + " while "
          + doing
          + " ("
          + e.getClass().getSimpleName()
          + "): check the server, then run again";
    }
    if (e instanceof MongoCommandException c) {
      return component
          + ": the server refused "
          + doing
          + " ("
          + c.getErrorCodeName()
          + " "
          + c.getErrorCode()
          + ": "
          + c.getErrorMessage()
          + ")";
    }
    return component + ": failed while " + doing + ": " + e.getMessage();
  }
}
