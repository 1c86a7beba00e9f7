package io.biowerk.dr.storage.azure;

import com.azure.core.util.Context;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import io.biowerk.dr.core.cloud.PartedUpload;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/**
 * One streaming write to an {@link AzureSink}: a single Put Blob if everything fits in one block at
 * commit, else staged blocks (Put Block) made visible by one Put Block List. The buffering, block
 * sizes and parallelism are core's {@link PartedUpload}, shared with S3; this class supplies
 * Azure's requests. Not thread-safe.
 *
 * <p>Block ids are a random per-write tag and the block number, so two writes to the same name at
 * once never mix their blocks; whichever commits last wins, as with any overwrite. An aborted
 * write's staged blocks stay uncommitted (invisible) until the service discards them: Azure offers
 * no call to delete them, and deletes them after 7 days or at the next commit of that name.
 */
final class AzureWrite extends PartedUpload<String> {

  /**
   * Blocks keep one size for this many block numbers, then double: 50,000 blocks then cover several
   * TiB.
   */
  static final int BLOCKS_PER_SIZE = 10_000;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final AzureSink sink;
  private final AzureOptions options;
  private final String key;
  private final String blobName;
  private final byte[] tag = new byte[12];

  AzureWrite(AzureSink sink, String key, String blobName) {
    super(sizing(sink.options().blockSize(), sink.options().parallelism()), sink.executor());
    this.sink = sink;
    this.options = sink.options();
    this.key = key;
    this.blobName = blobName;
    RANDOM.nextBytes(tag);
  }

  private static Sizing sizing(int base, int parallelism) {
    return new Sizing(
        base, BLOCKS_PER_SIZE, AzureOptions.MAX_BLOCK_SIZE, AzureOptions.MAX_BLOCKS, parallelism);
  }

  /**
   * The size of block {@code number} (1-based): the configured size, doubled every 10,000 blocks,
   * up to 1 GiB.
   */
  static int blockSize(int base, int number) {
    return sizing(base, 1).partSize(number);
  }

  /**
   * The permits (of {@code parallelism}) a block takes: one per base block size it spans, at least
   * one.
   */
  static int permits(int base, int blockSize, int parallelism) {
    return sizing(base, parallelism).permits(blockSize);
  }

  /**
   * A block id: base64 of the write's tag and the block number, the same length for every block of
   * a blob.
   */
  String blockId(int number) {
    ByteBuffer id = ByteBuffer.allocate(tag.length + 4).put(tag).putInt(number);
    return Base64.getEncoder().encodeToString(id.array());
  }

  @Override
  protected String uploadPart(int number, byte[] data, int length) {
    String id = blockId(number);
    sink.blockBlob(blobName)
        .stageBlockWithResponse(
            id,
            new ByteArrayInputStream(data, 0, length),
            length,
            options.md5() ? md5(data, length) : null,
            null,
            null,
            Context.NONE);
    return id;
  }

  @Override
  protected void putWhole(byte[] data, int length) throws IOException {
    BlockBlobSimpleUploadOptions upload =
        new BlockBlobSimpleUploadOptions(new ByteArrayInputStream(data, 0, length), length);
    sink.decorate(upload, key, length);
    if (options.md5()) {
      upload.setContentMd5(md5(data, length));
    }
    try {
      sink.blockBlob(blobName).uploadWithResponse(upload, null, Context.NONE);
    } catch (RuntimeException e) {
      throw sink.translate(e, "Put Blob", key, blobName);
    }
  }

  @Override
  protected void complete(List<String> blockIds, long size) throws IOException {
    try {
      BlockBlobCommitBlockListOptions commit = new BlockBlobCommitBlockListOptions(blockIds);
      sink.tierFor(key, size).ifPresent(commit::setTier);
      sink.tags(size).ifPresent(commit::setTags);
      if (options.legalHold()) {
        commit.setLegalHold(true);
      }
      sink.immutabilityPolicy().ifPresent(commit::setImmutabilityPolicy);
      sink.blockBlob(blobName).commitBlockListWithResponse(commit, null, Context.NONE);
    } catch (RuntimeException e) {
      throw sink.translate(e, "Put Block List", key, blobName);
    }
  }

  @Override
  protected IOException partFailed(Throwable cause) {
    if (cause instanceof RuntimeException runtime) {
      return sink.translate(runtime, "Put Block", key, blobName);
    }
    return new IOException(
        "azure sink: a block of '"
            + key
            + "' in container '"
            + options.container()
            + "' failed ("
            + cause
            + "); nothing was committed",
        cause);
  }

  @Override
  protected InterruptedIOException interrupted() {
    return new InterruptedIOException(
        "azure sink: upload of '" + key + "' was interrupted; nothing was committed");
  }

  @Override
  protected IOException tooManyParts(long bytesSoFar) {
    return new IOException(
        "azure sink: '"
            + key
            + "' in container '"
            + options.container()
            + "' exceeds Azure's 50,000 blocks ("
            + bytesSoFar
            + " bytes so far); raise block-size; nothing was committed");
  }

  /** The blocks staged so far. */
  int blockCount() {
    return partCount();
  }

  static byte[] md5(byte[] data, int length) {
    try {
      MessageDigest md5 = MessageDigest.getInstance("MD5");
      md5.update(data, 0, length);
      return md5.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no MD5", e);
    }
  }

  @Override
  public String toString() {
    return "azure write of "
        + sink.location(blobName)
        + (partCount() == 0 ? "" : " (" + partCount() + " blocks staged)");
  }
}
