package io.biowerk.dr.core.local;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Checks object keys: relative, {@code /}-separated, no empty, {@code .} or {@code ..} segments.
 */
final class Keys {
  private Keys() {}

  static String check(String key) {
    checkArgument(key != null && !key.isEmpty(), "object key may not be empty");
    checkPrefix(key);
    checkArgument(!key.endsWith("/"), "object key (%s) may not end with '/'", key);
    return key;
  }

  static String checkPrefix(String prefix) {
    if (prefix.isEmpty()) {
      return prefix;
    }
    checkArgument(
        !prefix.startsWith("/") && !prefix.contains("\\") && prefix.indexOf('\0') < 0,
        "object key (%s) must be relative, '/'-separated, without NUL",
        prefix);
    for (String segment : prefix.split("/", -1)) {
      checkArgument(
          !segment.equals(".") && !segment.equals(".."),
          "object key (%s) may not contain '.' or '..' segments",
          prefix);
    }
    return prefix;
  }
}
