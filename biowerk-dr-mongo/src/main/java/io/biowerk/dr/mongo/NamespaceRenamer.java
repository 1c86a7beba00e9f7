package io.biowerk.dr.mongo;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renames namespaces at restore time as mongorestore's {@code --nsFrom}/{@code --nsTo} do:
 * comma-separated pairs of patterns over {@code db.collection}, where each {@code *} of {@code
 * nsFrom} matches any characters and the same-numbered {@code *} of {@code nsTo} receives them
 * ({@code nsFrom=shop.*} with {@code nsTo=shop_copy.*}; {@code nsFrom=*} with {@code
 * nsTo=scratch_*} prefixes every database). The first pair that matches wins; a namespace no pair
 * matches keeps its name. Immutable.
 */
final class NamespaceRenamer {

  private record Rule(Pattern from, String to) {}

  private final List<Rule> rules;

  private NamespaceRenamer(List<Rule> rules) {
    this.rules = rules;
  }

  // StringSplitter: trailing commas in nsFrom/nsTo are dropped, as they always were.
  @SuppressWarnings("StringSplitter")
  static NamespaceRenamer of(Optional<String> nsFrom, Optional<String> nsTo, String component) {
    checkArgument(
        nsFrom.isPresent() == nsTo.isPresent(), "%s: nsFrom and nsTo go together", component);
    List<Rule> rules = new ArrayList<>();
    if (nsFrom.isPresent()) {
      String[] from = nsFrom.get().split(",");
      String[] to = nsTo.get().split(",");
      checkArgument(
          from.length == to.length,
          "%s: nsFrom has %s patterns, nsTo %s",
          component,
          from.length,
          to.length);
      for (int i = 0; i < from.length; i++) {
        int stars = from[i].split("\\*", -1).length - 1;
        int targetStars = to[i].split("\\*", -1).length - 1;
        checkArgument(
            stars == targetStars,
            "%s: nsFrom %s and nsTo %s must have the same number of *",
            component,
            from[i],
            to[i]);
        rules.add(new Rule(NamespaceFilter.glob(from[i].trim()), to[i].trim()));
      }
    }
    return new NamespaceRenamer(rules);
  }

  /**
   * The name {@code ns} is restored under.
   *
   * @throws IllegalArgumentException if the renamed name is not {@code db.collection}
   */
  Namespace rename(Namespace ns) {
    String name = ns.db() + "." + ns.collection();
    for (Rule rule : rules) {
      Matcher m = rule.from().matcher(name);
      if (m.matches()) {
        StringBuilder out = new StringBuilder();
        String[] parts = rule.to().split("\\*", -1);
        for (int i = 0; i < parts.length; i++) {
          if (i > 0) {
            out.append(m.group(i));
          }
          out.append(parts[i]);
        }
        return Namespace.parse(out.toString());
      }
    }
    return ns;
  }
}
