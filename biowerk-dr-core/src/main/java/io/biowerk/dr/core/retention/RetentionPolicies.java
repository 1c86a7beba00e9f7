package io.biowerk.dr.core.retention;

import static com.google.common.base.Preconditions.checkArgument;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ready-made retention policies, and the policy a user writes on a command line or in a config
 * file.
 */
public final class RetentionPolicies {

  private static final Pattern PART =
      Pattern.compile("(last|daily|weekly|monthly|yearly|within)=([^,]+)");
  private static final Pattern DURATION = Pattern.compile("(\\d+)([dhm])");

  private RetentionPolicies() {}

  /** The DR plan's policy: 30 daily, 12 weekly, 12 monthly. */
  public static GfsPolicy plan() {
    return GfsPolicy.plan30x12x12();
  }

  /**
   * Parses a policy written as {@code daily=30,weekly=12,monthly=12} (keys {@code last}, {@code
   * daily}, {@code weekly}, {@code monthly}, {@code yearly}, {@code within}; {@code within} takes
   * {@code 7d}, {@code 36h}, {@code 90m} or an ISO-8601 duration), or {@code plan} for the DR
   * plan's 30/12/12.
   *
   * @throws IllegalArgumentException if it does not parse or keeps nothing; the message shows the
   *     syntax
   */
  // String.split drops trailing empty parts, as wanted here: "daily=30," reads as it always did.
  @SuppressWarnings("StringSplitter")
  public static GfsPolicy parse(String text) {
    checkArgument(
        text != null && !text.isBlank(),
        "retention policy may not be empty; e.g. daily=30,weekly=12");
    String spec = text.trim().toLowerCase(Locale.ROOT);
    if (spec.equals("plan") || spec.equals("30x12x12")) {
      return plan();
    }
    GfsPolicy.Builder builder = GfsPolicy.builder();
    for (String part : spec.split(",")) {
      Matcher m = PART.matcher(part.trim());
      checkArgument(
          m.matches(),
          "retention policy '%s': cannot read '%s'; write e.g."
              + " last=3,daily=30,weekly=12,monthly=12,yearly=5,within=7d",
          text,
          part);
      String value = m.group(2).trim();
      if (m.group(1).equals("within")) {
        builder.keepWithin(duration(text, value));
        continue;
      }
      int n;
      try {
        n = Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "retention policy '"
                + text
                + "': "
                + m.group(1)
                + " needs a count, not '"
                + value
                + "'",
            e);
      }
      switch (m.group(1)) {
        case "last" -> builder.keepLast(n);
        case "daily" -> builder.keepDaily(n);
        case "weekly" -> builder.keepWeekly(n);
        case "monthly" -> builder.keepMonthly(n);
        default -> builder.keepYearly(n);
      }
    }
    try {
      return builder.build();
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException(
          "retention policy '" + text + "' keeps nothing; give at least one count" + " above 0", e);
    }
  }

  private static Duration duration(String text, String value) {
    Matcher m = DURATION.matcher(value);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "d" -> Duration.ofDays(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofMinutes(n);
      };
    }
    try {
      return Duration.parse(value.toUpperCase(Locale.ROOT));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "retention policy '"
              + text
              + "': within needs a duration like 7d, 36h,"
              + " 90m or P7D, not '"
              + value
              + "'",
          e);
    }
  }
}
