package io.biowerk.dr.core.log;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupReader;
import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.CodecSpec;
import io.biowerk.dr.core.Codecs;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.StoredObject;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.ManifestAuthentication;
import io.biowerk.dr.core.codec.Recipient;
import io.biowerk.dr.core.codec.Sha256;
import io.biowerk.dr.core.internal.ByteChannels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The segments of one database's log in a repository: {@code <source>/<log>/<segment>.<codec ids>}
 * with a manifest {@code <source>/<log>/<segment>.manifest.json} each (the backup manifest's
 * format: codec chain, sizes, SHA-256 of the raw and the stored bytes, and the segment's first and
 * last position and time). The manifest is written after the data, as the commit point; a segment
 * without one is not in the archive.
 *
 * <p>Each segment is compressed, encrypted and checksummed by the codec chain given, like a backup.
 * With {@link #encryptingTo(List)} each segment is encrypted in container format 2 with a data key
 * of its own, wrapped to the recipients (usually the active master key), so {@code keys rewrap} can
 * re-wrap segments without rewriting them; segments stored in format 1 stay readable. Pushing is
 * idempotent: the same bytes under the same name again do nothing (databases retry {@code
 * archive_command}), different bytes are refused with a {@link LogConflictException}. Fetching
 * checks both checksums before the destination file appears. Immutable and thread-safe; the sink is
 * the caller's.
 */
public final class LogArchive {

  private final Sink sink;
  private final String source;
  private final String log;
  private final List<Codec> codecs;
  private final List<Recipient> recipients;
  private final KeyRing keys;
  private final Clock clock;

  private LogArchive(
      Sink sink,
      String source,
      String log,
      List<Codec> codecs,
      List<Recipient> recipients,
      KeyRing keys,
      Clock clock) {
    this.sink = sink;
    this.source = source;
    this.log = log;
    this.codecs = codecs;
    this.recipients = recipients;
    this.keys = keys;
    this.clock = clock;
  }

  /**
   * The archive of {@code log} for {@code source} in {@code sink}.
   *
   * @param codecs the chain new segments are encoded with (compress before encrypt); reading uses
   *     each segment's own chain
   * @param keys the keys that decrypt segments
   */
  public static LogArchive of(
      Sink sink, String source, String log, List<? extends Codec> codecs, KeyRing keys) {
    requireNonNull(sink, "sink");
    BackupLayout.checkSourceName(source);
    checkArgument(
        log != null && log.matches("[a-z]{1,16}"),
        "log name (%s) must be 1-16 lower-case letters",
        log);
    return new LogArchive(
        sink,
        source,
        log,
        List.copyOf(codecs),
        List.of(),
        requireNonNull(keys, "keys"),
        Clock.systemUTC());
  }

  /** The same archive reading the time from {@code clock}. */
  public LogArchive withClock(Clock clock) {
    return new LogArchive(
        sink, source, log, codecs, recipients, keys, requireNonNull(clock, "clock"));
  }

  /**
   * The same archive encrypting each new segment in container format 2: after the codecs given to
   * {@link #of}, an {@link EnvelopeCodec} with a fresh random data key per segment, wrapped to each
   * of {@code recipients}. The codecs given to {@link #of} must then not encrypt.
   *
   * @throws IllegalArgumentException if {@code recipients} is empty or the codecs already encrypt
   */
  public LogArchive encryptingTo(List<Recipient> recipients) {
    checkArgument(!recipients.isEmpty(), "log archive: at least one recipient is needed");
    checkArgument(
        codecs.stream().noneMatch(c -> c.id().equals(EncryptionCodec.ID)),
        "log archive: the codecs (%s) already encrypt; give recipients or an encrypting codec,"
            + " not both",
        codecs.stream().map(Codec::id).toList());
    return new LogArchive(sink, source, log, codecs, List.copyOf(recipients), keys, clock);
  }

  /** The source name. */
  public String source() {
    return source;
  }

  /** The log name ({@code wal}, {@code oplog}). */
  public String log() {
    return log;
  }

  /** The sink the segments are in. */
  public Sink sink() {
    return sink;
  }

  /** The folder the segments are stored in: {@code <source>/<log>/}. */
  public String prefix() {
    return source + "/" + log + "/";
  }

  /** What {@link #push} did. */
  public enum PushResult {
    /** The segment was stored. */
    STORED,
    /** The archive already held the same bytes under that name; nothing was written. */
    ALREADY_STORED
  }

  /**
   * Stores one segment unless the archive already holds it.
   *
   * @return whether it was stored or already there with the same bytes
   * @throws LogConflictException if the archive holds different bytes under that name; nothing is
   *     written
   * @throws IOException if the file cannot be read or the sink written; nothing is then in the
   *     archive
   */
  public PushResult push(LogSegmentInfo info, Path file) throws IOException {
    String rawSha = sha256(file);
    Optional<LogSegment> existing = segment(info.name());
    if (existing.isPresent()) {
      String stored = existing.get().manifest().rawSha256();
      if (stored.equals(rawSha)) {
        return PushResult.ALREADY_STORED;
      }
      throw new LogConflictException(
          log
              + " archive: "
              + prefix()
              + info.name()
              + " is already stored with"
              + " different bytes (SHA-256 "
              + stored
              + ", pushed "
              + rawSha
              + "); another server may be archiving"
              + " into the same source: give each cluster its own source name (?name=...), or remove the stored"
              + " segment if it is known to be wrong",
          info.name(),
          stored,
          rawSha);
    }
    store(info, file);
    return PushResult.STORED;
  }

  /**
   * Stores one segment, replacing one of the same name: for a partial segment a receiver stores
   * again as it grows.
   *
   * @throws IOException if the file cannot be read or the sink written
   */
  public void replace(LogSegmentInfo info, Path file) throws IOException {
    store(info, file);
  }

  /** The codec chain of one new segment: with a fresh data key when encrypting to recipients. */
  private List<Codec> chain() throws IOException {
    if (recipients.isEmpty()) {
      return codecs;
    }
    List<Codec> chain = new ArrayList<>(codecs);
    chain.add(EnvelopeCodec.encryptingTo(recipients));
    return chain;
  }

  private void store(LogSegmentInfo info, Path file) throws IOException {
    store(info, file, 0, Long.MAX_VALUE);
  }

  /**
   * Stores bytes {@code [from, to)} of {@code file} as a piece of {@code info.name()} (a segment a
   * receiver is still writing), named {@code <name>.<from>-<to>} with both offsets as 8 hex digits:
   * an ordinary stored object with its own manifest and checksums, so listing, copying,
   * re-wrapping, verifying and pruning treat it as any segment. {@link #fetch} of {@code <name>},
   * when the archive holds no object of that name, lays the pieces down at their offsets in a file
   * of {@code size} bytes (zero-filled beyond them). Pieces may overlap (a receiver that restarts
   * sends the segment again from its start); the bytes at one offset are the same in every piece.
   * Storing a piece costs what it holds, not the whole segment.
   *
   * @return the piece's name
   * @throws IOException if the file cannot be read or the sink written; nothing is then stored
   */
  public String storePiece(LogSegmentInfo info, Path file, long from, long to, long size)
      throws IOException {
    checkArgument(
        from >= 0 && from < to && to <= size && size <= 0xFFFFFFFFL,
        "piece [%s, %s) of %s bytes",
        from,
        to,
        size);
    String piece = pieceName(info.name(), from, to);
    Map<String, Object> facts = new LinkedHashMap<>(info.facts());
    facts.put(PIECE_OF, info.name());
    facts.put(PIECE_OFFSET, from);
    facts.put(PIECE_FILE_SIZE, size);
    store(
        new LogSegmentInfo(
            piece,
            info.firstPosition(),
            info.lastPosition(),
            info.firstTime(),
            info.lastTime(),
            facts),
        file,
        from,
        to);
    return piece;
  }

  /** The manifest fact naming the whole a piece belongs to. */
  static final String PIECE_OF = "pieceOf";

  /** The manifest fact giving a piece's offset in the whole. */
  static final String PIECE_OFFSET = "pieceOffset";

  /** The manifest fact giving the size of the file the pieces are laid down in. */
  static final String PIECE_FILE_SIZE = "pieceFileSize";

  private static final java.util.regex.Pattern PIECE_RANGE =
      java.util.regex.Pattern.compile("([0-9a-f]{8})-([0-9a-f]{8})");

  /** The name of the piece of {@code name} holding bytes {@code [from, to)}. */
  public static String pieceName(String name, long from, long to) {
    return String.format(java.util.Locale.ROOT, "%s.%08x-%08x", name, from, to);
  }

  /**
   * The byte range {@code [from, to)} that piece {@code piece} of {@code name} holds, or empty when
   * {@code piece} is no piece of {@code name}.
   */
  public static Optional<long[]> pieceRange(String name, String piece) {
    if (!piece.startsWith(name + ".")) {
      return Optional.empty();
    }
    java.util.regex.Matcher m = PIECE_RANGE.matcher(piece.substring(name.length() + 1));
    if (!m.matches()) {
      return Optional.empty();
    }
    long from = Long.parseLong(m.group(1), 16);
    long to = Long.parseLong(m.group(2), 16);
    return from < to ? Optional.of(new long[] {from, to}) : Optional.empty();
  }

  /**
   * The pieces of {@code name} among {@code names} that lay down its bytes from offset 0 without a
   * gap, in the order to write them (a piece wholly inside what earlier ones cover is left out;
   * pieces after a gap are too, as the bytes before them are unknown).
   */
  public static List<String> contiguousPieces(String name, List<String> names) {
    List<Map.Entry<String, long[]>> pieces = new ArrayList<>();
    for (String n : names) {
      pieceRange(name, n).ifPresent(r -> pieces.add(Map.entry(n, r)));
    }
    // by offset, then the longest first
    pieces.sort(
        (a, b) ->
            a.getValue()[0] != b.getValue()[0]
                ? Long.compare(a.getValue()[0], b.getValue()[0])
                : Long.compare(b.getValue()[1], a.getValue()[1]));
    List<String> chain = new ArrayList<>();
    long covered = 0;
    for (Map.Entry<String, long[]> p : pieces) {
      long[] r = p.getValue();
      if (r[0] > covered) {
        break;
      }
      if (r[1] > covered) {
        chain.add(p.getKey());
        covered = r[1];
      }
    }
    return chain;
  }

  /**
   * The end of the bytes of {@code name} its pieces among {@code names} cover from offset 0 without
   * a gap (0 when there is no such piece).
   */
  public static long piecesCover(String name, List<String> names) {
    List<String> chain = contiguousPieces(name, names);
    return chain.isEmpty() ? 0 : pieceRange(name, chain.get(chain.size() - 1)).orElseThrow()[1];
  }

  /**
   * The names of the stored pieces of {@code name}, sorted: one listing of their common prefix.
   *
   * @throws IOException if the sink cannot be listed
   */
  public List<String> pieces(String name) throws IOException {
    List<String> pieces = new ArrayList<>();
    String prefix = prefix() + checkName(name) + ".";
    for (StoredObject object : sink.list(prefix)) {
      String key = object.key();
      if (key.endsWith(BackupManifest.MANIFEST_SUFFIX)) {
        String n =
            key.substring(
                prefix().length(), key.length() - BackupManifest.MANIFEST_SUFFIX.length());
        if (pieceRange(name, n).isPresent()) {
          pieces.add(n);
        }
      }
    }
    pieces.sort(null);
    return pieces;
  }

  /**
   * Lays the pieces of {@code name} down in a file like {@link #fetch}: at their offsets, each
   * decoded with both checksums checked, zero-filled up to the size the pieces record.
   *
   * @return false if the archive holds no piece of {@code name} starting at offset 0
   */
  private boolean fetchPieces(String name, Path destination) throws IOException {
    List<String> chain = contiguousPieces(name, pieces(name));
    if (chain.isEmpty()) {
      return false;
    }
    return writeAtomically(
        destination,
        out -> {
          long size = 0;
          ByteBuffer buffer = ByteBuffer.allocateDirect(ByteChannels.BUFFER_SIZE);
          for (String piece : chain) {
            Optional<LogSegment> segment = segment(piece);
            if (segment.isEmpty()) {
              // pruned or replaced by the complete segment since the listing
              return false;
            }
            BackupManifest manifest = segment.get().manifest();
            long at = pieceRange(name, piece).orElseThrow()[0];
            size = Math.max(size, ((Number) manifest.facts().get(PIECE_FILE_SIZE)).longValue());
            try (ReadableByteChannel in = BackupReader.openDecoded(sink, manifest, keys)) {
              while (in.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                  at += out.write(buffer, at);
                }
                buffer.clear();
              }
            }
          }
          if (out.size() < size) {
            out.write(ByteBuffer.allocate(1), size - 1);
          }
          return true;
        });
  }

  /** Fills a file; false when what it was to write is gone, and the file is then discarded. */
  @FunctionalInterface
  private interface FileFill {
    boolean fill(FileChannel out) throws IOException;
  }

  /**
   * Writes {@code destination} through a temp file beside it, synced and then renamed over it, so a
   * reader (PostgreSQL's recovery) never sees a partial file; nothing is left behind when {@code
   * fill} returns false or throws.
   */
  private static boolean writeAtomically(Path destination, FileFill fill) throws IOException {
    Path parent = destination.toAbsolutePath().getParent();
    Path temp = Files.createTempFile(parent, "." + destination.getFileName() + ".", ".tmp");
    boolean done = false;
    try {
      try (FileChannel out =
          FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        if (!fill.fill(out)) {
          return false;
        }
        out.force(true);
      }
      Files.move(
          temp, destination, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      done = true;
      return true;
    } finally {
      if (!done) {
        Files.deleteIfExists(temp);
      }
    }
  }

  private void store(LogSegmentInfo info, Path file, long from, long to) throws IOException {
    Instant started = clock.instant();
    List<Codec> chain = chain();
    String dataKey = dataKey(info.name(), chain);
    long rawSize;
    String rawSha;
    long storedSize;
    String storedSha;
    try (PendingWrite out = sink.openWrite(dataKey);
        FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      Sha256.Writing stored = Sha256.writing(new Unclosed(out));
      WritableByteChannel encoded = Codecs.encode(chain, stored);
      Sha256.Writing raw = Sha256.writing(encoded);
      ByteBuffer buffer = ByteBuffer.allocateDirect(ByteChannels.BUFFER_SIZE);
      long at = from;
      while (at < to) {
        buffer.limit((int) Math.min(buffer.capacity(), to - at));
        int n = in.read(buffer, at);
        if (n < 0) {
          break;
        }
        at += n;
        buffer.flip();
        ByteChannels.writeFully(raw, buffer);
        buffer.clear();
      }
      raw.close(); // finishes every codec's stream; Unclosed keeps the pending write open for the
      // commit
      rawSize = raw.count();
      rawSha = raw.hex();
      storedSize = stored.count();
      storedSha = stored.hex();
      out.commit();
    }
    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put("log", log);
    facts.put(LogSegment.FIRST_POSITION, info.firstPosition());
    facts.put(LogSegment.LAST_POSITION, info.lastPosition());
    info.firstTime().ifPresent(t -> facts.put(LogSegment.FIRST_TIME, t.toString()));
    info.lastTime().ifPresent(t -> facts.put(LogSegment.LAST_TIME, t.toString()));
    facts.putAll(info.facts());
    BackupManifest manifest =
        new BackupManifest(
            info.name(),
            log,
            source,
            "log:" + prefix(),
            log,
            started,
            clock.instant(),
            chain.stream().map(CodecSpec::of).toList(),
            Codecs.keyId(chain),
            rawSize,
            storedSize,
            rawSha,
            storedSha,
            dataKey,
            facts);
    manifest = ManifestAuthentication.sign(manifest, chain);
    sink.put(manifestKey(info.name()), Manifests.toJson(manifest));
  }

  /**
   * The stored segment named {@code name}, if the archive holds it.
   *
   * @throws io.biowerk.dr.core.CorruptManifestException if its manifest is unreadable
   * @throws IOException if the sink cannot be read
   */
  public Optional<LogSegment> segment(String name) throws IOException {
    String key = manifestKey(name);
    byte[] json;
    try {
      json = sink.get(key);
    } catch (ObjectNotFoundException e) {
      return Optional.empty();
    }
    return Optional.of(new LogSegment(Manifests.parse(json, key)));
  }

  /**
   * The names of every stored segment, sorted. One listing; no manifest is read.
   *
   * @throws IOException if the sink cannot be listed
   */
  public List<String> names() throws IOException {
    List<String> names = new ArrayList<>();
    String prefix = prefix();
    for (StoredObject object : sink.list(prefix)) {
      String key = object.key();
      if (key.endsWith(BackupManifest.MANIFEST_SUFFIX) && key.indexOf('/', prefix.length()) < 0) {
        names.add(
            key.substring(prefix.length(), key.length() - BackupManifest.MANIFEST_SUFFIX.length()));
      }
    }
    names.sort(null);
    return names;
  }

  /**
   * Fetches one segment into {@code destination}: decoded, both checksums checked, written to a
   * temporary file beside it, synced and renamed into place, so the destination appears only
   * complete and intact.
   *
   * <p>When the archive holds no object named {@code name} but holds its pieces (see {@link
   * #storePiece}), they are laid down instead.
   *
   * @return false if the archive does not hold the segment nor its pieces (nothing is written)
   * @throws io.biowerk.dr.core.IntegrityException if the stored segment is damaged or the key is
   *     wrong
   * @throws IOException if the sink cannot be read or the destination written
   */
  public boolean fetch(String name, Path destination) throws IOException {
    Optional<LogSegment> segment = segment(name);
    if (segment.isEmpty()) {
      return fetchPieces(name, destination);
    }
    BackupManifest manifest = segment.get().manifest();
    return writeAtomically(
        destination,
        out -> {
          try (ReadableByteChannel in = BackupReader.openDecoded(sink, manifest, keys)) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(ByteChannels.BUFFER_SIZE);
            while (in.read(buffer) >= 0) {
              buffer.flip();
              ByteChannels.writeFully(out, buffer);
              buffer.clear();
            }
          }
          return true;
        });
  }

  /**
   * Removes a segment: its manifest first, so it leaves the archive before its data goes.
   *
   * @throws IOException if the sink refuses
   */
  public void delete(String name) throws IOException {
    Optional<LogSegment> segment = segment(name);
    sink.delete(manifestKey(name));
    if (segment.isPresent()) {
      sink.delete(segment.get().manifest().dataKey());
    }
  }

  /** The key of the manifest of segment {@code name}. */
  public String manifestKey(String name) {
    return prefix() + checkName(name) + BackupManifest.MANIFEST_SUFFIX;
  }

  private String dataKey(String name, List<Codec> chain) {
    StringBuilder key = new StringBuilder(prefix()).append(checkName(name));
    for (Codec codec : chain) {
      key.append('.').append(codec.id());
    }
    return key.toString();
  }

  private static String checkName(String name) {
    checkArgument(
        name != null && name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,200}") && !name.contains(".."),
        "segment name (%s) must be a plain file name",
        name);
    return name;
  }

  private static String sha256(Path file) throws IOException {
    try (Sha256.Reading in = Sha256.reading(FileChannel.open(file, StandardOpenOption.READ))) {
      ByteBuffer buffer = ByteBuffer.allocateDirect(ByteChannels.BUFFER_SIZE);
      while (in.read(buffer) >= 0) {
        buffer.clear();
      }
      return in.hex();
    }
  }

  @Override
  public String toString() {
    return sink
        + "/"
        + prefix()
        + " "
        + codecs.stream().map(Codec::id).toList()
        + (recipients.isEmpty() ? "" : " enc format 2");
  }

  /**
   * Passes writes through and leaves the pending write open when the codec chain closes, so it can
   * commit.
   */
  private static final class Unclosed implements WritableByteChannel {
    private final WritableByteChannel out;
    private boolean open = true;

    Unclosed(WritableByteChannel out) {
      this.out = out;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      return out.write(src);
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() {
      open = false;
    }
  }
}
