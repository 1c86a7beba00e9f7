package io.biowerk.dr.core;

/** Something a {@link Sink} supports beyond writing, reading, listing and deleting. */
public enum SinkCapability {
  /** {@link Sink#copy} happens inside the store, without the bytes passing through this JVM. */
  SERVER_SIDE_COPY,
  /** Objects can be given a storage class or access tier (STANDARD_IA, Cool, Nearline). */
  STORAGE_CLASS,
  /** Objects can be made immutable for a period (S3 object lock, Azure immutability policy). */
  IMMUTABILITY,
  /** The store encrypts at rest with keys it manages (SSE-S3, SSE-KMS). */
  SERVER_SIDE_ENCRYPTION,
  /** Reads of byte ranges are supported, so restores can read several ranges in parallel. */
  RANGED_READ,
  /**
   * {@link Sink#putIfAbsent} is atomic: of any number of processes racing to create one key,
   * exactly one wins (an exclusive link on a file system, a conditional {@code If-None-Match: *}
   * PUT). Backup-id claims and the verification lock rely on it; without it they fall back to
   * check-then-write, which two processes can interleave. {@code SinkContractTest} races 8 writers
   * on sinks that declare it.
   */
  ATOMIC_PUT_IF_ABSENT
}
