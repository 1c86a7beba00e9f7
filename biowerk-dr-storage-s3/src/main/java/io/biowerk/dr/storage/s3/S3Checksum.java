package io.biowerk.dr.storage.s3;

import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;

/**
 * The integrity checksum sent with every uploaded part and single PUT, which the store recomputes
 * and checks before it accepts the bytes. The flexible checksums (CRC32C, CRC32, SHA256, SHA1) go
 * through the SDK's checksum support; {@link #MD5} sends a {@code Content-MD5} header instead, for
 * S3-compatible stores that predate flexible checksums.
 */
public enum S3Checksum {
  /** CRC-32C (Castagnoli): hardware-accelerated in the JDK; the default. */
  CRC32C(ChecksumAlgorithm.CRC32_C),
  /** CRC-32. */
  CRC32(ChecksumAlgorithm.CRC32),
  /** SHA-256: cryptographic, slower. */
  SHA256(ChecksumAlgorithm.SHA256),
  /** SHA-1. */
  SHA1(ChecksumAlgorithm.SHA1),
  /** Content-MD5 header, computed by this sink. */
  MD5(null);

  private final ChecksumAlgorithm algorithm;

  S3Checksum(ChecksumAlgorithm algorithm) {
    this.algorithm = algorithm;
  }

  /** The SDK's algorithm, or null for {@link #MD5}. */
  ChecksumAlgorithm algorithm() {
    return algorithm;
  }
}
