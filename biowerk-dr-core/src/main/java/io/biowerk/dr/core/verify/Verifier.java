package io.biowerk.dr.core.verify;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupReader;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.NativeVerifier;
import io.biowerk.dr.core.ProviderNotFoundException;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.SourceProvider;
import io.biowerk.dr.core.Sources;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.catalog.Catalog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies a backup at one of the levels DESIGN.md names, each including the ones before it:
 *
 * <ul>
 *   <li>{@link VerificationLevel#STORED}: size and SHA-256 of the stored bytes against the
 *       manifest; needs no key;
 *   <li>{@link VerificationLevel#DECODE}: decrypt and decompress everything; the stored and the raw
 *       SHA-256 are both checked as the bytes stream;
 *   <li>{@link VerificationLevel#NATIVE} and {@link VerificationLevel#RESTORE}: the decoded stream
 *       handed to the {@link NativeVerifier} registered for the manifest's source kind (found
 *       through {@link ServiceLoader}), which reads it to the end; the checksums are checked as
 *       well.
 * </ul>
 *
 * <p><b>Outcome.</b> A damaged backup is a verification result, not an exception: when the backup's
 * bytes are wrong (a checksum or size differs, decryption fails authentication, the native check
 * says the dump is unusable; everything reported as {@link IntegrityException}), {@code verify}
 * returns a result with {@code passed == false} whose {@code detail} is the integrity message, so
 * it can be recorded like any other result ({@link #verifyAndRecord} does both). A caller that must
 * tell integrity failures apart (the CLI exits with code 3) tests {@code !result.passed()}: a
 * failed result always means the backup itself is bad. When the check cannot run at all (sink
 * unreachable, key missing or wrong, no native verifier, tool missing), nothing is learned about
 * the backup, so {@code verify} throws that {@link IOException} and nothing is recorded.
 *
 * <p>Stateless; the caller owns the sink.
 */
public final class Verifier {

  private static final Logger LOG = LoggerFactory.getLogger(Verifier.class);

  private Verifier() {}

  /**
   * Verifies the backup {@code manifest} describes at {@code level}.
   *
   * @param keys the key ring to decrypt with; not used at {@link VerificationLevel#STORED}; null
   *     for none
   * @param options options for the native verifier ({@code scratch-uri} for a restore test)
   * @param clock the clock the result's time is read from
   * @return the result; {@code passed == false} means the backup's bytes are damaged or unusable
   * @throws ProviderNotFoundException if the level needs a native verifier and none serves the
   *     backup's source kind; the message names the module to add
   * @throws WrongKeyException if the key ring holds a different key under the backup's key id
   * @throws IOException if the check cannot run (sink unreachable, key missing, verifier tool
   *     missing)
   */
  public static VerificationResult verify(
      Sink sink,
      BackupManifest manifest,
      KeyRing keys,
      VerificationLevel level,
      Map<String, String> options,
      Clock clock)
      throws IOException {
    return verify(sink, manifest, keys, level, options, clock, List.of());
  }

  /**
   * As {@link #verify(Sink, BackupManifest, KeyRing, VerificationLevel, Map, Clock)}, decoding with
   * {@code codecs} before the codecs found through {@link io.biowerk.dr.core.CodecProvider}: pass
   * the codecs given to {@link io.biowerk.dr.core.BackupJob.Builder#codecs} that are not registered
   * as providers.
   *
   * @throws ProviderNotFoundException if a codec of the backup's chain is neither given nor
   *     available, or the level needs a native verifier and none serves the backup's source kind
   * @throws WrongKeyException if the key ring holds a different key under the backup's key id
   * @throws IOException if the check cannot run (sink unreachable, key missing, verifier tool
   *     missing)
   */
  public static VerificationResult verify(
      Sink sink,
      BackupManifest manifest,
      KeyRing keys,
      VerificationLevel level,
      Map<String, String> options,
      Clock clock,
      List<? extends Codec> codecs)
      throws IOException {
    requireNonNull(codecs, "codecs");
    requireNonNull(sink, "sink");
    requireNonNull(manifest, "manifest");
    requireNonNull(level, "level");
    requireNonNull(options, "options");
    requireNonNull(clock, "clock");
    NativeVerifier nativeVerifier = null;
    if (level == VerificationLevel.NATIVE || level == VerificationLevel.RESTORE) {
      // Looked up first: a missing adapter is a set-up error, found before reading gigabytes.
      nativeVerifier = nativeVerifier(manifest.sourceKind(), level);
    }
    KeyRing ring = keys == null ? KeyRing.empty() : keys;
    long start = System.nanoTime();
    String detail;
    try {
      switch (level) {
        case STORED -> {
          BackupReader.checkStored(sink, manifest);
          detail =
              "stored: "
                  + manifest.storedSize()
                  + " bytes, SHA-256 "
                  + manifest.storedSha256()
                  + " matches";
        }
        case DECODE -> {
          long raw = decodeAll(sink, manifest, ring, codecs);
          detail =
              "decode: "
                  + raw
                  + " bytes decoded, raw SHA-256 "
                  + manifest.rawSha256()
                  + " and stored SHA-256 match";
        }
        default ->
            detail = verifyNatively(sink, manifest, ring, level, options, nativeVerifier, codecs);
      }
    } catch (WrongKeyException e) {
      // The key commitment differs: either the key ring holds the wrong key, or the header is
      // damaged. The
      // stored checksum tells which.
      try {
        BackupReader.checkStored(sink, manifest);
      } catch (IntegrityException damaged) {
        return failed(manifest, level, clock, start, damaged);
      }
      throw e;
    } catch (IntegrityException e) {
      return failed(manifest, level, clock, start, e);
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    LOG.info(
        "verify: backup {} passed {} verification in {} ms",
        manifest.id(),
        level.id(),
        took.toMillis());
    return new VerificationResult(manifest.id(), level, clock.instant(), true, took, detail);
  }

  /**
   * Verifies a backup of the catalog's repository and records the result beside it, passed or
   * failed.
   *
   * @return the recorded result; see {@link #verify} for what a failed result means
   * @throws IOException if the check cannot run (then nothing is recorded), or the result cannot be
   *     recorded
   */
  public static VerificationResult verifyAndRecord(
      Catalog catalog,
      BackupRecord backup,
      KeyRing keys,
      VerificationLevel level,
      Map<String, String> options,
      Clock clock)
      throws IOException {
    return verifyAndRecord(catalog, backup, keys, level, options, clock, List.of());
  }

  /**
   * As {@link #verifyAndRecord(Catalog, BackupRecord, KeyRing, VerificationLevel, Map, Clock)},
   * decoding with {@code codecs} before the codecs found through {@link
   * io.biowerk.dr.core.CodecProvider} (see {@link #verify(Sink, BackupManifest, KeyRing,
   * VerificationLevel, Map, Clock, List)}).
   *
   * @return the recorded result; see {@link #verify} for what a failed result means
   * @throws IOException if the check cannot run (then nothing is recorded), or the result cannot be
   *     recorded
   */
  public static VerificationResult verifyAndRecord(
      Catalog catalog,
      BackupRecord backup,
      KeyRing keys,
      VerificationLevel level,
      Map<String, String> options,
      Clock clock,
      List<? extends Codec> codecs)
      throws IOException {
    VerificationResult result =
        verify(catalog.sink(), backup.manifest(), keys, level, options, clock, codecs);
    catalog.record(result);
    return result;
  }

  /**
   * The native verifier registered for {@code sourceKind}.
   *
   * @throws ProviderNotFoundException if there is none; the message names the module that adds it
   */
  public static NativeVerifier nativeVerifier(String sourceKind, VerificationLevel level)
      throws ProviderNotFoundException {
    String kind = sourceKind.toLowerCase(Locale.ROOT);
    TreeSet<String> found = new TreeSet<>();
    for (NativeVerifier verifier : load()) {
      for (String k : verifier.sourceKinds()) {
        if (k.equalsIgnoreCase(kind)) {
          return verifier;
        }
        found.add(k);
      }
    }
    // The module that would bring the verifier cannot describe itself when it is missing; the
    // source provider of that kind, if it is on the class path, names the artifact it came from.
    String module =
        Sources.provider(kind)
            .map(SourceProvider::artifact)
            .orElse("the adapter module for '" + kind + "'");
    throw new ProviderNotFoundException(
        "verify: no native verifier for source kind '"
            + sourceKind
            + "' is on the class path (found: "
            + (found.isEmpty() ? "none" : String.join(", ", found))
            + "), so level '"
            + level.id()
            + "' cannot run; add "
            + module
            + " to the class path, or verify at level 'decode'",
        sourceKind,
        new ArrayList<>(found));
  }

  /**
   * The dump files that can be imported as backups ({@code biowerk-dr import}), by source kind, as
   * the native verifiers on the class path declare them ({@link NativeVerifier#importFormats()}).
   */
  public static SortedMap<String, NativeVerifier.ImportFormat> importFormats() {
    SortedMap<String, NativeVerifier.ImportFormat> formats = new TreeMap<>();
    for (NativeVerifier verifier : load()) {
      for (NativeVerifier.ImportFormat format : verifier.importFormats()) {
        formats.putIfAbsent(format.sourceKind().toLowerCase(Locale.ROOT), format);
      }
    }
    return formats;
  }

  private static List<NativeVerifier> load() {
    List<NativeVerifier> verifiers = new ArrayList<>();
    ServiceLoader.load(NativeVerifier.class, Verifier.class.getClassLoader())
        .forEach(verifiers::add);
    if (verifiers.isEmpty() && Thread.currentThread().getContextClassLoader() != null) {
      ServiceLoader.load(NativeVerifier.class).forEach(verifiers::add);
    }
    return verifiers;
  }

  private static long decodeAll(
      Sink sink, BackupManifest manifest, KeyRing keys, List<? extends Codec> codecs)
      throws IOException {
    long total = 0;
    try (ReadableByteChannel in = BackupReader.openDecoded(sink, manifest, keys, codecs)) {
      ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
      int n;
      while ((n = in.read(buffer)) >= 0) {
        total += n;
        buffer.clear();
      }
    }
    return total;
  }

  private static String verifyNatively(
      Sink sink,
      BackupManifest manifest,
      KeyRing keys,
      VerificationLevel level,
      Map<String, String> options,
      NativeVerifier verifier,
      List<? extends Codec> codecs)
      throws IOException {
    try (ReadableByteChannel in = BackupReader.openDecoded(sink, manifest, keys, codecs)) {
      String said = verifier.verify(manifest, level, in, options);
      // The checksums are checked at the end of the stream; read what the verifier left, so they
      // always are.
      ByteBuffer rest = ByteBuffer.allocateDirect(1 << 16);
      while (in.read(rest) >= 0) {
        rest.clear();
      }
      return level.id() + ": " + said;
    }
  }

  private static VerificationResult failed(
      BackupManifest manifest,
      VerificationLevel level,
      Clock clock,
      long start,
      IntegrityException e) {
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    LOG.warn(
        "verify: backup {} FAILED {} verification: {}", manifest.id(), level.id(), e.getMessage());
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    return new VerificationResult(manifest.id(), level, clock.instant(), false, took, message);
  }
}
