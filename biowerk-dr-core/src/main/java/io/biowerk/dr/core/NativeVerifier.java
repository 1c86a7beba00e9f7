package io.biowerk.dr.core;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.Map;
import java.util.Set;

/**
 * A database adapter's own check of a backup, for the {@link VerificationLevel#NATIVE} and {@link
 * VerificationLevel#RESTORE} levels: {@code pg_restore --list} over the dump, an RDB parse with its
 * CRC, a restore into a scratch database with row counts compared. Registered through {@link
 * java.util.ServiceLoader} and chosen by the manifest's source kind.
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
}
