package io.biowerk.dr.core.log;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

/**
 * The segments one base backup needs to become consistent: from {@code first} (where its replay
 * starts) to {@code last} (the one holding its end), both inclusive, as names that sort in log
 * order.
 *
 * @param first the first segment the replay reads
 * @param last the segment holding the base backup's end
 */
public record LogSpan(String first, String last) {

  public LogSpan {
    requireNonNull(first, "first");
    requireNonNull(last, "last");
    checkArgument(
        first.compareTo(last) <= 0, "span first (%s) may not sort after last (%s)", first, last);
  }

  /** Whether {@code name} sorts within the span. */
  public boolean contains(String name) {
    return name.compareTo(first) >= 0 && name.compareTo(last) <= 0;
  }
}
