package io.biowerk.dr.core.log;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * Where a point-in-time recovery stops: a time, a log position, a named restore point, or as soon
 * as the base backup is consistent ({@code immediate}); or, with none of these, the end of the
 * archived log.
 *
 * @param time stop before the first transaction committed after this time
 * @param position stop at this log position (PostgreSQL: an LSN such as {@code 0/3000060})
 * @param name stop at this named restore point
 * @param immediate stop as soon as the base backup is consistent
 * @param timeline the timeline to follow ({@code latest}, {@code current} or a number); empty for
 *     the default
 */
public record RecoveryTarget(
    Optional<Instant> time,
    Optional<String> position,
    Optional<String> name,
    boolean immediate,
    Optional<String> timeline) {

  public RecoveryTarget {
    requireNonNull(time, "time");
    requireNonNull(position, "position");
    requireNonNull(name, "name");
    requireNonNull(timeline, "timeline");
    int kinds =
        (time.isPresent() ? 1 : 0)
            + (position.isPresent() ? 1 : 0)
            + (name.isPresent() ? 1 : 0)
            + (immediate ? 1 : 0);
    checkArgument(
        kinds <= 1,
        "a recovery target is one of a time, a position, a name or immediate, not %s",
        kinds);
  }

  /** Recovery to the end of the archived log. */
  public static RecoveryTarget end() {
    return new RecoveryTarget(
        Optional.empty(), Optional.empty(), Optional.empty(), false, Optional.empty());
  }

  /** Recovery to {@code time}. */
  public static RecoveryTarget time(Instant time) {
    return new RecoveryTarget(
        Optional.of(time), Optional.empty(), Optional.empty(), false, Optional.empty());
  }

  /** The same target following {@code timeline}. */
  public RecoveryTarget onTimeline(String timeline) {
    return new RecoveryTarget(time, position, name, immediate, Optional.of(timeline));
  }

  @Override
  public String toString() {
    String what =
        time.map(t -> "time " + t)
            .or(() -> position.map(p -> "position " + p))
            .or(() -> name.map(n -> "restore point '" + n + "'"))
            .orElse(immediate ? "immediate" : "end of log");
    return what + timeline.map(t -> " on timeline " + t).orElse("");
  }
}
