package io.biowerk.dr.core.log;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.BackupManifest;
import java.time.Instant;
import java.util.Optional;

/**
 * One segment stored in a {@link LogArchive}: its manifest (the same document a backup has, with
 * the codec chain, sizes and checksums) read as a segment.
 *
 * @param manifest the stored manifest; its id is the segment name, its facts hold the positions and
 *     times
 */
public record LogSegment(BackupManifest manifest) {

  static final String FIRST_POSITION = "firstPosition";
  static final String LAST_POSITION = "lastPosition";
  static final String FIRST_TIME = "firstTime";
  static final String LAST_TIME = "lastTime";

  public LogSegment {
    requireNonNull(manifest, "manifest");
  }

  /** The segment's name. */
  public String name() {
    return manifest.id();
  }

  /** The log position of its first byte or entry. */
  public String firstPosition() {
    return String.valueOf(manifest.facts().get(FIRST_POSITION));
  }

  /** The log position just after its last byte or entry. */
  public String lastPosition() {
    return String.valueOf(manifest.facts().get(LAST_POSITION));
  }

  /** No entry in the segment is older than this, where known. */
  public Optional<Instant> firstTime() {
    return time(FIRST_TIME);
  }

  /** No entry in the segment is newer than this, where known; else when it was stored. */
  public Instant lastTime() {
    return time(LAST_TIME).orElse(manifest.finishedAt());
  }

  /** When it was stored. */
  public Instant storedAt() {
    return manifest.finishedAt();
  }

  private Optional<Instant> time(String fact) {
    Object value = manifest.facts().get(fact);
    return value == null ? Optional.empty() : Optional.of(Instant.parse(value.toString()));
  }

  @Override
  public String toString() {
    return "Segment[" + name() + " " + firstPosition() + ".." + lastPosition() + "]";
  }
}
