package io.biowerk.dr.core;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A backup as the catalog knows it: its manifest and the verifications recorded for it.
 *
 * @param manifest the manifest
 * @param verifications verification results, oldest first
 */
public record BackupRecord(BackupManifest manifest, List<VerificationResult> verifications) {
  public BackupRecord {
    requireNonNull(manifest, "manifest");
    verifications = List.copyOf(verifications);
  }

  /** A record with no verifications. */
  public static BackupRecord of(BackupManifest manifest) {
    return new BackupRecord(manifest, List.of());
  }

  /** The backup id. */
  public String id() {
    return manifest.id();
  }

  /** When the backup was taken (its start time, which the retention calendar uses). */
  public Instant time() {
    return manifest.startedAt();
  }

  /** The latest verification that passed, if any. */
  public Optional<VerificationResult> lastPassed() {
    return verifications.stream()
        .filter(VerificationResult::passed)
        .max(Comparator.comparing(VerificationResult::at));
  }

  /** The latest verification, passed or not. */
  public Optional<VerificationResult> lastVerification() {
    return verifications.stream().max(Comparator.comparing(VerificationResult::at));
  }
}
