package io.biowerk.dr.core;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The rules for object keys, checked the same way by every {@link Sink}.
 *
 * <p>A key is non-empty, relative ({@code /}-separated, not starting with {@code /}), holds no
 * {@code \} and no NUL, and each of its segments is non-empty and neither {@code .} nor {@code ..}.
 * So {@code a//b} and {@code a/} are refused: a file system would read {@code a//b} as {@code a/b}
 * while an object store keeps them apart, and a backup copied from one to the other would change
 * its keys. A prefix (for {@link Sink#list}) follows the same rules, except that it may be empty
 * and may end with {@code /}.
 *
 * <p>Violations are programmer errors: {@link IllegalArgumentException} naming the key.
 */
public final class ObjectKeys {

  private ObjectKeys() {}

  /**
   * Returns {@code key} if it is a valid object key.
   *
   * @throws IllegalArgumentException if it is not; the message names it and the rule
   */
  public static String checkKey(String key) {
    checkArgument(key != null && !key.isEmpty(), "object key may not be empty");
    checkArgument(!key.endsWith("/"), "object key (%s) may not end with '/'", key);
    checkSegments(key, key);
    return key;
  }

  /**
   * Returns {@code prefix} if it is a valid listing prefix: empty, or a key, or a key followed by
   * {@code /}.
   *
   * @throws IllegalArgumentException if it is not
   */
  public static String checkPrefix(String prefix) {
    checkArgument(prefix != null, "object key prefix may not be null");
    if (prefix.isEmpty()) {
      return prefix;
    }
    checkSegments(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix, prefix);
    return prefix;
  }

  /** Whether {@code key} is a valid object key. */
  public static boolean isValidKey(String key) {
    try {
      checkKey(key);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static void checkSegments(String body, String shown) {
    checkArgument(
        !body.startsWith("/") && body.indexOf('\\') < 0 && body.indexOf('\0') < 0,
        "object key (%s) must be relative and '/'-separated, without '\\' or NUL",
        shown.replace("\0", "\\0"));
    int start = 0;
    while (start <= body.length()) {
      int end = body.indexOf('/', start);
      if (end < 0) {
        end = body.length();
      }
      String segment = body.substring(start, end);
      checkArgument(
          !segment.isEmpty() && !segment.equals(".") && !segment.equals(".."),
          "object key (%s) may not contain empty, '.' or '..' segments",
          shown);
      start = end + 1;
    }
  }
}
