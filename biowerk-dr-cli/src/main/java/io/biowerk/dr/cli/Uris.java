package io.biowerk.dr.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Parses what users type for sources, targets and repositories (a URI or a plain path) and redacts
 * URIs.
 */
final class Uris {

  /** A scheme of two or more characters: {@code c:\dir} is not a URI. */
  private static final Pattern SCHEME =
      Pattern.compile("[A-Za-z][A-Za-z0-9+.-]+:.*", Pattern.DOTALL);

  private static final Pattern SECRET_PARAMETER =
      Pattern.compile(
          "(?i)(pass(word|wd)?|secret|token|sas|sig|signature|credentials?|access[-_]?key|api[-_]?key|key)");

  private Uris() {}

  /**
   * {@code text} as a URI: {@code postgresql://...}, {@code file:///dir}; a plain path ({@code
   * docs}, {@code /var/backups}, {@code ~/x}) or a relative {@code file:docs} becomes a {@code
   * file:} URI of the absolute path.
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
      throw new UsageException(
          what
              + " '"
              + redact(text)
              + "' is not a valid URI ("
              + e.getReason()
              + " at index "
              + e.getIndex()
              + "); write it as scheme://..., or a plain path for a directory");
    }
    if ("file".equalsIgnoreCase(uri.getScheme())
        && (uri.isOpaque() || uri.getRawPath() == null || uri.getRawPath().isEmpty())) {
      // file:docs, file:./docs: a path relative to the working directory.
      return fileUri(env.resolve(uri.getSchemeSpecificPart()));
    }
    return uri;
  }

  /**
   * The {@code file:} URI of {@code path}, without the trailing slash {@link Path#toUri()} adds to
   * directories.
   */
  static URI fileUri(Path path) {
    String uri = path.toAbsolutePath().normalize().toUri().toString();
    return URI.create(
        uri.length() > "file:///".length() && uri.endsWith("/")
            ? uri.substring(0, uri.length() - 1)
            : uri);
  }

  /**
   * {@code uri} with its password and secret query parameters removed, safe to print, log and
   * record: {@code postgresql://app:s3cret@db/orders?sslpassword=x} -> {@code
   * postgresql://app@db/orders?sslpassword=***}.
   */
  static String redact(URI uri) {
    if (uri.isOpaque()) {
      return uri.getScheme() + ":***";
    }
    String text = uri.toString();
    String authority = uri.getRawAuthority();
    // From the authority, not getRawUserInfo(): a multi-host authority (mongodb://u:p@a:1,b:2) has
    // no parsed
    // user info, but its password must go all the same.
    String userInfo =
        authority != null && authority.contains("@")
            ? authority.substring(0, authority.lastIndexOf('@'))
            : null;
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
      text =
          text.replaceFirst(
              "//" + java.util.regex.Pattern.quote(userInfo) + "@",
              java.util.regex.Matcher.quoteReplacement(user.isEmpty() ? "//" : "//" + user + "@"));
    }
    String query = uri.getRawQuery();
    if (query != null) {
      int at = text.indexOf("?" + query);
      if (at >= 0) {
        text =
            text.substring(0, at + 1)
                + redactQuery(query)
                + text.substring(at + 1 + query.length());
      }
    }
    return text;
  }

  /** Like {@link #redact(URI)} for text that may not even parse: only what is safe is kept. */
  static String redact(String text) {
    try {
      return redact(new URI(text));
    } catch (URISyntaxException e) {
      int at = text.lastIndexOf('@');
      int scheme = text.indexOf("://");
      return scheme >= 0 && at > scheme
          ? text.substring(0, scheme + 3) + "***@" + text.substring(at + 1)
          : text;
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
