package io.biowerk.dr.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Human-readable sizes, durations, times and tables for the text output. */
final class Format {

  private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  private Format() {}

  /** {@code 1536} -> {@code 1.5 KiB}. */
  static String bytes(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    double value = bytes;
    int unit = 0;
    while (value >= 1024 && unit < UNITS.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
  }

  /** Raw over stored, e.g. {@code 3.94}; {@code -} when nothing was stored. */
  static String ratio(long raw, long stored) {
    return stored == 0 ? "-" : String.format(Locale.ROOT, "%.2f", (double) raw / stored);
  }

  /** Seconds with millisecond precision below a minute, else {@code 1h 02m 03s}. */
  static String duration(Duration duration) {
    long millis = duration.toMillis();
    if (millis < 60_000) {
      return String.format(Locale.ROOT, "%.2f s", millis / 1000.0);
    }
    long seconds = duration.toSeconds();
    if (seconds < 3600) {
      return String.format(Locale.ROOT, "%dm %02ds", seconds / 60, seconds % 60);
    }
    return String.format(
        Locale.ROOT, "%dh %02dm %02ds", seconds / 3600, (seconds % 3600) / 60, seconds % 60);
  }

  /** {@code m:ss} or {@code h:mm:ss}, for progress. */
  static String clock(Duration duration) {
    long seconds = duration.toSeconds();
    return seconds >= 3600
        ? String.format(
            Locale.ROOT, "%d:%02d:%02d", seconds / 3600, (seconds % 3600) / 60, seconds % 60)
        : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
  }

  /** A rough age: {@code 42s}, {@code 17m}, {@code 5h 03m}, {@code 3d 04h}. */
  static String age(Duration age) {
    long seconds = Math.max(0, age.toSeconds());
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return seconds / 60 + "m";
    }
    if (seconds < 86400) {
      long minutes = (seconds % 3600) / 60;
      return minutes == 0
          ? seconds / 3600 + "h"
          : String.format(Locale.ROOT, "%dh %02dm", seconds / 3600, minutes);
    }
    long hours = (seconds % 86400) / 3600;
    return hours == 0
        ? seconds / 86400 + "d"
        : String.format(Locale.ROOT, "%dd %02dh", seconds / 86400, hours);
  }

  /** {@code 2024-01-15 02:00:00Z}. */
  static String time(Instant instant) {
    return TIME.format(instant);
  }

  /** A left-aligned table with a header row, columns separated by two spaces. */
  static String table(List<String> header, List<List<String>> rows) {
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    int[] widths = new int[header.size()];
    for (List<String> row : all) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder text = new StringBuilder();
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(i == row.size() - 1 ? row.get(i) : pad(row.get(i), widths[i] + 2));
      }
      text.append(line.toString().stripTrailing()).append('\n');
    }
    return text.toString();
  }

  private static String pad(String text, int width) {
    return text.length() >= width ? text : text + " ".repeat(width - text.length());
  }
}
