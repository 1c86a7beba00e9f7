package io.biowerk.dr.core;

import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.ManifestAuthentication;
import io.biowerk.dr.core.codec.Sha256;
import io.biowerk.dr.core.internal.ByteChannels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Reads backups back: the stored bytes checked against the manifest, or the decoded bytes checked
 * while they stream. Every check names the backup and says what to do.
 */
public final class BackupReader {

  private BackupReader() {}

  /**
   * Streams the stored bytes of a backup and checks their size and SHA-256 against the manifest;
   * needs no key.
   *
   * <p>The {@code .sha256} side file, when there is one, must agree with the manifest: an operator
   * checks the stored bytes with {@code sha256sum -c} against it, so a side file that disagrees is
   * damage, not a detail.
   *
   * @throws IntegrityException if they differ, or the side file disagrees with the manifest
   * @throws ObjectNotFoundException if the data object is missing
   * @throws IOException if the sink cannot be read
   */
  public static void checkStored(Sink sink, BackupManifest manifest) throws IOException {
    checkStored(sink, manifest, count -> {});
  }

  /**
   * As {@link #checkStored(Sink, BackupManifest)}, telling {@code readSoFar} the stored bytes read
   * after every buffer (a restore's {@code CHECK} progress).
   */
  static void checkStored(Sink sink, BackupManifest manifest, LongConsumer readSoFar)
      throws IOException {
    checkSideFile(sink, manifest);
    try (Sha256.Reading in = Sha256.reading(sink.openRead(manifest.dataKey()))) {
      ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
      while (in.read(buffer) >= 0) {
        buffer.clear();
        readSoFar.accept(in.count());
      }
      check(
          manifest, "stored", manifest.storedSize(), in.count(), manifest.storedSha256(), in.hex());
    }
  }

  /**
   * Checks that the {@code sha256sum}-format side file of {@code manifest}, if it exists, names the
   * manifest's stored SHA-256 and data file: {@code <hex> <file name>}.
   *
   * @throws IntegrityException if it disagrees with the manifest or does not have that form
   * @throws IOException if the sink cannot be read
   */
  public static void checkSideFile(Sink sink, BackupManifest manifest) throws IOException {
    byte[] side;
    try {
      side = sink.get(manifest.sha256Key());
    } catch (ObjectNotFoundException e) {
      return;
    }
    String expected = manifest.storedSha256() + "  " + manifest.fileName();
    String actual = new String(side, java.nio.charset.StandardCharsets.UTF_8).strip();
    if (!actual.equals(expected)) {
      throw new IntegrityException(
          "backup "
              + manifest.id()
              + ": its side file "
              + manifest.sha256Key()
              + " does not agree with its manifest (it reads '"
              + (actual.length() > 100 ? actual.substring(0, 100) + "..." : actual)
              + "', the manifest says '"
              + expected
              + "'): one of them was changed or damaged; run `biowerk-dr verify "
              + manifest.id()
              + "` with the key to see whether the data is intact, and restore the side file from"
              + " another copy of the repository",
          manifest.id(),
          expected,
          actual);
    }
  }

  /**
   * Opens the decoded (native) bytes of a backup. Both checksums are checked as the bytes stream:
   * the final {@code read} returns -1 only if the stored and the raw SHA-256 and sizes match the
   * manifest, and throws an {@link IntegrityException} otherwise, so a consumer that commits only
   * after reading to the end never commits damaged data. The caller closes the channel.
   *
   * @throws CorruptManifestException if a codec of the chain is not available or its parameters are
   *     invalid (the cause says which)
   * @throws KeyNotFoundException if the backup's key is missing
   * @throws WrongKeyException if the key found is not the one the backup was encrypted with
   * @throws IOException if the sink cannot be read
   */
  public static ReadableByteChannel openDecoded(Sink sink, BackupManifest manifest, KeyRing keys)
      throws IOException {
    return openDecoded(sink, manifest, keys, List.of());
  }

  /**
   * As {@link #openDecoded(Sink, BackupManifest, KeyRing)}, using {@code codecs} (for instance
   * those passed explicitly to {@link BackupJob}) before the codecs found through {@link
   * CodecProvider}; see {@link Codecs#fromSpecs(List, KeyRing, List)}.
   *
   * @throws ProviderNotFoundException if a codec of the chain is neither given nor available
   * @throws KeyNotFoundException if the backup's key is missing
   * @throws WrongKeyException if the key found is not the one the backup was encrypted with
   * @throws IOException if the sink cannot be read
   */
  public static ReadableByteChannel openDecoded(
      Sink sink, BackupManifest manifest, KeyRing keys, List<? extends Codec> codecs)
      throws IOException {
    List<Codec> chain = chain(manifest, keys, codecs);
    if (chain.stream().anyMatch(codec -> codec.id().equals("enc"))) {
      EncryptionCodec.expectDecrypting(manifest.storedSize());
    }
    ReadableByteChannel raw = sink.openRead(manifest.dataKey());
    Sha256.Reading stored;
    ReadableByteChannel decoded;
    try {
      stored = Sha256.reading(raw);
      decoded = Codecs.decode(chain, stored);
    } catch (IOException | RuntimeException e) {
      ByteChannels.closeQuietly(raw, e);
      if (e instanceof IntegrityException integrity && integrity.backupId().isEmpty()) {
        throw withBackup(manifest, integrity);
      }
      if (e instanceof KeyNotFoundException missing) {
        throw withBackup(manifest, missing);
      }
      throw e;
    }
    try {
      // Before a decoded byte is handed out: a changed manifest must not decide what a restore
      // does. Checked after the containers' headers are read, so that a wrong key is reported as
      // a wrong key (key commitment) and not as a changed manifest. Its message names the backup.
      ManifestAuthentication.check(manifest, keys, codecs);
    } catch (IOException | RuntimeException e) {
      ByteChannels.closeQuietly(raw, e);
      throw e;
    }
    return new Checked(manifest, stored, Sha256.reading(decoded));
  }

  /**
   * The codecs of the manifest's chain. A codec id no provider knows or parameters its codec
   * rejects (a zstd level out of range) mean the manifest is damaged or was written by something
   * else: the backup cannot be decoded, which is an integrity failure, not a usage error.
   */
  private static List<Codec> chain(
      BackupManifest manifest, KeyRing keys, List<? extends Codec> codecs)
      throws CorruptManifestException {
    try {
      return Codecs.fromSpecs(manifest.codecs(), keys, codecs);
    } catch (ProviderNotFoundException | IllegalArgumentException e) {
      throw new CorruptManifestException(
          "backup "
              + manifest.id()
              + ": "
              + e.getMessage().replaceAll("\\.$", "")
              + (e instanceof ProviderNotFoundException
                  ? ""
                  : "; the codec parameters in its manifest are invalid")
              + "; the backup cannot be decoded: its manifest is damaged or was written by another"
              + " biowerk-dr, so restore from another copy",
          manifest.id(),
          e);
    }
  }

  static void check(
      BackupManifest manifest,
      String what,
      long expectedSize,
      long actualSize,
      String expectedSha,
      String actualSha)
      throws IntegrityException {
    if (expectedSize != actualSize) {
      throw new IntegrityException(
          "backup "
              + manifest.id()
              + ": "
              + what
              + " size is "
              + actualSize
              + " bytes but the manifest records "
              + expectedSize
              + "; the backup is damaged, restore another copy"
              + " or another backup",
          manifest.id(),
          Long.toString(expectedSize),
          Long.toString(actualSize));
    }
    if (!expectedSha.equals(actualSha)) {
      throw new IntegrityException(
          "backup "
              + manifest.id()
              + ": "
              + what
              + " SHA-256 is "
              + actualSha
              + " but the manifest records "
              + expectedSha
              + "; the backup is damaged, restore another copy or"
              + " another backup",
          manifest.id(),
          expectedSha,
          actualSha);
    }
  }

  /**
   * A missing key, with the backup named. If the stored object names another key than the manifest
   * records, the key id in the stored header is damaged: that is an integrity failure, not a key to
   * go looking for.
   */
  static IOException withBackup(BackupManifest manifest, KeyNotFoundException e) {
    IOException named;
    if (manifest.keyId().isPresent()
        && e.keyId() != null
        && !manifest.keyId().get().equals(e.keyId())) {
      named =
          new IntegrityException(
              "backup "
                  + manifest.id()
                  + ": the stored object names encryption key '"
                  + e.keyId()
                  + "' but the manifest records key '"
                  + manifest.keyId().get()
                  + "'; the stored object "
                  + manifest.dataKey()
                  + " is damaged, restore another copy or another backup",
              manifest.id(),
              manifest.keyId().get(),
              e.keyId());
    } else {
      named =
          new KeyNotFoundException("backup " + manifest.id() + ": " + e.getMessage(), e.keyId());
    }
    named.initCause(e);
    return named;
  }

  /** The same failure, with the backup named in its message. */
  static IntegrityException withBackup(BackupManifest manifest, IntegrityException e) {
    IntegrityException named;
    if (e instanceof WrongKeyException wrong) {
      named =
          new WrongKeyException("backup " + manifest.id() + ": " + e.getMessage(), wrong.keyId());
    } else {
      named =
          new IntegrityException(
              "backup "
                  + manifest.id()
                  + ": "
                  + e.getMessage()
                  + " (stored object "
                  + manifest.dataKey()
                  + ")",
              manifest.id(),
              e.expected().orElse(null),
              e.actual().orElse(null));
    }
    named.initCause(e);
    return named;
  }

  /**
   * The stored (encoded) bytes read so far by a channel of {@link #openDecoded}, or -1 for another
   * channel.
   */
  static long storedRead(ReadableByteChannel decoded) {
    return decoded instanceof Checked checked ? checked.stored.count() : -1;
  }

  private static final class Checked implements ReadableByteChannel {
    private final BackupManifest manifest;
    private final Sha256.Reading stored;
    private final Sha256.Reading raw;
    private boolean verified;

    Checked(BackupManifest manifest, Sha256.Reading stored, Sha256.Reading raw) {
      this.manifest = manifest;
      this.stored = stored;
      this.raw = raw;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (verified) {
        return -1;
      }
      int n;
      try {
        n = raw.read(dst);
      } catch (IntegrityException e) {
        throw withBackup(manifest, e);
      }
      if (n < 0) {
        // Drain what the codecs left unread (there should be nothing), so the stored hash covers
        // every byte.
        ByteBuffer rest = ByteBuffer.allocate(8192);
        while (stored.read(rest) >= 0) {
          rest.clear();
        }
        check(
            manifest,
            "stored",
            manifest.storedSize(),
            stored.count(),
            manifest.storedSha256(),
            stored.hex());
        check(
            manifest, "restored", manifest.rawSize(), raw.count(), manifest.rawSha256(), raw.hex());
        verified = true;
      }
      return n;
    }

    @Override
    public boolean isOpen() {
      return raw.isOpen();
    }

    @Override
    public void close() throws IOException {
      raw.close();
    }
  }
}
