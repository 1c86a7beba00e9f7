package io.biowerk.dr.storage.azure;

import com.azure.core.util.Context;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import io.biowerk.dr.core.AbstractPendingWrite;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One streaming write to an {@link AzureSink}: a single Put Blob if everything fits in one block at
 * commit, else staged blocks (Put Block) made visible by one Put Block List. Not thread-safe (one
 * thread writes and commits); blocks are staged on the sink's executor, at most {@code parallelism}
 * at once, fewer once blocks have grown.
 *
 * <p>Block ids are a random per-write tag and the block number, so two writes to the same name at
 * once never mix their blocks; whichever commits last wins, as with any overwrite. An aborted
 * write's staged blocks stay uncommitted (invisible) until the service discards them: Azure offers
 * no call to delete them, and deletes them after 7 days or at the next commit of that name.
 */
final class AzureWrite extends AbstractPendingWrite {

  /** The first buffer is small so that manifests and side files do not allocate a whole block. */
  private static final int FIRST_BUFFER = 256 << 10;

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
  private final Semaphore inFlight;
  // Buffers of finished block uploads, reused so that at most parallelism + 1 buffers exist per
  // write.
  private final ConcurrentLinkedQueue<byte[]> free = new ConcurrentLinkedQueue<>();
  private final AtomicLong allocated = new AtomicLong();
  private final AtomicLong peakAllocated = new AtomicLong();
  private final List<String> blockIds = new ArrayList<>();
  private final List<Future<?>> blocks = new ArrayList<>();
  private volatile Throwable blockFailure;
  private volatile boolean cancelled;

  private byte[] buffer;
  private int filled;
  private long staged;

  AzureWrite(AzureSink sink, String key, String blobName) {
    this.sink = sink;
    this.options = sink.options();
    this.key = key;
    this.blobName = blobName;
    RANDOM.nextBytes(tag);
    this.inFlight = new Semaphore(options.parallelism());
    this.buffer = allocate(Math.min(FIRST_BUFFER, options.blockSize()));
  }

  /**
   * The size of block {@code number} (1-based): the configured size, doubled every 10,000 blocks,
   * up to 1 GiB.
   */
  static int blockSize(int base, int number) {
    int doublings = Math.min(30, (number - 1) / BLOCKS_PER_SIZE);
    return (int) Math.min(AzureOptions.MAX_BLOCK_SIZE, (long) base << doublings);
  }

  /**
   * The permits (of {@code parallelism}) a block takes: one per base block size it spans, at least
   * one.
   */
  static int permits(int base, int blockSize, int parallelism) {
    return Math.min(parallelism, Math.max(1, blockSize / base));
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
  protected int writeOpen(ByteBuffer src) throws IOException {
    rethrowBlockFailure();
    int written = src.remaining();
    while (src.hasRemaining()) {
      if (filled == buffer.length) {
        int wanted = blockSize(options.blockSize(), blockIds.size() + 1);
        if (buffer.length < wanted) {
          buffer = grow(buffer, Math.min(wanted, buffer.length * 2));
        } else {
          // Stage only when a byte beyond the full buffer arrives, so an object of exactly one
          // block is one PUT.
          stageBlock();
        }
      }
      int n = Math.min(src.remaining(), buffer.length - filled);
      src.get(buffer, filled, n);
      filled += n;
    }
    return written;
  }

  private void stageBlock() throws IOException {
    int number = blockIds.size() + 1;
    if (number > AzureOptions.MAX_BLOCKS) {
      abort();
      throw new IOException(
          "azure sink: '"
              + key
              + "' in container '"
              + options.container()
              + "' exceeds"
              + " Azure's 50,000 blocks ("
              + staged
              + " bytes so far); raise block-size; nothing was committed");
    }
    int weight =
        permits(options.blockSize(), blockSize(options.blockSize(), number), options.parallelism());
    try {
      inFlight.acquire(weight);
    } catch (InterruptedException e) {
      abort();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(
          "azure sink: upload of '" + key + "' was interrupted; nothing was" + " committed");
    }
    byte[] data =
        buffer; // ownership passes to the block upload, which returns it to the pool when done
    int length = filled;
    String id = blockId(number);
    blockIds.add(id);
    try {
      blocks.add(
          sink.executor()
              .submit(
                  () -> {
                    try {
                      if (cancelled) {
                        throw new InterruptedIOException("cancelled");
                      }
                      sink.blockBlob(blobName)
                          .stageBlockWithResponse(
                              id,
                              new ByteArrayInputStream(data, 0, length),
                              length,
                              options.md5() ? md5(data, length) : null,
                              null,
                              null,
                              Context.NONE);
                      return null;
                    } catch (Exception | Error e) {
                      if (blockFailure == null) {
                        blockFailure = e;
                      }
                      throw e;
                    } finally {
                      free.add(
                          data); // before the permit: whoever gets the permit finds this buffer to
                      // reuse
                      inFlight.release(weight);
                    }
                  }));
    } catch (RejectedExecutionException e) {
      inFlight.release(weight);
      abort();
      throw new IllegalStateException("closed", e);
    }
    staged += length;
    buffer = takeBuffer(blockSize(options.blockSize(), number + 1));
    filled = 0;
    rethrowBlockFailure();
  }

  @Override
  protected void publish() throws IOException {
    // On any failure here, discard() waits for blocks in flight; nothing was committed.
    if (blockIds.isEmpty()) {
      BlockBlobSimpleUploadOptions upload =
          new BlockBlobSimpleUploadOptions(new ByteArrayInputStream(buffer, 0, filled), filled);
      sink.decorate(upload, key, filled);
      if (options.md5()) {
        upload.setContentMd5(md5(buffer, filled));
      }
      try {
        sink.blockBlob(blobName).uploadWithResponse(upload, null, Context.NONE);
      } catch (RuntimeException e) {
        throw sink.translate(e, "Put Blob", key, blobName);
      } finally {
        release();
      }
      return;
    }
    if (filled > 0) {
      stageBlock();
    }
    try {
      for (Future<?> block : blocks) {
        block.get();
      }
      BlockBlobCommitBlockListOptions commit = new BlockBlobCommitBlockListOptions(blockIds);
      sink.tierFor(key, staged).ifPresent(commit::setTier);
      sink.tags(staged).ifPresent(commit::setTags);
      if (options.legalHold()) {
        commit.setLegalHold(true);
      }
      sink.immutabilityPolicy().ifPresent(commit::setImmutabilityPolicy);
      sink.blockBlob(blobName).commitBlockListWithResponse(commit, null, Context.NONE);
    } catch (ExecutionException e) {
      throw blockException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException(
          "azure sink: upload of '" + key + "' was interrupted; nothing was" + " committed");
    } catch (RuntimeException e) {
      throw sink.translate(e, "Put Block List", key, blobName);
    } finally {
      release();
    }
  }

  /**
   * Stops the write: waits for blocks in flight so none is staged after the abort returns. Commits
   * nothing.
   */
  @Override
  protected void discard() {
    cancelled = true;
    for (Future<?> block : blocks) {
      try {
        block.get();
      } catch (ExecutionException e) {
        // already reported, or reported by the caller
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    release();
  }

  private void rethrowBlockFailure() throws IOException {
    Throwable failure = blockFailure;
    if (failure != null) {
      abort();
      throw blockException(failure);
    }
  }

  private IOException blockException(Throwable cause) {
    if (cause instanceof IOException io) {
      return io;
    }
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

  private byte[] takeBuffer(int size) {
    byte[] reused;
    while ((reused = free.poll()) != null) {
      if (reused.length == size) {
        return reused;
      }
      allocated.addAndGet(-reused.length); // blocks grew: the smaller buffer is dropped
    }
    return allocate(size);
  }

  private byte[] allocate(int size) {
    long now = allocated.addAndGet(size);
    peakAllocated.accumulateAndGet(now, Math::max);
    return new byte[size];
  }

  private byte[] grow(byte[] old, int size) {
    byte[] bigger = Arrays.copyOf(old, size);
    long now = allocated.addAndGet(size);
    peakAllocated.accumulateAndGet(now, Math::max);
    allocated.addAndGet(-old.length);
    return bigger;
  }

  private void release() {
    free.clear();
    buffer = new byte[0];
    filled = 0;
  }

  /** The most bytes of block buffers this write held at once; for tests and benchmarks. */
  long peakBufferBytes() {
    return peakAllocated.get();
  }

  /** The blocks staged so far. */
  int blockCount() {
    return blockIds.size();
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
        + (blockIds.isEmpty() ? "" : " (" + blockIds.size() + " blocks staged)");
  }
}
