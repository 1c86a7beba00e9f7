package io.biowerk.dr.mongo;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which namespaces a dump or restore takes: comma-separated include and exclude patterns, each
 * either a database ({@code shop}) or a namespace ({@code shop.orders}), where {@code *} matches
 * any characters ({@code shop.tmp_*}, {@code *.audit}). No include means everything; an exclude
 * wins over an include. Immutable.
 */
final class NamespaceFilter {

  private final List<Pattern> include;
  private final List<Pattern> exclude;

  private NamespaceFilter(List<Pattern> include, List<Pattern> exclude) {
    this.include = include;
    this.exclude = exclude;
  }

  static NamespaceFilter of(Optional<String> include, Optional<String> exclude) {
    return new NamespaceFilter(patterns(include), patterns(exclude));
  }

  private static List<Pattern> patterns(Optional<String> list) {
    List<Pattern> out = new ArrayList<>();
    if (list.isPresent()) {
      for (String p : list.get().split(",", -1)) {
        String t = p.trim();
        if (!t.isEmpty()) {
          out.add(glob(t.contains(".") ? t : t + ".*"));
        }
      }
    }
    return out;
  }

  /** A pattern where {@code *} matches any characters and everything else is literal. */
  static Pattern glob(String pattern) {
    String[] parts = pattern.split("\\*", -1);
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        re.append("(.*)");
      }
      re.append(Pattern.quote(parts[i]));
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }

  /** Whether {@code ns} is taken. */
  boolean takes(Namespace ns) {
    String name = ns.db() + "." + ns.collection();
    for (Pattern p : exclude) {
      if (p.matcher(name).matches()) {
        return false;
      }
    }
    if (include.isEmpty()) {
      return true;
    }
    for (Pattern p : include) {
      if (p.matcher(name).matches()) {
        return true;
      }
    }
    return false;
  }
}
