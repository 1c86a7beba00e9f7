package io.biowerk.dr.core;

import java.time.Duration;

/** Receives progress of a backup, restore or verification, from the thread doing the work. */
@FunctionalInterface
public interface ProgressListener {

  /**
   * The least time between two progress events unless a job is given another ({@code
   * BackupJob.Builder.progressInterval}, {@code RestoreJob.progressInterval}): 100 ms.
   */
  Duration DEFAULT_INTERVAL = Duration.ofMillis(100);

  /** A listener that ignores progress. */
  ProgressListener NONE = progress -> {};

  /** Called now and then while work goes on, and once with {@code done} set at the end. */
  void onProgress(Progress progress);

  /**
   * How far work has come.
   *
   * @param bytesIn bytes read from the source (backup: raw bytes) or the store (restore: stored,
   *     encoded bytes); {@code bytesIn / expectedIn} is the fraction done
   * @param bytesOut bytes written to the store (backup: stored bytes) or the target (restore:
   *     decoded, raw bytes)
   * @param expectedIn bytes expected in all, or -1 when unknown (a backup knows the total only in
   *     its final event; a restore knows the stored size from the manifest)
   * @param elapsed time since the work started
   * @param done whether this is the final report
   */
  record Progress(long bytesIn, long bytesOut, long expectedIn, Duration elapsed, boolean done) {

    /** Input bytes per second so far. */
    public double rate() {
      double seconds = elapsed.toNanos() / 1e9;
      return seconds <= 0 ? 0 : bytesIn / seconds;
    }
  }
}
