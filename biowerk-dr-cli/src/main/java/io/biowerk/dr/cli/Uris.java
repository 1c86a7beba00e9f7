package io.biowerk.dr.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** Parses what users type for sources, targets and repositories (a URI or a plain path) and redacts URIs. */
final class Uris {

  /** A scheme of two or more characters: {@code c:\dir} is not a URI. */
  private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]+:.*", Pattern.DOTALL);
  private static final Pattern SECRET_PARAMETER =
      Pattern.compile("(?i)(pass(word|wd)?|secret|token|sas|sig|signature|credentials?|access[-_]?key|api[-_]?key|key)");

  private Uris() {}

  /**
   * {@code text} as a URI: {@code postgresql://...}, {@code file:///dir}; a plain path ({@code docs},
   * {@code /var/backups}, {@code ~/x}) or a relative {@code file:docs} becomes a {@code file:} URI of the
   * absolute path.
   *
   * @param what what the value is, for the message ({@code "source URI"})
   * @throws UsageException if it is not a valid URI
   */
  static URI parse(String text, String what, Environment env) {
    if (!SCHEME.matcher(text).matches()) {
      return fileUri(env.resolve(text));
    }
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new UsageException(what + " '" + redact(text) + "' is not a valid URI (" + e.getReason()
          + " at index " + e.getIndex() + "); write it as scheme://..., or a plain path for a directory");
    }
    if ("file".equalsIgnoreCase(uri.getScheme()) && (uri.isOpaque() || uri.getRawPath() == null
        || uri.getRawPath().isEmpty())) {
      // file:docs, file:./docs: a path relative to the working directory.
      return fileUri(env.resolve(uri.getSchemeSpecificPart()));
    }
    return uri;
  }

  /** The {@code file:} URI of {@code path}, without the trailing slash {@link Path#toUri()} adds to directories. */
  static URI fileUri(Path path) {
    String uri = path.toAbsolutePath().normalize().toUri().toString();
    return URI.create(uri.length() > "file:///".length() && uri.endsWith("/")
        ? uri.substring(0, uri.length() - 1) : uri);
  }

  /**
   * {@code uri} with its password and secret query parameters removed, safe to print, log and record:
   * {@code postgresql://app:s3cret@db/orders?sslpassword=x} -> {@code postgresql://app@db/orders?sslpassword=***}.
   */
  static String redact(URI uri) {
    if (uri.isOpaque()) {
      return uri.getScheme() + ":***";
    }
    String userInfo = uri.getRawUserInfo();
    String user = userInfo == null ? null : userInfo.contains(":") ? userInfo.substring(0, userInfo.indexOf(':'))
        : userInfo;
    StringBuilder text = new StringBuilder(uri.getScheme()).append(':');
    if (uri.getRawAuthority() != null) {
      text.append("//");
      if (user != null && !user.isEmpty()) {
        text.append(user).append('@');
      }
      if (uri.getHost() != null) {
        text.append(uri.getHost().contains(":") && !uri.getHost().startsWith("[") ? "[" + uri.getHost() + "]"
            : uri.getHost());
        if (uri.getPort() >= 0) {
          text.append(':').append(uri.getPort());
        }
      } else {
        String authority = uri.getRawAuthority();
        text.append(authority.contains("@") ? authority.substring(authority.lastIndexOf('@') + 1) : authority);
      }
    }
    if (uri.getRawPath() != null) {
      text.append(uri.getRawPath());
    }
    if (uri.getRawQuery() != null) {
      text.append('?').append(redactQuery(uri.getRawQuery()));
    }
    return text.toString();
  }

  /** Like {@link #redact(URI)} for text that may not even parse: only what is safe is kept. */
  static String redact(String text) {
    try {
      return redact(new URI(text));
    } catch (URISyntaxException e) {
      int at = text.lastIndexOf('@');
      int scheme = text.indexOf("://");
      return scheme >= 0 && at > scheme ? text.substring(0, scheme + 3) + "***@" + text.substring(at + 1) : text;
    }
  }

  private static String redactQuery(String query) {
    StringBuilder out = new StringBuilder();
    for (String pair : query.split("&", -1)) {
      if (out.length() > 0) {
        out.append('&');
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      if (eq >= 0 && SECRET_PARAMETER.matcher(name.replace("%5F", "_")).find()) {
        out.append(name).append("=***");
      } else {
        out.append(pair);
      }
    }
    return out.toString();
  }
}
