package io.biowerk.dr.cli;

import io.biowerk.dr.core.ProgressListener;
import java.io.PrintWriter;
import java.time.Duration;

/**
 * A one-line progress display on a terminal: bytes, rate and, when the total is known, a bar and
 * the time left. Redrawn in place with a carriage return, at most a few times a second (core
 * reports every 100 ms). Used only when stderr is a terminal; scripts and cron logs see no progress
 * output.
 */
final class ProgressBar implements ProgressListener {

  private static final int WIDTH = 24;

  private final PrintWriter err;
  private final String verb;
  private int drawn;

  ProgressBar(PrintWriter err, String verb) {
    this.err = err;
    this.verb = verb;
  }

  @Override
  public synchronized void onProgress(Progress progress) {
    if (progress.done()) {
      clear();
      return;
    }
    String line = render(verb, progress);
    StringBuilder text = new StringBuilder("\r").append(line);
    for (int i = line.length(); i < drawn; i++) {
      text.append(' ');
    }
    drawn = line.length();
    err.print(text);
    err.flush();
  }

  /** Erases the line if one was drawn. */
  synchronized void clear() {
    if (drawn > 0) {
      err.print("\r" + " ".repeat(drawn) + "\r");
      err.flush();
      drawn = 0;
    }
  }

  /**
   * The progress line: {@code restore [#########.......] 37% 120.0 MiB / 324.0 MiB 48.2 MiB/s ETA
   * 0:04} when the total is known, {@code backup 120.0 MiB read -> 31.2 MiB stored 48.2 MiB/s 0:02}
   * otherwise.
   */
  static String render(String verb, Progress progress) {
    double rate = progress.rate();
    StringBuilder line = new StringBuilder(verb).append(' ');
    if (progress.expectedIn() > 0) {
      double fraction = Math.min(1.0, (double) progress.bytesIn() / progress.expectedIn());
      int filled = (int) Math.round(fraction * WIDTH);
      line.append('[')
          .append("#".repeat(filled))
          .append(".".repeat(WIDTH - filled))
          .append("] ")
          .append(String.format("%3d%%", (int) Math.floor(fraction * 100)))
          .append("  ")
          .append(Format.bytes(progress.bytesIn()))
          .append(" / ")
          .append(Format.bytes(progress.expectedIn()))
          .append("  ")
          .append(Format.bytes((long) rate))
          .append("/s");
      if (rate > 0) {
        long left = (long) ((progress.expectedIn() - progress.bytesIn()) / rate);
        line.append("  ETA ").append(Format.clock(Duration.ofSeconds(Math.max(0, left))));
      }
    } else {
      line.append(' ')
          .append(Format.bytes(progress.bytesIn()))
          .append(" read -> ")
          .append(Format.bytes(progress.bytesOut()))
          .append(" stored  ")
          .append(Format.bytes((long) rate))
          .append("/s  ")
          .append(Format.clock(progress.elapsed()));
    }
    return line.toString();
  }
}
