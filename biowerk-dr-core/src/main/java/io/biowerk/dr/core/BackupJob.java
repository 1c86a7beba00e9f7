package io.biowerk.dr.core;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.codec.Sha256;
import io.biowerk.dr.core.internal.ByteChannels;
import io.biowerk.dr.core.internal.Failures;
import io.biowerk.dr.core.io.BufferPipe;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One backup: source -> codec chain -> one or more sinks, with SHA-256 of the raw and of the stored
 * bytes, and the manifest written last as the commit point.
 *
 * <p>Three threads share the work, joined by bounded queues of pooled buffers: a reader thread
 * fills buffers from the source and hashes them; the calling thread runs the first codec (zstd,
 * which may add its own worker threads); a sealing thread runs the rest of the chain (encryption),
 * hashes the stored bytes and writes them to every sink. Source buffers are handed over, never
 * copied; the compressed bytes are copied once into the sealing thread's pool. Memory is bounded by
 * the buffer budget whatever the backup size.
 *
 * <p>A failure of the source or a codec aborts every sink write and removes whatever was already
 * committed, so no partial backup is ever listed. A failure of one sink drops that sink (its write
 * is aborted, what it committed removed) and the others go on: {@link #runEach()} reports which
 * sinks hold the backup, {@link #run()} throws {@link PartialBackupException} unless all do. While
 * the backup runs, a marker under {@code <source>/.in-progress/} tells retention not to delete
 * backups of that source. A job is single-use; {@link #toString()} prints the pipeline.
 */
public final class BackupJob {

  private static final Logger LOG = LoggerFactory.getLogger(BackupJob.class);

  private final Source source;
  private final List<Codec> codecs;
  private final List<Sink> sinks;
  private final ProgressListener listener;
  private final Clock clock;
  private final int bufferSize;
  private final int buffers;
  private final String tier;
  private final String sourceUri;
  private final long progressNanos;
  private boolean ran;

  private BackupJob(Builder builder) {
    this.source = builder.source;
    this.codecs = List.copyOf(builder.codecs);
    this.sinks = List.copyOf(builder.sinks);
    this.listener = builder.listener;
    this.clock = builder.clock;
    this.bufferSize = builder.bufferSize;
    this.buffers = builder.buffers;
    this.tier = builder.tier;
    this.sourceUri = builder.sourceUri;
    this.progressNanos = builder.progressInterval.toNanos();
  }

  /** Starts building a backup of {@code source}. */
  public static Builder of(Source source) {
    return new Builder(source);
  }

  /** Builds a {@link BackupJob}. */
  public static final class Builder {
    private final Source source;
    private final List<Codec> codecs = new ArrayList<>();
    private final List<Sink> sinks = new ArrayList<>();
    private ProgressListener listener = ProgressListener.NONE;
    private Clock clock = Clock.systemUTC();
    private int bufferSize = 1 << 20;
    private int buffers = 4;
    private String tier = BackupLayout.DAILY;
    private String sourceUri;
    private Duration progressInterval = ProgressListener.DEFAULT_INTERVAL;

    private Builder(Source source) {
      this.source = requireNonNull(source, "source");
    }

    /** Adds codecs to the chain, applied in the order given (compress before encrypt). */
    public Builder codecs(Codec... more) {
      codecs.addAll(List.of(more));
      return this;
    }

    /** Adds codecs to the chain, applied in the order given. */
    public Builder codecs(List<? extends Codec> more) {
      codecs.addAll(more);
      return this;
    }

    /**
     * Adds sinks; every sink receives the same stored bytes (the plan's local copy plus cloud
     * copy).
     */
    public Builder sinks(Sink... more) {
      sinks.addAll(List.of(more));
      return this;
    }

    /** Adds sinks. */
    public Builder sinks(List<? extends Sink> more) {
      sinks.addAll(more);
      return this;
    }

    /** Receives progress; called on the thread that runs the job. */
    public Builder listener(ProgressListener listener) {
      this.listener = requireNonNull(listener, "listener");
      return this;
    }

    /**
     * The least time between two progress events while the backup runs (default {@link
     * ProgressListener#DEFAULT_INTERVAL}, 100 ms); {@link Duration#ZERO} reports after every
     * buffer. The final event ({@code done}) always comes.
     *
     * @throws IllegalArgumentException if {@code interval} is negative
     */
    public Builder progressInterval(Duration interval) {
      requireNonNull(interval, "interval");
      checkArgument(
          !interval.isNegative(),
          "backup: progress interval (%s) must not be negative; use Duration.ZERO to report every"
              + " buffer",
          interval);
      this.progressInterval = interval;
      return this;
    }

    /** The clock for ids and times; the system UTC clock by default. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The buffer budget: {@code count} buffers of {@code size} bytes travel between the reader and
     * the compressor, and as many between the compressor and the sealing thread (default 4 of 1 MiB
     * each).
     */
    public Builder buffers(int count, int size) {
      checkArgument(count >= 2, "buffer count (%s) must be at least 2", count);
      checkArgument(size >= 4096, "buffer size (%s) must be at least 4096", size);
      this.buffers = count;
      this.bufferSize = size;
      return this;
    }

    /** The layout folder the backup is written to; {@code daily} by default. */
    public Builder tier(String tier) {
      this.tier = requireNonNull(tier, "tier");
      return this;
    }

    /**
     * The source URI recorded in the manifest (without a password); the source's kind by default.
     */
    public Builder sourceUri(String uri) {
      this.sourceUri = requireNonNull(uri, "uri");
      return this;
    }

    /**
     * The job.
     *
     * <p>A codec passed to {@link #codecs} whose id no {@link CodecProvider} on the class path
     * makes is allowed (a user's own codec), but the backup can then be read only by passing the
     * same codec to {@link RestoreJob#codecs} and {@code Verifier.verify(..., codecs)}: {@code
     * build()} logs a warning naming such ids, so the need is seen before the backup is needed.
     */
    public BackupJob build() {
      checkState(!sinks.isEmpty(), "a backup needs at least one sink");
      // A bad tier, format or codec id is refused here, before a run claims an id or writes
      // anything.
      BackupLayout.dataKey(
          source.name(),
          tier,
          BackupLayout.backupId(source.name(), Instant.EPOCH),
          source.format(),
          codecs.stream().map(Codec::id).toList());
      if (sourceUri == null) {
        sourceUri = source.kind() + ":" + source.name();
      }
      List<String> unregistered =
          codecs.stream().map(Codec::id).filter(id -> !Codecs.available(id)).toList();
      if (!unregistered.isEmpty()) {
        LOG.warn(
            "backup: codec(s) {} are not registered as CodecProvider on the class path; backups of"
                + " {} can be restored or verified only by passing the same codec(s) to"
                + " RestoreJob.codecs and Verifier.verify, or by registering a CodecProvider",
            unregistered,
            source.name());
      }
      return new BackupJob(this);
    }
  }

  /**
   * Runs the backup and requires it to be complete in every sink.
   *
   * @return the manifest, committed in every sink
   * @throws PartialBackupException if the backup is complete in some sinks and failed in others: it
   *     is kept, listed and restorable where it completed ({@link
   *     PartialBackupException#outcome()}), and nothing of it is listed where it failed
   * @throws SourceFailedException if the source failed; nothing is left in any sink
   * @throws IOException if a codec failed, or every sink failed; nothing is left in any sink
   */
  public BackupManifest run() throws IOException {
    BackupOutcome outcome = runEach();
    if (!outcome.complete()) {
      throw new PartialBackupException(outcome);
    }
    return outcome.manifest();
  }

  /**
   * Runs the backup into every sink and keeps it wherever it completes: a sink that fails (cannot
   * be written, is read-only, unreachable, fails mid-way or at commit) is dropped from the fan-out
   * and whatever it already holds of this backup is aborted or removed, while the other sinks go
   * on. The manifest, the commit point, is written to a sink only after its data object and side
   * file, so a failed sink never lists the backup.
   *
   * @return which sinks hold the complete backup and which failed, with why
   * @throws SourceFailedException if the source failed; nothing is left in any sink
   * @throws IOException if a codec failed, or every sink failed; nothing is left in any sink
   */
  public BackupOutcome runEach() throws IOException {
    checkState(!ran, "a BackupJob runs once; build another");
    ran = true;
    Instant started = clock.instant();
    long startNanos = System.nanoTime();
    List<String> extensions = codecs.stream().map(Codec::id).toList();
    IOException[] failures = new IOException[sinks.size()];
    int claimer = 0;
    String id = null;
    for (; claimer < sinks.size(); claimer++) {
      try {
        id = claimId(sinks.get(claimer), started);
        break;
      } catch (IOException | RuntimeException e) {
        if (sinks.size() == 1) {
          throw e;
        }
        failures[claimer] = sinkFailure(sinks.get(claimer), e);
        LOG.warn("backup: {} failed, going on without it: {}", sinks.get(claimer), e.toString());
      }
    }
    if (id == null) {
      throw everySinkFailed("backup of " + source.name(), failures);
    }
    String dataKey = BackupLayout.dataKey(source.name(), tier, id, source.format(), extensions);
    String marker = BackupLayout.inProgressKey(source.name(), id);
    LOG.info("backup {}: {} -> {}", id, this, dataKey);

    // The claiming sink's marker was written by claimId; it is removed in `finally` like the
    // others.
    List<Sink> marked = new ArrayList<>(List.of(sinks.get(claimer)));
    PendingWrite[] writes = new PendingWrite[sinks.size()];
    List<Sink> committed = new ArrayList<>();
    SourceStream stream = null;
    Reader reader = null;
    Handoff handoff = null;
    java.util.concurrent.ScheduledExecutorService lease = null;
    try {
      for (int i = claimer + 1; i < sinks.size(); i++) {
        try {
          sinks.get(i).put(marker, markerBody(id, started));
          marked.add(sinks.get(i));
        } catch (IOException | RuntimeException e) {
          drop(id, i, e, failures);
        }
      }
      List<Sink> leased = List.copyOf(marked);
      String leaseId = id;
      lease =
          RunMarker.renewing(
              () -> {
                for (Sink sink : leased) {
                  try {
                    sink.put(marker, RunMarker.body(leaseId, started, clock.instant()));
                  } catch (IOException | RuntimeException e) {
                    // One failed sink must not stop the others' renewal.
                  }
                }
              });
      for (int i = 0; i < sinks.size(); i++) {
        if (failures[i] == null) {
          try {
            writes[i] = sinks.get(i).openWrite(dataKey);
          } catch (IOException | RuntimeException e) {
            drop(id, i, e, failures);
          }
        }
      }
      requireSomeSink(id, failures);
      FanOut fanOut = new FanOut(id, sinks, writes, failures);
      // Without codecs the stored bytes are the raw bytes, which the reader thread hashes already.
      Sha256.Writing stored = codecs.isEmpty() ? Sha256.counting(fanOut) : Sha256.writing(fanOut);
      WritableByteChannel encoder;
      if (codecs.isEmpty()) {
        encoder = stored;
      } else {
        // The first codec (compression) runs on this thread; the rest of the chain (encryption),
        // the stored hash and the sink writes run on a third thread, so they use the core zstd
        // leaves idle instead of taking turns with it (and a cold, not yet compiled AES-GCM does
        // not stall the compressor).
        WritableByteChannel tail = Codecs.encode(codecs.subList(1, codecs.size()), stored);
        handoff = new Handoff(tail, buffers, bufferSize, "biowerk-dr-seal-" + id);
        encoder = codecs.get(0).encode(handoff);
      }
      stream = source.open();
      reader = new Reader(stream, buffers, bufferSize, id);
      reader.start();
      long lastReport = startNanos;
      try {
        ByteBuffer buffer;
        while ((buffer = reader.pipe.receive()) != null) {
          // Owned by this thread from here until it goes back to the pool below.
          ByteChannels.writeFully(encoder, buffer);
          reader.pipe.recycle(buffer);
          long now = System.nanoTime();
          if (now - lastReport >= progressNanos) {
            lastReport = now;
            listener.onProgress(
                new ProgressListener.Progress(
                    reader.rawCount,
                    stored.count(),
                    stream.expectedSize(),
                    Duration.ofNanos(now - startNanos),
                    false));
          }
        }
      } catch (Throwable failure) {
        // Close (which frees native codec state) without letting a second failure of the same
        // broken sink, met while the codecs flush, replace the first one: that one says what went
        // wrong.
        ByteChannels.closeQuietly(encoder, failure);
        throw failure;
      }
      encoder.close();
      reader.join();
      Map<String, Object> facts = new LinkedHashMap<>(stream.facts());
      Instant finished = clock.instant();
      BackupManifest manifest =
          new BackupManifest(
              id,
              source.kind(),
              source.name(),
              sourceUri,
              source.format(),
              started,
              finished,
              codecs.stream().map(CodecSpec::of).toList(),
              Codecs.keyId(codecs),
              reader.rawCount,
              stored.count(),
              reader.rawHex(),
              codecs.isEmpty() ? reader.rawHex() : stored.hex(),
              dataKey,
              facts);
      manifest = io.biowerk.dr.core.codec.ManifestAuthentication.sign(manifest, codecs);
      byte[] manifestJson = Manifests.toJson(manifest);
      byte[] sideFile =
          (manifest.storedSha256() + "  " + manifest.fileName() + "\n")
              .getBytes(StandardCharsets.UTF_8);
      synchronized (failures) {
        for (int i = 0; i < sinks.size(); i++) {
          if (failures[i] != null) {
            continue;
          }
          try {
            writes[i].commit();
            committed.add(sinks.get(i));
          } catch (IOException | RuntimeException e) {
            drop(id, i, e, failures);
          }
        }
      }
      requireSomeSink(id, failures);
      for (int i = 0; i < sinks.size(); i++) {
        if (failures[i] != null) {
          continue;
        }
        try {
          sinks.get(i).put(manifest.sha256Key(), sideFile);
          // The manifest is the commit point: only now does the backup appear in listings.
          sinks.get(i).put(manifest.manifestKey(), manifestJson);
        } catch (IOException | RuntimeException e) {
          drop(id, i, e, failures);
          committed.remove(sinks.get(i));
          removeQuietly(sinks.get(i), dataKey, failures[i]);
        }
      }
      requireSomeSink(id, failures);
      listener.onProgress(
          new ProgressListener.Progress(
              manifest.rawSize(),
              manifest.storedSize(),
              manifest.rawSize(),
              Duration.ofNanos(System.nanoTime() - startNanos),
              true));
      LOG.info(
          "backup {}: {} bytes -> {} bytes in {} ms",
          id,
          manifest.rawSize(),
          manifest.storedSize(),
          manifest.duration().toMillis());
      List<Sink> succeeded = new ArrayList<>();
      Map<Sink, IOException> failed = new LinkedHashMap<>();
      for (int i = 0; i < sinks.size(); i++) {
        if (failures[i] == null) {
          succeeded.add(sinks.get(i));
        } else {
          failed.put(sinks.get(i), failures[i]);
        }
      }
      return new BackupOutcome(manifest, succeeded, failed);
    } catch (Throwable failure) {
      if (reader != null) {
        reader.cancel();
      }
      if (handoff != null) {
        handoff.cancel();
      }
      ByteChannels.closeQuietly(stream, failure);
      for (PendingWrite write : writes) {
        if (write != null) {
          write.abort();
        }
      }
      for (Sink sink : committed) {
        removeQuietly(sink, dataKey, failure);
      }
      if (reader != null) {
        reader.joinQuietly();
      }
      // An interrupt reaches here as InterruptedException, or as the InterruptedIOException of a
      // BufferPipe wait (which keeps the flag); a socket timeout, also an InterruptedIOException,
      // leaves the flag clear and is reported as what it is.
      if (failure instanceof InterruptedException
          || (failure instanceof InterruptedIOException
              && Thread.currentThread().isInterrupted())) {
        Thread.currentThread().interrupt();
        InterruptedIOException stopped =
            new InterruptedIOException("backup " + id + " was interrupted; nothing was kept");
        stopped.initCause(failure);
        throw stopped;
      }
      throw Failures.toThrow(failure, "backup " + id);
    } finally {
      if (lease != null) {
        RunMarker.stop(lease); // before the markers go: a late renewal must not bring one back
      }
      for (Sink sink : marked) {
        try {
          sink.delete(marker);
        } catch (IOException e) {
          LOG.warn(
              "backup {}: cannot remove in-progress marker {} from {}: {}",
              id,
              marker,
              sink,
              e.toString());
        }
      }
    }
  }

  /** Drops sink {@code i} from the fan-out: logged, recorded; its pending write is aborted. */
  private void drop(String id, int i, Throwable e, IOException[] failures) {
    synchronized (failures) {
      if (failures[i] == null) {
        failures[i] = sinkFailure(sinks.get(i), e);
        LOG.warn("backup {}: {} failed, going on without it: {}", id, sinks.get(i), e.toString());
      }
    }
  }

  private static IOException sinkFailure(Sink sink, Throwable e) {
    if (e instanceof IOException io) {
      return io;
    }
    return new IOException(sink + ": " + PartialBackupException.reason(e), e);
  }

  /** Throws when no sink is left: a backup kept nowhere is a failed backup. */
  private void requireSomeSink(String id, IOException[] failures) throws IOException {
    synchronized (failures) {
      for (IOException failure : failures) {
        if (failure == null) {
          return;
        }
      }
    }
    throw everySinkFailed("backup " + id, failures);
  }

  private IOException everySinkFailed(String what, IOException[] failures) {
    if (failures.length == 1) {
      return failures[0];
    }
    StringBuilder text = new StringBuilder(what).append(" failed in every repository: ");
    for (int i = 0; i < failures.length; i++) {
      text.append(i == 0 ? "" : "; ")
          .append(sinks.get(i))
          .append(" (")
          .append(PartialBackupException.reason(failures[i]))
          .append(')');
    }
    IOException all = new IOException(text.append("; nothing was kept").toString(), failures[0]);
    for (int i = 1; i < failures.length; i++) {
      all.addSuppressed(failures[i]);
    }
    return all;
  }

  private void removeQuietly(Sink sink, String dataKey, Throwable failure) {
    for (String key :
        List.of(
            dataKey + BackupManifest.MANIFEST_SUFFIX,
            dataKey + BackupManifest.SHA256_SUFFIX,
            dataKey)) {
      try {
        sink.delete(key);
      } catch (IOException e) {
        failure.addSuppressed(e);
      }
    }
  }

  /**
   * Claims the id {@code <source>_<stamp>} (with {@code -2}, {@code -3}... when taken) by creating
   * its in-progress marker in the first sink with {@link Sink#putIfAbsent}, so two runs of one
   * source started in the same second never share an id and overwrite each other's objects.
   */
  private String claimId(Sink first, Instant started) throws IOException {
    String base = BackupLayout.backupId(source.name(), started);
    String prefix = source.name() + "/";
    List<StoredObject> existing = first.list(prefix);
    for (int n = 1; n <= 1000; n++) {
      String id = n == 1 ? base : base + "-" + n;
      String marker = BackupLayout.inProgressKey(source.name(), id);
      if (taken(existing, id, null) || !first.putIfAbsent(marker, markerBody(id, started))) {
        continue;
      }
      // A run that finished (and removed its marker) between our listing and our claim left its
      // objects.
      if (taken(first.list(prefix), id, marker)) {
        first.delete(marker);
        continue;
      }
      return id;
    }
    throw new IOException(
        "backup of "
            + source.name()
            + ": 1000 backups already started at "
            + started
            + "; wait a second and run it again");
  }

  /** The marker of a run: id, start, host, pid and lease ({@link RunMarker}). */
  private byte[] markerBody(String id, Instant started) throws IOException {
    return RunMarker.body(id, started, clock.instant());
  }

  private static boolean taken(List<StoredObject> existing, String id, String ownMarker) {
    for (StoredObject object : existing) {
      if (object.key().equals(ownMarker)) {
        continue;
      }
      String name = object.key().substring(object.key().lastIndexOf('/') + 1);
      if (name.startsWith(id + ".") || name.equals(id)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder(sourceUri);
    for (Codec codec : codecs) {
      text.append(" -> ").append(codec);
    }
    text.append(" -> ");
    for (int i = 0; i < sinks.size(); i++) {
      text.append(i == 0 ? "" : " + ").append(sinks.get(i));
    }
    return text.toString();
  }

  /**
   * Writes every buffer to every sink write still in the fan-out; its close() does not close them
   * (they are committed apart). A sink whose write fails is dropped (its write aborted) and the
   * others go on; when none is left, or the thread is interrupted, the failure goes up.
   */
  private final class FanOut implements WritableByteChannel {
    private final String id;
    private final List<Sink> targets;
    private final PendingWrite[] writes;
    private final IOException[] failures;
    private boolean closed;

    FanOut(String id, List<Sink> targets, PendingWrite[] writes, IOException[] failures) {
      this.id = id;
      this.targets = targets;
      this.writes = writes;
      this.failures = failures;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (closed) {
        throw new IllegalStateException("closed");
      }
      int n = src.remaining();
      for (int i = 0; i < writes.length; i++) {
        synchronized (failures) {
          if (failures[i] != null) {
            continue;
          }
        }
        try {
          // Each sink reads its own view of the same bytes: no copy.
          ByteChannels.writeFully(writes[i], src.duplicate());
        } catch (IOException | RuntimeException e) {
          if (interrupted(e) || targets.size() == 1) {
            throw e;
          }
          drop(id, i, e, failures);
          writes[i].abort();
          requireSomeSink(id, failures);
        }
      }
      src.position(src.limit());
      return n;
    }

    @Override
    public boolean isOpen() {
      return !closed;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /** An interrupt, not a sink's own failure (a socket timeout is the sink's). */
  private static boolean interrupted(Throwable e) {
    return Thread.currentThread().isInterrupted()
        || e instanceof java.nio.channels.ClosedByInterruptException
        || (e instanceof InterruptedIOException && !(e instanceof java.net.SocketTimeoutException));
  }

  /**
   * Fills pooled buffers from the source on its own thread and hashes the raw bytes; it ends on its
   * own once the pipe is cancelled and the stream closed, so it need not be a daemon.
   */
  private static final class Reader extends Thread {
    final BufferPipe pipe;
    private final SourceStream stream;
    private final MessageDigest raw = Sha256.newDigest();
    volatile long rawCount;
    private volatile boolean cancelled;
    private byte[] digest;

    Reader(SourceStream stream, int count, int size, String id) {
      super("biowerk-dr-read-" + id);
      this.stream = stream;
      this.pipe = new BufferPipe("backup " + id + ": the source reader", count, size, true);
    }

    // Only this thread updates rawCount; others only read it (progress reports).
    @SuppressWarnings("NonAtomicVolatileUpdate")
    @Override
    public void run() {
      try {
        while (true) {
          ByteBuffer buffer = pipe.borrow();
          int n = ByteChannels.readFully(stream, buffer);
          if (n < 0) {
            pipe.recycle(buffer);
            break;
          }
          buffer.flip();
          raw.update(buffer.duplicate());
          rawCount += n;
          // Handed over: the writing thread owns the buffer until it recycles it.
          pipe.send(buffer);
        }
        if (!cancelled) {
          // Closing finishes the run: a dump tool's exit status or a snapshot trailer is checked
          // here.
          stream.close();
          digest = raw.digest();
          pipe.finish();
        }
      } catch (Throwable e) {
        pipe.fail(e);
      }
    }

    String rawHex() {
      return Sha256.hex(digest);
    }

    void cancel() {
      cancelled = true;
      pipe.cancel(null);
      interrupt();
    }

    void joinQuietly() {
      try {
        join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
