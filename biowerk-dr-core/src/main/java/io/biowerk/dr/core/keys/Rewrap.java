package io.biowerk.dr.core.keys;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.CodecSpec;
import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.StoredObject;
import io.biowerk.dr.core.WrappingKey;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.KeyWrap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Re-wraps the data keys of a repository's format-2 backups and archived WAL/oplog segments ({@code
 * <source>/<log>/<segment>.manifest.json}) to one master key (a key file's, or one held by a key
 * service), so that older master keys can be retired. Only manifests are rewritten; no data object
 * is read beyond its first segment or written at all.
 *
 * <p>For each backup whose data key is wrapped to a master or service key other than the target:
 * the data key is unwrapped with whichever of its keys the ring has, wrapped to the target, checked
 * by decrypting the first segment of the data object with the new wrap alone, and then the manifest
 * is replaced twice: first with the new wrap <em>added next to</em> the old ones, then without the
 * old master-key and service-key wraps. Each replacement is one atomic sink write, so a crash at
 * any point leaves every manifest with the old wraps, both, or the new one: restorable with the old
 * key or the new. Public- key (X25519) wraps are kept as they are. Running it again finishes what a
 * crash left, so it is resumable by design: work done is recorded in the manifests themselves.
 *
 * <p>Not thread-safe; one instance per run.
 */
public final class Rewrap {

  /**
   * What a run did. {@code bytesWritten} counts manifest bytes, the only bytes it writes. {@code
   * backups}, {@code rewrapped}, {@code current}, {@code formatOne} and {@code withoutKey} count
   * backups and log segments together; {@code segments} and {@code segmentsRewrapped} count the log
   * segments among them. {@code formatOneIds} names backups by id and segments by manifest key.
   */
  public record Outcome(
      int backups,
      int rewrapped,
      int current,
      int formatOne,
      int withoutKey,
      long bytesRead,
      long bytesWritten,
      List<String> formatOneIds,
      int segments,
      int segmentsRewrapped) {}

  /**
   * A manifest and the key it is stored under: a backup's is {@link BackupManifest#manifestKey()},
   * a log segment's is {@code <source>/<log>/<segment>.manifest.json}.
   *
   * @param label the backup id, or the segment's manifest key
   */
  public record Stored(BackupManifest manifest, String key, String label, boolean segment) {}

  /** Wraps a data key to the target: a master key, or a key held by a service. */
  private interface Wrapper {
    String wrap(byte[] dataKey) throws IOException;
  }

  private final Sink sink;
  private final KeyRing ring;
  private final String targetId;
  private final Wrapper wrapper;
  private final KeyProvider only;
  private Consumer<String> progress = line -> {};
  private long bytesRead;
  private long bytesWritten;

  private Rewrap(Sink sink, KeyRing ring, String targetId, Wrapper wrapper, KeyProvider only) {
    this.sink = requireNonNull(sink, "sink");
    this.ring = requireNonNull(ring, "ring");
    this.targetId = targetId;
    this.wrapper = wrapper;
    this.only = only;
  }

  /** A run over {@code sink} that re-wraps to {@code target}, unwrapping with {@code ring}. */
  public static Rewrap of(Sink sink, KeyRing ring, MasterKey target) {
    requireNonNull(target, "target");
    return new Rewrap(
        sink,
        ring,
        target.id(),
        dataKey -> KeyWrap.wrapWithMaster(target, dataKey),
        new SingleKey(target));
  }

  /**
   * A run over {@code sink} that re-wraps to {@code target}, a key held by a service (an HSM, a
   * KMS, Vault), unwrapping with {@code ring}; so backups wrapped to file keys move into the
   * service (and, with a file key as target, back out of it).
   */
  public static Rewrap of(Sink sink, KeyRing ring, WrappingKey target) {
    requireNonNull(target, "target");
    return new Rewrap(sink, ring, target.id(), target::wrap, new SingleServiceKey(target));
  }

  /** Receives one line per backup re-wrapped ({@code "rewrapped 3/120 postgres_...: k1 -> k2"}). */
  public Rewrap progress(Consumer<String> listener) {
    this.progress = requireNonNull(listener, "listener");
    return this;
  }

  /**
   * Whether {@code manifest} needs re-wrapping to {@code targetId}: it is format 2 and wrapped to a
   * master key or a service's key other than the target (public-key recipients do not count).
   */
  public static boolean needsRewrap(BackupManifest manifest, String targetId) {
    Optional<CodecSpec> enc = encryption(manifest);
    if (enc.isEmpty() || !EnvelopeCodec.isFormat2(enc.get().parameters())) {
      return false;
    }
    for (Map.Entry<String, String> wrap : EnvelopeCodec.wraps(enc.get().parameters()).entrySet()) {
      if (!KeyWrap.type(wrap.getValue()).equals(KeyWrap.X25519)
          && !wrap.getKey().equals(targetId)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The key ids a backup cannot be decrypted without one of: its wraps (format 2) or its key id
   * (format 1). Empty for an unencrypted backup.
   */
  public static List<String> keysOf(BackupManifest manifest) {
    Optional<CodecSpec> enc = encryption(manifest);
    if (enc.isEmpty()) {
      return List.of();
    }
    if (EnvelopeCodec.isFormat2(enc.get().parameters())) {
      return new ArrayList<>(EnvelopeCodec.wraps(enc.get().parameters()).keySet());
    }
    return manifest.keyId().map(List::of).orElse(List.of());
  }

  /** Whether the backup is in container format 1 (its key bound into the data object). */
  public static boolean isFormatOne(BackupManifest manifest) {
    Optional<CodecSpec> enc = encryption(manifest);
    return enc.isPresent() && !EnvelopeCodec.isFormat2(enc.get().parameters());
  }

  static Optional<CodecSpec> encryption(BackupManifest manifest) {
    return manifest.codecs().stream().filter(c -> c.id().equals(EncryptionCodec.ID)).findFirst();
  }

  /**
   * Re-wraps every backup that needs it.
   *
   * @throws io.biowerk.dr.core.KeyNotFoundException if a backup's wraps name no key of the ring
   * @throws io.biowerk.dr.core.WrongKeyException if a wrap, or the first segment with the new wrap,
   *     does not open: that backup's manifest is left as it was
   * @throws IOException if the sink cannot be listed, read or written
   */
  public Outcome run() throws IOException {
    List<Stored> all = everything(sink);
    List<Stored> todo = new ArrayList<>();
    List<String> formatOne = new ArrayList<>();
    int current = 0;
    int withoutKey = 0;
    int segments = 0;
    for (Stored stored : all) {
      BackupManifest manifest = stored.manifest();
      if (stored.segment()) {
        segments++;
      }
      if (needsRewrap(manifest, targetId)) {
        todo.add(stored);
      } else if (isFormatOne(manifest)) {
        formatOne.add(stored.label());
      } else if (encryption(manifest).isPresent()) {
        current++;
      } else {
        withoutKey++;
      }
    }
    int done = 0;
    int segmentsDone = 0;
    for (Stored stored : todo) {
      String before = String.join(",", new TreeSet<>(keysOf(stored.manifest())));
      rewrap(stored);
      done++;
      if (stored.segment()) {
        segmentsDone++;
      }
      progress.accept(
          "rewrapped "
              + done
              + "/"
              + todo.size()
              + " "
              + stored.label()
              + ": "
              + before
              + " -> "
              + targetId);
    }
    return new Outcome(
        all.size(),
        done,
        current,
        formatOne.size(),
        withoutKey,
        bytesRead,
        bytesWritten,
        List.copyOf(formatOne),
        segments,
        segmentsDone);
  }

  /**
   * Every backup of {@code sink} (as {@link Catalog#list()} sees them) followed by every archived
   * log segment of every source, in key order. One listing of the sink for the segments.
   *
   * @throws io.biowerk.dr.core.CorruptManifestException if a segment's manifest is unreadable
   * @throws IOException if the sink cannot be listed or read
   */
  public static List<Stored> everything(Sink sink) throws IOException {
    List<Stored> all = new ArrayList<>();
    for (BackupRecord record : Catalog.of(sink).list()) {
      BackupManifest manifest = record.manifest();
      all.add(new Stored(manifest, manifest.manifestKey(), manifest.id(), false));
    }
    all.addAll(logSegments(sink));
    return all;
  }

  /**
   * The manifests of every archived log segment in {@code sink}: objects {@code
   * <source>/<log>/<segment>.manifest.json} for the logs {@code wal} and {@code oplog}, in key
   * order.
   *
   * @throws io.biowerk.dr.core.CorruptManifestException if a segment's manifest is unreadable
   * @throws IOException if the sink cannot be listed or read
   */
  public static List<Stored> logSegments(Sink sink) throws IOException {
    Set<String> logs = Set.of(BackupLayout.WAL, BackupLayout.OPLOG);
    List<String> keys = new ArrayList<>();
    for (StoredObject object : sink.list("")) {
      String key = object.key();
      if (!key.endsWith(BackupManifest.MANIFEST_SUFFIX)) {
        continue;
      }
      String[] parts = key.split("/", -1);
      if (parts.length == 3 && logs.contains(parts[1])) {
        keys.add(key);
      }
    }
    keys.sort(null);
    List<Stored> segments = new ArrayList<>();
    for (String key : keys) {
      segments.add(new Stored(Manifests.parse(sink.get(key), key), key, key, true));
    }
    return segments;
  }

  private void rewrap(Stored stored) throws IOException {
    BackupManifest manifest = stored.manifest();
    CodecSpec enc = encryption(manifest).orElseThrow();
    Map<String, String> wraps = EnvelopeCodec.wraps(enc.parameters());
    byte[] dataKey = EnvelopeCodec.openDataKey(wraps, ring);
    try {
      String stanza = wrapper.wrap(dataKey);
      Map<String, String> kept = new LinkedHashMap<>();
      kept.put(targetId, stanza);
      wraps.forEach(
          (id, wrap) -> {
            if (KeyWrap.type(wrap).equals(KeyWrap.X25519) && !id.equals(targetId)) {
              kept.put(id, wrap);
            }
          });
      checkFirstSegment(manifest, enc, kept);
      Map<String, String> both = new LinkedHashMap<>(wraps);
      both.put(targetId, stanza);
      put(stored.key(), withWraps(manifest, enc, both));
      put(stored.key(), withWraps(manifest, enc, kept));
    } finally {
      Arrays.fill(dataKey, (byte) 0);
    }
  }

  /** Opens the data object with {@code wraps} and the target alone, through its first segment. */
  private void checkFirstSegment(BackupManifest manifest, CodecSpec enc, Map<String, String> wraps)
      throws IOException {
    KeyRing only = KeyRing.of(this.only);
    Map<String, String> parameters = EnvelopeCodec.withWraps(enc.parameters(), wraps, targetId);
    try (ReadableByteChannel stored = sink.openRead(manifest.dataKey());
        ReadableByteChannel plain =
            EnvelopeCodec.decryptingWith(parameters, only).decode(counting(stored))) {
      // One byte is enough: the decryptor authenticates the whole first segment to hand it out.
      plain.read(ByteBuffer.allocate(1));
    }
  }

  private ReadableByteChannel counting(ReadableByteChannel in) {
    return new ReadableByteChannel() {
      @Override
      public int read(ByteBuffer dst) throws IOException {
        int n = in.read(dst);
        if (n > 0) {
          bytesRead += n;
        }
        return n;
      }

      @Override
      public boolean isOpen() {
        return in.isOpen();
      }

      @Override
      public void close() throws IOException {
        in.close();
      }
    };
  }

  private void put(String key, BackupManifest manifest) throws IOException {
    byte[] json = Manifests.toJson(manifest);
    sink.put(key, json);
    bytesWritten += json.length;
  }

  private BackupManifest withWraps(
      BackupManifest manifest, CodecSpec enc, Map<String, String> wraps) {
    String primary = wraps.containsKey(targetId) ? targetId : wraps.keySet().iterator().next();
    List<CodecSpec> codecs = new ArrayList<>();
    for (CodecSpec codec : manifest.codecs()) {
      codecs.add(
          codec.equals(enc)
              ? new CodecSpec(
                  codec.id(), EnvelopeCodec.withWraps(codec.parameters(), wraps, primary))
              : codec);
    }
    return new BackupManifest(
        manifest.id(),
        manifest.sourceKind(),
        manifest.sourceName(),
        manifest.sourceUri(),
        manifest.format(),
        manifest.startedAt(),
        manifest.finishedAt(),
        codecs,
        Optional.of(primary),
        manifest.rawSize(),
        manifest.storedSize(),
        manifest.rawSha256(),
        manifest.storedSha256(),
        manifest.dataKey(),
        manifest.facts(),
        // The authentication code covers neither key ids nor wraps, and the data key is unchanged.
        manifest.mac());
  }

  /** A provider of exactly one service key, to prove the new wrap opens without any other. */
  private record SingleServiceKey(WrappingKey key) implements KeyProvider {
    @Override
    public Optional<MasterKey> key(String id) {
      return Optional.empty();
    }

    @Override
    public Optional<String> activeKeyId() {
      return Optional.of(key.id());
    }

    @Override
    public java.util.Set<String> keyIds() {
      return java.util.Set.of(key.id());
    }

    @Override
    public Optional<WrappingKey> wrappingKey(String id) {
      return Optional.ofNullable(key.id().equals(id) ? key : null);
    }

    @Override
    public String toString() {
      return "SingleServiceKey[" + key.id() + "]";
    }
  }

  /** A provider of exactly one key, to prove the new wrap opens without any other. */
  private record SingleKey(MasterKey key) implements io.biowerk.dr.core.KeyProvider {
    @Override
    public Optional<MasterKey> key(String id) {
      return Optional.ofNullable(key.id().equals(id) ? key : null);
    }

    @Override
    public Optional<String> activeKeyId() {
      return Optional.of(key.id());
    }

    @Override
    public java.util.Set<String> keyIds() {
      return java.util.Set.of(key.id());
    }

    @Override
    public String toString() {
      return "SingleKey[" + key.id() + "]";
    }
  }
}
