package io.biowerk.dr.storage.azure;

import io.biowerk.dr.core.StorageException;

/**
 * A blob cannot be read because it is in the Archive access tier (Azure answers 409 {@code
 * BlobArchived}): it must be rehydrated to an online tier first, which takes up to 15 hours at
 * standard priority (under one hour at high priority for blobs under 10 GiB). {@link
 * AzureSink#rehydrate} starts that. The message names the container and key and says so.
 */
public final class BlobArchivedException extends StorageException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final boolean rehydrating;

  BlobArchivedException(
      String message, String location, String key, boolean rehydrating, Throwable cause) {
    super(message, location, Reason.OTHER, cause);
    this.key = key;
    this.rehydrating = rehydrating;
  }

  /** The sink key of the archived blob. */
  public String key() {
    return key;
  }

  /** Whether a rehydration is already under way (then waiting is all there is to do). */
  public boolean rehydrating() {
    return rehydrating;
  }
}
