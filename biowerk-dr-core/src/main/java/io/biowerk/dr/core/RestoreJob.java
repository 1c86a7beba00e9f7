package io.biowerk.dr.core;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.internal.ByteChannels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One restore: sink -> SHA-256 check while streaming -> reverse codec chain -> restore target,
 * committed only after every checksum matched. By default the stored bytes are checked first, so a
 * damaged backup is refused before the target sees a byte; a target that {@linkplain
 * RestoreTarget#stagesUntilCommit() stages until its commit} sees nothing before the checks anyway,
 * and its restore reads the stored bytes once. Single-use.
 */
public final class RestoreJob {

  private static final Logger LOG = LoggerFactory.getLogger(RestoreJob.class);

  private final Sink sink;
  private final BackupManifest manifest;
  private final KeyRing keys;
  private final RestoreTarget target;
  private final boolean checkStoredFirst;
  private final ProgressListener listener;
  private final List<Codec> codecs;
  private final Duration progressInterval;
  private boolean ran;

  private RestoreJob(
      Sink sink,
      BackupManifest manifest,
      KeyRing keys,
      RestoreTarget target,
      boolean checkStoredFirst,
      ProgressListener listener,
      List<Codec> codecs,
      Duration progressInterval) {
    this.sink = sink;
    this.manifest = manifest;
    this.keys = keys;
    this.target = target;
    this.checkStoredFirst = checkStoredFirst;
    this.listener = listener;
    this.codecs = codecs;
    this.progressInterval = progressInterval;
  }

  /** A restore of {@code manifest}'s backup from {@code sink} into {@code target}. */
  public static RestoreJob of(
      Sink sink, BackupManifest manifest, KeyRing keys, RestoreTarget target) {
    return new RestoreJob(
        requireNonNull(sink, "sink"),
        requireNonNull(manifest, "manifest"),
        requireNonNull(keys, "keys"),
        requireNonNull(target, "target"),
        true,
        ProgressListener.NONE,
        List.of(),
        ProgressListener.DEFAULT_INTERVAL);
  }

  /**
   * Whether to check the stored bytes' SHA-256 in a first pass before the target sees any byte
   * (default true; skipped for a target that {@linkplain RestoreTarget#stagesUntilCommit() stages
   * until its commit}, which sees no byte before the checks anyway). Without it, damage is still
   * detected while streaming and the target's write is aborted, but a target that cannot roll back
   * may have received part of the data.
   */
  public RestoreJob checkStoredFirst(boolean check) {
    return new RestoreJob(sink, manifest, keys, target, check, listener, codecs, progressInterval);
  }

  /** Receives progress on the thread running the restore. */
  public RestoreJob listener(ProgressListener listener) {
    return new RestoreJob(
        sink,
        manifest,
        keys,
        target,
        checkStoredFirst,
        requireNonNull(listener, "listener"),
        codecs,
        progressInterval);
  }

  /**
   * Codecs to decode with, used before those found through {@link CodecProvider}: pass the codecs
   * given to {@link BackupJob.Builder#codecs} that are not registered as providers (a codec of the
   * backup's chain with the same id is used as it is).
   */
  public RestoreJob codecs(List<? extends Codec> codecs) {
    return new RestoreJob(
        sink,
        manifest,
        keys,
        target,
        checkStoredFirst,
        listener,
        List.copyOf(codecs),
        progressInterval);
  }

  /**
   * The least time between two progress events (default {@link ProgressListener#DEFAULT_INTERVAL},
   * 100 ms); {@link Duration#ZERO} reports after every buffer. The final event ({@code done})
   * always comes.
   *
   * @throws IllegalArgumentException if {@code interval} is negative
   */
  public RestoreJob progressInterval(Duration interval) {
    requireNonNull(interval, "interval");
    checkArgument(
        !interval.isNegative(),
        "restore: progress interval (%s) must not be negative; use Duration.ZERO to report every"
            + " buffer",
        interval);
    return new RestoreJob(
        sink, manifest, keys, target, checkStoredFirst, listener, codecs, interval);
  }

  /**
   * Runs the restore.
   *
   * @return how long it took (the RTO figure of this backup)
   * @throws IntegrityException if the backup is damaged or the key is wrong; the target is not
   *     committed
   * @throws IOException if the sink, a codec or the target fails; the target is not committed
   */
  public Duration run() throws IOException {
    checkState(!ran, "a RestoreJob runs once");
    ran = true;
    long start = System.nanoTime();
    long every = progressInterval.toNanos();
    boolean checkedAtEnd = checkStoredFirst && target.stagesUntilCommit();
    if (checkedAtEnd) {
      // The side file is checked before any byte is read, as in the first pass.
      BackupReader.checkSideFile(sink, manifest);
    } else if (checkStoredFirst) {
      long[] lastCheckReport = {start};
      BackupReader.checkStored(
          sink,
          manifest,
          read -> {
            long now = System.nanoTime();
            if (now - lastCheckReport[0] >= every) {
              lastCheckReport[0] = now;
              listener.onProgress(
                  new ProgressListener.Progress(
                      read,
                      0,
                      manifest.storedSize(),
                      Duration.ofNanos(now - start),
                      false,
                      ProgressListener.Phase.CHECK));
            }
          });
    }
    try {
      return transfer(start, every);
    } catch (IOException | RuntimeException e) {
      if (!checkedAtEnd) {
        throw e;
      }
      // Damaged stored bytes may make a codec or the target fail (a segment that does not
      // authenticate, a tar header out of shape) before the checksums at the end: what the first
      // pass would have reported is reported, so damage is called damage, with the same message.
      // Costs a second read only when the restore has failed anyway.
      try {
        BackupReader.checkStored(sink, manifest);
      } catch (IntegrityException damage) {
        damage.addSuppressed(e);
        throw damage;
      } catch (IOException | RuntimeException other) {
        e.addSuppressed(other);
      }
      throw e;
    }
  }

  private Duration transfer(long start, long every) throws IOException {
    try (ReadableByteChannel in = BackupReader.openDecoded(sink, manifest, keys, codecs);
        PendingWrite out = target.open(manifest)) {
      ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
      long written = 0;
      long lastReport = start;
      while (in.read(buffer) >= 0) {
        buffer.flip();
        written += buffer.remaining();
        ByteChannels.writeFully(out, buffer);
        buffer.clear();
        long now = System.nanoTime();
        if (now - lastReport >= every) {
          lastReport = now;
          listener.onProgress(
              new ProgressListener.Progress(
                  BackupReader.storedRead(in),
                  written,
                  manifest.storedSize(),
                  Duration.ofNanos(now - start),
                  false));
        }
      }
      out.commit();
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      listener.onProgress(
          new ProgressListener.Progress(
              BackupReader.storedRead(in), written, manifest.storedSize(), took, true));
      LOG.info("restore {}: {} bytes in {} ms", manifest.id(), written, took.toMillis());
      return took;
    }
  }

  @Override
  public String toString() {
    return sink + "/" + manifest.dataKey() + " -> " + target;
  }
}
