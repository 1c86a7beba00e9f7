package io.biowerk.dr.core;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A database adapter's own check of a backup, for the {@link VerificationLevel#NATIVE} and {@link
 * VerificationLevel#RESTORE} levels: {@code pg_restore --list} over the dump, an RDB parse with its
 * CRC, a restore into a scratch database with row counts compared. Registered through {@link
 * java.util.ServiceLoader} and chosen by the manifest's source kind.
 *
 * <p>Implementations extend {@code io.biowerk.dr.testkit.NativeVerifierContractTest} (module {@code
 * biowerk-dr-testkit}): an intact backup passes, each kind of damage fails with {@link
 * IntegrityException}.
 */
public interface NativeVerifier {

  /** The source kinds this verifier checks ({@code postgresql}, {@code redis}). */
  Set<String> sourceKinds();

  /**
   * Checks a backup's decoded bytes at {@code level}. The caller opens {@code decoded} (its
   * checksums are verified as it streams, see {@link BackupReader#openDecoded}) and closes it; the
   * verifier reads it to the end.
   *
   * @param level {@link VerificationLevel#NATIVE} or {@link VerificationLevel#RESTORE}
   * @param options adapter options, e.g. {@code scratch-uri} for where a restore test may create a
   *     database
   * @return one line saying what was checked ({@code "pg_restore --list: 57 entries, 7 tables"})
   * @throws IntegrityException if the check finds the backup unusable
   * @throws IOException if the check cannot run (tool missing, scratch server unreachable)
   */
  String verify(
      BackupManifest manifest,
      VerificationLevel level,
      ReadableByteChannel decoded,
      Map<String, String> options)
      throws IOException;

  /**
   * The artifact that brings this provider ({@code biowerk-dr-storage-s3}), named in messages that
   * list what is on the class path. The default is the provider's Java module name, or its package
   * on the class path; adapters override it with their Maven artifact id.
   */
  default String artifact() {
    return Providers.artifactOf(this);
  }

  /**
   * The dump files of its kinds that this verifier can check on their own, for {@code biowerk-dr
   * import FILE --kind KIND}: each says which kind it is, the format its backups record and the
   * source name they use by default. The default is none: a kind with no entry cannot be imported.
   */
  default List<ImportFormat> importFormats() {
    return List.of();
  }

  /**
   * A dump file that {@code biowerk-dr import} can store as a backup of {@code sourceKind}, after
   * this verifier's {@link VerificationLevel#NATIVE} check passed on it.
   *
   * @param sourceKind the kind given to {@code --kind}, one of {@link #sourceKinds()}
   * @param format the format the kind's own backups record (e.g. {@code dump}), so an imported file
   *     restores and verifies like one of them
   * @param defaultSourceName the source name its backups use when none is given (e.g. {@code
   *     postgres})
   * @param description what the file is, for the command's help (e.g. {@code a pg_dump -Fc file})
   */
  record ImportFormat(
      String sourceKind, String format, String defaultSourceName, String description) {

    /** Refuses null fields. */
    public ImportFormat {
      Objects.requireNonNull(sourceKind, "sourceKind");
      Objects.requireNonNull(format, "format");
      Objects.requireNonNull(defaultSourceName, "defaultSourceName");
      Objects.requireNonNull(description, "description");
    }
  }
}
