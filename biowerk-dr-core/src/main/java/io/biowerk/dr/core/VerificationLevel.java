package io.biowerk.dr.core;

import java.util.Locale;

/** How deeply a backup is verified, each level including the ones before it. */
public enum VerificationLevel {
  /** SHA-256 of the stored bytes against the manifest; needs no key. */
  STORED,
  /** Decrypt and decompress everything and check the raw SHA-256. */
  DECODE,
  /**
   * The database's own check on the decoded stream ({@code pg_restore --list}, RDB parse and CRC).
   */
  NATIVE,
  /** Restore into a scratch target and check it; reports the time against the RTO. */
  RESTORE;

  /** The lower-case name used on the command line and in records. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The level named {@code id}, case-insensitive.
   *
   * @throws IllegalArgumentException if there is none; the message lists the levels
   */
  public static VerificationLevel of(String id) {
    for (VerificationLevel level : values()) {
      if (level.id().equalsIgnoreCase(id)) {
        return level;
      }
    }
    throw new IllegalArgumentException(
        "unknown verification level '" + id + "'; use one of stored, decode, native, restore");
  }
}
