package io.biowerk.dr.mongo;

import static com.google.common.base.Preconditions.checkArgument;

import com.mongodb.ConnectionString;
import io.biowerk.dr.core.UriOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A {@code mongodb://} or {@code mongodb+srv://} URI split into the driver's connection string and
 * BIOwerk's own options ({@code name}, {@code include}, {@code exclude}, {@code jobs}, {@code
 * oplog}, {@code nsFrom}, {@code nsTo}, {@code oplogReplay}, {@code users}), which the driver would
 * warn about. Option values are percent-decoded; a {@code +} stays a plus; a bare {@code ?oplog}
 * means {@code true}. Every other query option (readPreference, replicaSet, authSource, tls,
 * timeouts) goes to the driver as written.
 *
 * <p>{@link #toString()} never shows the password. Immutable.
 */
final class MongoUri {

  static final Set<String> OURS =
      Set.of(
          "name",
          "include",
          "exclude",
          "jobs",
          "oplog",
          "nsFrom",
          "nsTo",
          "oplogReplay",
          "segmentSeconds",
          "segmentBytes",
          "users");

  private final ConnectionString connection;
  private final Map<String, String> options;
  private final String redacted;

  private MongoUri(ConnectionString connection, Map<String, String> options, String redacted) {
    this.connection = connection;
    this.options = options;
    this.redacted = redacted;
  }

  /**
   * Parses {@code uri}.
   *
   * @throws IllegalArgumentException if the scheme is not mongodb, an option repeats, or the driver
   *     refuses the connection string (the message never shows the password)
   */
  static MongoUri parse(URI uri, String component) {
    String scheme = uri.getScheme();
    checkArgument(
        "mongodb".equals(scheme) || "mongodb+srv".equals(scheme),
        "%s: expected a mongodb:// or mongodb+srv:// URI, got scheme %s",
        component,
        scheme);
    String text = uri.toString();
    int q = text.indexOf('?');
    String base = q < 0 ? text : text.substring(0, q);
    String redacted = redact(base);
    List<String> kept = new ArrayList<>();
    Map<String, String> ours = new LinkedHashMap<>();
    if (q >= 0) {
      for (String pair : text.substring(q + 1).split("&", -1)) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = decode(eq < 0 ? pair : pair.substring(0, eq));
        if (OURS.contains(key)) {
          String value = eq < 0 ? "true" : decode(pair.substring(eq + 1));
          checkArgument(
              ours.put(key, value) == null,
              "%s: option %s given twice in %s",
              component,
              key,
              redacted);
        } else {
          kept.add(pair);
        }
      }
    }
    if (!base.substring(base.indexOf("://") + 3).contains("/")) {
      base = base + "/";
    }
    String driverText = kept.isEmpty() ? base : base + "?" + String.join("&", kept);
    ConnectionString connection;
    try {
      connection = new ConnectionString(driverText);
    } catch (RuntimeException e) {
      // The driver's message may quote the connection string, password included: not passed on.
      throw new IllegalArgumentException(
          component
              + ": the driver refuses the connection string "
              + redacted
              + (kept.isEmpty() ? "" : "?" + redactQuery(kept))
              + "; check its form (mongodb://user@host:27017/"
              + "?replicaSet=rs0)",
          null);
    }
    return new MongoUri(connection, Map.copyOf(ours), redacted);
  }

  private static String redactQuery(List<String> kept) {
    List<String> names = new ArrayList<>();
    for (String pair : kept) {
      int eq = pair.indexOf('=');
      names.add((eq < 0 ? pair : pair.substring(0, eq)) + "=...");
    }
    return String.join("&", names);
  }

  /** The URI without its password (user kept) and without its query. */
  static String redact(String base) {
    int start = base.indexOf("://") + 3;
    int at = base.lastIndexOf('@');
    if (at < start) {
      return base;
    }
    String info = base.substring(start, at);
    int colon = info.indexOf(':');
    return base.substring(0, start)
        + (colon < 0 ? info : info.substring(0, colon) + ":***")
        + base.substring(at);
  }

  /**
   * Percent-decoding as every adapter does it ({@link UriOptions#decode}): a {@code +} stays a
   * plus.
   */
  private static String decode(String text) {
    return UriOptions.decode(text);
  }

  ConnectionString connection() {
    return connection;
  }

  Optional<String> option(String name) {
    checkArgument(OURS.contains(name), "unknown option %s", name);
    return Optional.ofNullable(options.get(name));
  }

  boolean flag(String name, boolean otherwise, String component) {
    Optional<String> value = option(name);
    if (value.isEmpty()) {
      return otherwise;
    }
    checkArgument(
        value.get().equals("true") || value.get().equals("false"),
        "%s: option %s must be true or false, got %s",
        component,
        name,
        value.get());
    return Boolean.parseBoolean(value.get());
  }

  int positive(String name, int otherwise, String component) {
    Optional<String> value = option(name);
    if (value.isEmpty()) {
      return otherwise;
    }
    try {
      int n = Integer.parseInt(value.get());
      checkArgument(
          n > 0, "%s: option %s must be a positive number, got %s", component, name, value.get());
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          component + ": option " + name + " must be a positive number, got " + value.get(), e);
    }
  }

  /** The user name, if the URI has one. */
  Optional<String> user() {
    return Optional.ofNullable(connection.getUsername());
  }

  /** The hosts, for messages. */
  String hosts() {
    return String.join(",", connection.getHosts());
  }

  /** The URI without password or query. */
  @Override
  public String toString() {
    return redacted;
  }
}
