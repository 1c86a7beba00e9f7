package io.biowerk.dr.cli.serve;

import static java.util.Objects.requireNonNull;

import com.cronutils.descriptor.CronDescriptor;
import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Optional;

/**
 * A cron schedule in a time zone (UTC unless the configuration says otherwise): the five fields of
 * Unix cron ({@code minute hour day-of-month month day-of-week}), parsed and evaluated by
 * cron-utils. Immutable and thread-safe.
 */
public final class Schedule {

  private static final CronParser PARSER =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  private final String expression;
  private final ZoneId zone;
  private final ExecutionTime times;
  private final Cron cron;

  private Schedule(String expression, ZoneId zone, Cron cron) {
    this.expression = expression;
    this.zone = zone;
    this.cron = cron;
    this.times = ExecutionTime.forCron(cron);
  }

  /**
   * Parses a five-field cron expression.
   *
   * @throws IllegalArgumentException if it is not one; the message says why
   */
  public static Schedule parse(String expression, ZoneId zone) {
    requireNonNull(expression, "expression");
    requireNonNull(zone, "zone");
    Cron cron = PARSER.parse(expression.strip()).validate();
    return new Schedule(expression.strip(), zone, cron);
  }

  /** The expression as written. */
  public String expression() {
    return expression;
  }

  /** The time zone the expression is read in. */
  public ZoneId zone() {
    return zone;
  }

  /** The first time strictly after {@code after}, if the schedule ever fires again. */
  public Optional<Instant> next(Instant after) {
    return times.nextExecution(ZonedDateTime.ofInstant(after, zone)).map(ZonedDateTime::toInstant);
  }

  /** The last time at or before {@code atOrBefore}, if the schedule ever fired. */
  public Optional<Instant> previous(Instant atOrBefore) {
    ZonedDateTime at = ZonedDateTime.ofInstant(atOrBefore, zone);
    // cron-utils' lastExecution is strictly before; a slot exactly at the instant counts as fired.
    if (times.isMatch(at.withNano(0)) && at.getSecond() == 0 && at.getNano() == 0) {
      return Optional.of(atOrBefore);
    }
    return times.lastExecution(at).map(ZonedDateTime::toInstant);
  }

  /** The expression in words, e.g. "at 02:00" (English). */
  public String describe() {
    return CronDescriptor.instance(Locale.UK).describe(cron);
  }

  @Override
  public String toString() {
    return "'" + expression + "' (" + zone.getId() + ")";
  }
}
