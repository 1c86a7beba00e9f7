package io.biowerk.dr.core.repository;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupNotFoundException;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.ProgressListener;
import io.biowerk.dr.core.RestoreJob;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.RetentionPlan;
import io.biowerk.dr.core.RetentionPolicy;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.Sinks;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.Sources;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.retention.ApplyResult;
import io.biowerk.dr.core.retention.Retention;
import io.biowerk.dr.core.retention.RetentionPolicies;
import io.biowerk.dr.core.verify.Verifier;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A backup repository as a Java program meets it: one or more sinks, a key ring and a clock, from
 * which a program backs up a {@link Source}, lists, resolves, verifies, restores and prunes, each
 * in one call.
 *
 * <pre>{@code
 * try (Repository repo = Repository.builder()
 *         .sink(Path.of("/var/backups/biowerk"))
 *         .keyFile(Path.of("/etc/biowerk/keys"))      // created, mode 0600, if missing
 *         .build()) {
 *   BackupManifest m = repo.backup(FilesSource.of(Path.of("/etc/myapp"), "config"));
 *   repo.verify(m.id());                              // decode level, recorded for retention
 *   repo.restore(m.id(), FilesRestoreTarget.of(Path.of("/tmp/restored"), false));
 *   repo.prune("config");                             // the plan's 30 daily, 12 weekly, 12 monthly
 * }
 * }</pre>
 *
 * <p><b>Defaults.</b> Backups are compressed with zstd level 3 ({@link ZstdCodec#defaults()}) and
 * encrypted with AES-256-GCM under the key ring's active key, looked up at each backup so a
 * rotation by another process is seen; retention keeps the DR plan's 30 daily, 12 weekly and 12
 * monthly backups ({@link RetentionPolicies#plan()}); verification checks at {@link
 * VerificationLevel#DECODE} and records the result, so it counts for retention's "last verified"
 * rule.
 *
 * <p><b>Several sinks.</b> Every backup is written to every sink (the plan's local copy plus cloud
 * copy). Reads (listing, resolving, verifying, restoring) use the first sink, the primary; {@link
 * #prune} plans and applies retention in every sink, each from what that sink holds.
 *
 * <p><b>Codecs.</b> The codecs a repository was built with (its {@linkplain Builder#compression
 * compression}, and any {@linkplain Builder#codecs extra codec}) are used to read as well as to
 * write, before those found through {@link io.biowerk.dr.core.CodecProvider}, so a backup made with
 * a program's own codec verifies and restores through the same repository.
 *
 * <p><b>Exceptions.</b> Every operation that touches a store, a source or a target throws checked
 * {@link IOException} subclasses, as the rest of the library does: {@link BackupNotFoundException}
 * for a backup that is not there, {@link IntegrityException} for damage, {@link
 * io.biowerk.dr.core.KeyNotFoundException} for a missing key, {@link
 * io.biowerk.dr.core.SourceFailedException} for a failed dump. Programming errors (a null, an empty
 * name, a builder without a sink) are {@link IllegalArgumentException}, {@link
 * IllegalStateException} or {@link NullPointerException}.
 *
 * <p>A repository is immutable and thread-safe; it owns the sinks it opened from paths or URIs and
 * closes them in {@link #close()}; sinks passed in as objects stay the caller's to close. The
 * low-level pieces it composes ({@link BackupJob}, {@link RestoreJob}, {@link Catalog}, {@link
 * Verifier}, {@link Retention}) stay public for programs that need another composition.
 */
public final class Repository implements Closeable {

  private final List<Sink> sinks;
  private final List<Sink> owned;
  private final KeyRing keys;
  private final boolean encrypt;
  private final Codec compression;
  private final List<Codec> extraCodecs;
  private final Clock clock;
  private final RetentionPolicy retention;
  private final VerificationLevel verificationLevel;
  private final ProgressListener listener;
  private final Duration progressInterval;
  private final Catalog catalog;

  private Repository(Builder b) {
    this.sinks = List.copyOf(b.sinks);
    this.owned = List.copyOf(b.owned);
    this.keys = b.keys == null ? KeyRing.empty() : b.keys;
    this.encrypt = b.encrypt;
    this.compression = b.compression;
    this.extraCodecs = List.copyOf(b.codecs);
    this.clock = b.clock;
    this.retention = b.retention;
    this.verificationLevel = b.verificationLevel;
    this.listener = b.listener;
    this.progressInterval = b.progressInterval;
    this.catalog = Catalog.of(sinks.get(0)).withClock(clock);
  }

  /** Starts building a repository. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Builds a {@link Repository}. At least one sink is needed, and either a key ring ({@link #keys},
   * {@link #keyFile}) or an explicit {@link #unencrypted()}: a repository never falls back to
   * plain-text backups by accident.
   */
  public static final class Builder {
    private final List<Sink> sinks = new ArrayList<>();
    private final List<Sink> owned = new ArrayList<>();
    private final List<Codec> codecs = new ArrayList<>();
    private KeyRing keys;
    private boolean encrypt = true;
    private boolean unencryptedChosen;
    private Codec compression = ZstdCodec.defaults();
    private Clock clock = Clock.systemUTC();
    private RetentionPolicy retention = RetentionPolicies.plan();
    private VerificationLevel verificationLevel = VerificationLevel.DECODE;
    private ProgressListener listener = ProgressListener.NONE;
    private Duration progressInterval = ProgressListener.DEFAULT_INTERVAL;
    private boolean built;

    private Builder() {}

    /**
     * Adds a sink; the first one added is the primary the repository reads from. The sink stays the
     * caller's to close.
     */
    public Builder sink(Sink sink) {
      sinks.add(requireNonNull(sink, "sink"));
      return this;
    }

    /**
     * Adds a local directory as a sink (created if missing); the repository closes it.
     *
     * @throws IOException if the directory cannot be created or is not a directory
     */
    public Builder sink(Path directory) throws IOException {
      LocalSink sink = LocalSink.open(requireNonNull(directory, "directory"));
      sinks.add(sink);
      owned.add(sink);
      return this;
    }

    /**
     * Adds a sink by URI ({@code file:///var/backups}, {@code s3://bucket/prefix}, ...), found
     * through {@link io.biowerk.dr.core.SinkProvider}; the repository closes it.
     *
     * @throws io.biowerk.dr.core.ProviderNotFoundException if no module on the class path serves
     *     the URI's scheme; the message names the module to add
     * @throws IOException if the sink cannot be opened
     */
    public Builder sink(URI uri) throws IOException {
      Sink sink = Sinks.forUri(requireNonNull(uri, "uri"));
      sinks.add(sink);
      owned.add(sink);
      return this;
    }

    /** The key ring: its active key encrypts new backups, and all its keys decrypt. */
    public Builder keys(KeyRing keys) {
      this.keys = requireNonNull(keys, "keys");
      return this;
    }

    /**
     * The key ring kept in {@code path} ({@link KeyFile}); when the file is missing it is created
     * with one new random key, mode 0600, and the parent directory mode 0700. Keep a copy of that
     * file apart from the backups: without it they cannot be read.
     *
     * @throws IOException if the file cannot be created
     */
    public Builder keyFile(Path path) throws IOException {
      KeyFile file = KeyFile.at(requireNonNull(path, "path"));
      if (!file.exists()) {
        file.create(clock);
      }
      this.keys = KeyRing.of(file);
      return this;
    }

    /**
     * Writes backups without encryption. A key ring, if one is given, still decrypts older
     * encrypted backups.
     */
    public Builder unencrypted() {
      this.encrypt = false;
      this.unencryptedChosen = true;
      return this;
    }

    /**
     * The compression codec, first in the chain ({@link ZstdCodec#defaults()}, zstd level 3, by
     * default); also used to read. {@link #noCompression()} for none.
     */
    public Builder compression(Codec codec) {
      this.compression = requireNonNull(codec, "codec");
      return this;
    }

    /** Writes backups without compression (for data that is already compressed). */
    public Builder noCompression() {
      this.compression = null;
      return this;
    }

    /**
     * Codecs to read with before those found through {@link io.biowerk.dr.core.CodecProvider}:
     * codecs of a program's own that older backups were written with.
     */
    public Builder codecs(Codec... more) {
      for (Codec c : more) {
        codecs.add(requireNonNull(c, "codec"));
      }
      return this;
    }

    /**
     * The clock for backup ids, verification times and retention; the system UTC clock by default.
     */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /** The retention policy {@link Repository#plan} and {@link Repository#prune} use. */
    public Builder retention(RetentionPolicy policy) {
      this.retention = requireNonNull(policy, "policy");
      return this;
    }

    /** The level {@link Repository#verify(String)} checks at; {@code DECODE} by default. */
    public Builder verificationLevel(VerificationLevel level) {
      this.verificationLevel = requireNonNull(level, "level");
      return this;
    }

    /**
     * Receives progress of backups and restores, on the thread running them; see {@link
     * ProgressListener.Progress} for what each field means.
     */
    public Builder listener(ProgressListener listener) {
      this.listener = requireNonNull(listener, "listener");
      return this;
    }

    /**
     * The least time between two progress events (100 ms by default); {@link Duration#ZERO} reports
     * after every buffer. The final event always comes.
     *
     * @throws IllegalArgumentException if {@code interval} is negative
     */
    public Builder progressInterval(Duration interval) {
      requireNonNull(interval, "interval");
      checkArgument(
          !interval.isNegative(),
          "repository: progress interval (%s) must not be negative; use Duration.ZERO to report"
              + " every buffer",
          interval);
      this.progressInterval = interval;
      return this;
    }

    /**
     * The repository.
     *
     * @throws IllegalStateException if no sink was added, or neither a key ring nor {@link
     *     #unencrypted()} was given, or the builder was already built
     */
    public Repository build() {
      checkState(!built, "repository: this builder was already built; start another");
      checkState(
          !sinks.isEmpty(),
          "repository: no sink; add one with sink(Path), sink(URI) or sink(Sink)");
      checkState(
          keys != null || unencryptedChosen,
          "repository: no key ring; give one with keys(KeyRing) or keyFile(Path), or choose"
              + " unencrypted() for plain-text backups");
      built = true;
      return new Repository(this);
    }
  }

  /** The sinks, the primary first. */
  public List<Sink> sinks() {
    return sinks;
  }

  /** The catalog of the primary sink, for queries beyond this class's (markers, orphans). */
  public Catalog catalog() {
    return catalog;
  }

  /** The key ring; empty for a repository built {@linkplain Builder#unencrypted() unencrypted}. */
  public KeyRing keys() {
    return keys;
  }

  /**
   * The codec chain a backup made now is written with: the compression (if any), then encryption
   * with the key ring's active key (if encrypting).
   *
   * @throws io.biowerk.dr.core.KeyNotFoundException if encrypting and the ring has no active key
   * @throws IOException if the key ring cannot be read
   */
  public List<Codec> writeChain() throws IOException {
    List<Codec> chain = new ArrayList<>();
    if (compression != null) {
      chain.add(compression);
    }
    if (encrypt) {
      chain.add(EncryptionCodec.encryptingWith(keys.active(), keys));
    }
    return chain;
  }

  /** The codecs used to read before the class path's: the compression and the extra codecs. */
  private List<Codec> readCodecs() {
    List<Codec> read = new ArrayList<>(extraCodecs);
    if (compression != null) {
      read.add(compression);
    }
    return read;
  }

  /**
   * Backs up {@code source} into every sink, in the {@code daily} tier.
   *
   * @return the committed manifest
   * @throws io.biowerk.dr.core.PartialBackupException if some sinks failed: the backup is complete
   *     in the others and nothing of it is listed in the failed ones ({@code outcome()} says which)
   * @throws io.biowerk.dr.core.SourceFailedException if the source failed; nothing is left in any
   *     sink
   * @throws IOException if a codec or a key failed, or every sink failed; nothing is left in any
   *     sink
   */
  public BackupManifest backup(Source source) throws IOException {
    return backup(source, BackupLayout.DAILY);
  }

  /**
   * Backs up {@code source} into every sink, in {@code tier} ({@code daily}, {@code weekly}, {@code
   * monthly}).
   *
   * @return the committed manifest
   * @throws io.biowerk.dr.core.PartialBackupException if some sinks failed: the backup is complete
   *     in the others and nothing of it is listed in the failed ones ({@code outcome()} says which)
   * @throws io.biowerk.dr.core.SourceFailedException if the source failed; nothing is left in any
   *     sink
   * @throws IOException if a codec or a key failed, or every sink failed; nothing is left in any
   *     sink
   */
  public BackupManifest backup(Source source, String tier) throws IOException {
    requireNonNull(source, "source");
    return BackupJob.of(source)
        .codecs(writeChain())
        .sinks(sinks)
        .clock(clock)
        .tier(tier)
        .listener(listener)
        .progressInterval(progressInterval)
        .build()
        .run();
  }

  /**
   * Every backup in the primary sink, newest first.
   *
   * @throws IOException if the sink cannot be listed or read
   */
  public List<BackupRecord> list() throws IOException {
    return catalog.list();
  }

  /**
   * The backups of {@code source} in the primary sink, newest first.
   *
   * @throws IOException if the sink cannot be listed or read
   */
  public List<BackupRecord> list(String source) throws IOException {
    return catalog.list(source);
  }

  /**
   * The backup a user named: an id, {@code latest} (when the repository holds one source) or {@code
   * latest:<source>}.
   *
   * @throws BackupNotFoundException if there is no such backup or {@code latest} is ambiguous; the
   *     message says what to write instead
   * @throws IOException if the sink cannot be listed or read
   */
  public BackupRecord resolve(String spec) throws IOException {
    return catalog.resolve(spec);
  }

  /**
   * Verifies the backup {@code spec} names at the repository's level ({@code DECODE} by default)
   * and records the result beside it, so it counts for retention's "last verified" rule.
   *
   * @return the recorded result; {@code passed() == false} means the backup is damaged
   * @throws BackupNotFoundException if there is no such backup
   * @throws IOException if the check cannot run (then nothing is recorded)
   */
  public VerificationResult verify(String spec) throws IOException {
    return verify(resolve(spec), verificationLevel, Map.of());
  }

  /**
   * Verifies {@code backup} at {@code level} and records the result.
   *
   * @param options options for a native verifier ({@code scratch-uri} for a restore test)
   * @return the recorded result; {@code passed() == false} means the backup is damaged
   * @throws io.biowerk.dr.core.ProviderNotFoundException if the level needs a native verifier and
   *     none serves the backup's source kind; the message names the module to add
   * @throws IOException if the check cannot run (then nothing is recorded)
   */
  public VerificationResult verify(
      BackupRecord backup, VerificationLevel level, Map<String, String> options)
      throws IOException {
    requireNonNull(backup, "backup");
    return Verifier.verifyAndRecord(catalog, backup, keys, level, options, clock, readCodecs());
  }

  /**
   * Verifies {@code backup} at {@code level} without recording the result (a check that must not
   * change what retention keeps).
   *
   * @throws IOException if the check cannot run
   */
  public VerificationResult check(BackupRecord backup, VerificationLevel level) throws IOException {
    requireNonNull(backup, "backup");
    return Verifier.verify(
        catalog.sink(), backup.manifest(), keys, level, Map.of(), clock, readCodecs());
  }

  /**
   * Restores the backup {@code spec} names into {@code target}, which is committed only after every
   * checksum matched.
   *
   * @return how long the restore took
   * @throws BackupNotFoundException if there is no such backup
   * @throws IntegrityException if the backup is damaged or the key is wrong; the target is not
   *     committed
   * @throws IOException if the sink, a codec or the target fails; the target is not committed
   */
  public Duration restore(String spec, RestoreTarget target) throws IOException {
    return restore(resolve(spec), target);
  }

  /**
   * Restores the backup {@code spec} names into the target {@code uri} names ({@code
   * file:///srv/restored}, {@code postgresql://host/db}), found through {@link
   * io.biowerk.dr.core.RestoreTargetProvider}; a non-empty target is refused.
   *
   * @return how long the restore took
   * @throws io.biowerk.dr.core.TargetNotEmptyException if the target holds data
   * @throws IOException as {@link #restore(String, RestoreTarget)}
   */
  public Duration restore(String spec, URI target) throws IOException {
    return restore(resolve(spec), Sources.targetForUri(target, false));
  }

  /**
   * Restores {@code backup} into {@code target}.
   *
   * @return how long the restore took
   * @throws IntegrityException if the backup is damaged or the key is wrong; the target is not
   *     committed
   * @throws IOException if the sink, a codec or the target fails; the target is not committed
   */
  public Duration restore(BackupRecord backup, RestoreTarget target) throws IOException {
    requireNonNull(backup, "backup");
    requireNonNull(target, "target");
    return RestoreJob.of(catalog.sink(), backup.manifest(), keys, target)
        .codecs(readCodecs())
        .listener(listener)
        .progressInterval(progressInterval)
        .run();
  }

  /**
   * Plans retention of {@code source}'s backups in the primary sink under the repository's policy,
   * with the safety rules on top; nothing is deleted. Printing the plan is the dry run.
   *
   * @throws IOException if the sink cannot be read
   */
  public RetentionPlan plan(String source) throws IOException {
    return Retention.plan(catalog, source, retention, clock.instant());
  }

  /**
   * Applies {@code plan} (from {@link #plan}) to the primary sink.
   *
   * @throws IOException if an object cannot be copied or deleted; applying again finishes the rest
   */
  public ApplyResult apply(RetentionPlan plan) throws IOException {
    return Retention.apply(catalog, catalog.sink(), plan);
  }

  /**
   * Plans and applies retention of {@code source}'s backups in every sink, each from what that sink
   * holds.
   *
   * @return one result per sink, in sink order (the primary first)
   * @throws IOException if a sink cannot be read, or an object cannot be copied or deleted; sinks
   *     before the failing one stay pruned, and pruning again finishes the rest
   */
  public List<ApplyResult> prune(String source) throws IOException {
    List<ApplyResult> results = new ArrayList<>();
    for (Sink sink : sinks) {
      Catalog c = sink == catalog.sink() ? catalog : Catalog.of(sink).withClock(clock);
      results.add(Retention.apply(c, sink, Retention.plan(c, source, retention, clock.instant())));
    }
    return results;
  }

  /**
   * Closes the sinks the repository opened from paths or URIs; sinks passed in as objects stay
   * open. Idempotent; the first failure is thrown, later ones are suppressed.
   *
   * @throws IOException if a sink fails to close
   */
  @Override
  public void close() throws IOException {
    IOException first = null;
    for (Sink sink : owned) {
      try {
        sink.close();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /**
   * The repository as a pipeline: {@code zstd(3) -> aes-256-gcm -> file:///var/backups, s3://b}.
   * Keys never appear.
   */
  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    if (compression != null) {
      parts.add(compression.toString());
    }
    if (encrypt) {
      parts.add("aes-256-gcm");
    }
    parts.add(String.join(", ", sinks.stream().map(Object::toString).toList()));
    return "repository " + String.join(" -> ", parts);
  }
}
