package io.biowerk.dr.core;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * One committed object in a {@link Sink}, as listing reports it.
 *
 * @param key the object's key
 * @param size its size in bytes
 * @param lastModified when it was committed, as the store reports it
 */
public record StoredObject(String key, long size, Instant lastModified) {
  public StoredObject {
    requireNonNull(key, "key");
    requireNonNull(lastModified, "lastModified");
    checkArgument(size >= 0, "size (%s) may not be negative", size);
  }
}
