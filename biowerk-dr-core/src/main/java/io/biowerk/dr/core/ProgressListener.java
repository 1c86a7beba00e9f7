package io.biowerk.dr.core;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

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
   * The step a backup or restore is in, in the order they come.
   *
   * <ul>
   *   <li>{@link #CHECK}: a restore reads the stored bytes once to check their SHA-256 before the
   *       target sees a byte ({@code RestoreJob.checkStoredFirst}); {@code bytesIn} counts stored
   *       bytes read, {@code bytesOut} stays 0.
   *   <li>{@link #TRANSFER}: bytes flow from the source (or store) through the codecs to the store
   *       (or target).
   *   <li>{@link #DONE}: the final event, after the manifest (backup) or the target (restore) was
   *       committed; {@code done} is true.
   * </ul>
   */
  enum Phase {
    /** A restore's first pass over the stored bytes. */
    CHECK,
    /** The bytes flow. */
    TRANSFER,
    /** The work is committed; the final event. */
    DONE
  }

  /**
   * How far work has come.
   *
   * <p>Backup: {@code bytesIn} counts raw bytes read from the source, {@code bytesOut} stored
   * (encoded) bytes written to the sinks, and {@code expectedIn} is the source's estimate of its
   * raw size ({@link SourceStream#expectedSize()}), -1 while unknown; in the final event it is the
   * exact raw size. Restore: {@code bytesIn} counts stored bytes read from the sink, {@code
   * bytesOut} decoded bytes written to the target, and {@code expectedIn} is the stored size from
   * the manifest, exact from the first event. Events come on the thread running the job, at most
   * one per progress interval (100 ms by default, configurable per job or repository, {@link
   * Duration#ZERO} for every buffer) plus the final one, which always comes.
   *
   * @param bytesIn bytes read from the source (backup: raw bytes) or the store (restore: stored,
   *     encoded bytes); {@code bytesIn / expectedIn} is the fraction done
   * @param bytesOut bytes written to the store (backup: stored bytes) or the target (restore:
   *     decoded, raw bytes)
   * @param expectedIn bytes expected in all, or -1 when unknown
   * @param elapsed time since the work started
   * @param done whether this is the final report
   * @param phase the step the work is in
   */
  record Progress(
      long bytesIn, long bytesOut, long expectedIn, Duration elapsed, boolean done, Phase phase) {

    /** Checks the phase agrees with {@code done}. */
    public Progress {
      requireNonNull(elapsed, "elapsed");
      requireNonNull(phase, "phase");
      checkArgument(
          done == (phase == Phase.DONE),
          "progress: done (%s) must be true exactly in phase DONE, not %s",
          done,
          phase);
    }

    /** An event of the {@link Phase#TRANSFER} phase, or the final one when {@code done}. */
    public Progress(long bytesIn, long bytesOut, long expectedIn, Duration elapsed, boolean done) {
      this(bytesIn, bytesOut, expectedIn, elapsed, done, done ? Phase.DONE : Phase.TRANSFER);
    }

    /** Input bytes per second so far. */
    public double rate() {
      double seconds = elapsed.toNanos() / 1e9;
      return seconds <= 0 ? 0 : bytesIn / seconds;
    }

    /** The fraction done, 0 to 1, or -1 when the total is unknown. */
    public double fraction() {
      if (done) {
        return 1;
      }
      return expectedIn <= 0 ? -1 : Math.min(1.0, (double) bytesIn / expectedIn);
    }
  }
}
