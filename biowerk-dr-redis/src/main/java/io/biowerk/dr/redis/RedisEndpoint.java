package io.biowerk.dr.redis;

import static com.google.common.base.Preconditions.checkArgument;

import io.biowerk.dr.core.UriOptions;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where a Redis server is and how to log in, parsed from {@code
 * redis://[user:password@]host:port[?options]} or {@code rediss://...} (TLS). The password stays
 * inside this object: {@link #toString()} and {@link #redacted()} print {@code user@host:port}
 * only.
 */
final class RedisEndpoint {

  static final int DEFAULT_PORT = 6379;

  private final String scheme;
  private final String host;
  private final int port;
  private final String user;
  private final String password;
  private final Map<String, String> options;

  private RedisEndpoint(
      String scheme,
      String host,
      int port,
      String user,
      String password,
      Map<String, String> options) {
    this.scheme = scheme;
    this.host = host;
    this.port = port;
    this.user = user;
    this.password = password;
    this.options = options;
  }

  /**
   * Parses {@code uri}, accepting only the options in {@code allowed}.
   *
   * @throws IllegalArgumentException if the URI is malformed or carries an unknown option; the
   *     message names it
   */
  static RedisEndpoint parse(URI uri, Set<String> allowed) {
    String scheme =
        uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
    checkArgument(
        scheme.equals("redis") || scheme.equals("rediss"),
        "redis: URI scheme (%s) must be redis or rediss",
        scheme);
    String host = uri.getHost();
    checkArgument(
        host != null && !host.isEmpty(),
        "redis: URI %s has no host; write redis://host:6379",
        redactedText(uri));
    int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
    String user = null;
    String password = null;
    String info = uri.getRawUserInfo();
    if (info != null && !info.isEmpty()) {
      int colon = info.indexOf(':');
      if (colon < 0) {
        // redis://secret@host is how redis-cli -u reads a password without a user.
        password = decode(info);
      } else {
        user = colon == 0 ? null : decode(info.substring(0, colon));
        password = decode(info.substring(colon + 1));
      }
    }
    Map<String, String> options =
        new LinkedHashMap<>(
            UriOptions.spec("redis").known(allowed.toArray(String[]::new)).parse(uri).asMap());
    String path = uri.getPath();
    checkArgument(
        path == null || path.isEmpty() || path.equals("/"),
        "redis: URI %s has a path; select databases with ?db= (scan mode) or ?db-map= (restore)",
        redactedText(uri));
    return new RedisEndpoint(scheme, host, port, user, password, options);
  }

  private static String decode(String text) {
    return UriOptions.decode(text);
  }

  private static String redactedText(URI uri) {
    String info = uri.getRawUserInfo();
    String user =
        info == null ? "" : info.contains(":") ? info.substring(0, info.indexOf(':')) : "";
    return uri.getScheme()
        + "://"
        + (user.isEmpty() ? "" : user + "@")
        + uri.getHost()
        + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
  }

  boolean tls() {
    return scheme.equals("rediss");
  }

  String host() {
    return host;
  }

  int port() {
    return port;
  }

  Optional<String> user() {
    return Optional.ofNullable(user);
  }

  /** The password; never print it. */
  Optional<String> password() {
    return Optional.ofNullable(password);
  }

  Optional<String> option(String name) {
    return Optional.ofNullable(options.get(name));
  }

  boolean flag(String name) {
    String value = options.get(name);
    if (value == null) {
      return false;
    }
    checkArgument(
        value.equals("true") || value.equals("false"),
        "redis: option %s (%s) must be true or false",
        name,
        value);
    return value.equals("true");
  }

  Duration timeout() {
    String value = options.getOrDefault("timeout", "60s");
    try {
      if (value.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
      }
      if (value.endsWith("s")) {
        return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)));
      }
      return Duration.ofSeconds(Long.parseLong(value));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "redis: option timeout (" + value + ") must be seconds, e.g. 60s or 500ms");
    }
  }

  /** {@code host:port}, for messages. */
  String address() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  /** The URI without the password and without options, for manifests and messages. */
  String redacted() {
    return scheme + "://" + (user == null ? "" : user + "@") + address();
  }

  @Override
  public String toString() {
    return redacted();
  }
}
