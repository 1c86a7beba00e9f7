/**
 * What the cloud storage modules (S3, Azure Blob, Cloud Storage) share: the bounded parallel parted
 * upload ({@link io.biowerk.dr.core.cloud.PartedUpload}) and the ordered parallel ranged read-ahead
 * ({@link io.biowerk.dr.core.cloud.ReadAhead}). Exported to those modules only; not public API.
 */
package io.biowerk.dr.core.cloud;
