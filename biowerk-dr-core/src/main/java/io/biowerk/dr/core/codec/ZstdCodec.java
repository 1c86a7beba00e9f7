package io.biowerk.dr.core.codec;

import static com.google.common.base.Preconditions.checkArgument;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.internal.ByteChannels;
import io.biowerk.dr.core.internal.Failures;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Zstandard compression ({@code zst}) through zstd-jni's streaming API on direct buffers, producing
 * standard zstd frames that the {@code zstd} command line tool reads.
 *
 * <p>Options: {@code level} (1-22, default 3), {@code workers} (0 compresses on the calling thread;
 * N uses N zstd worker threads), {@code long} (long-distance matching window log, 0 for off, e.g.
 * 27). Stateless and thread-safe; every channel has its own native context.
 */
public final class ZstdCodec implements Codec {

  /** The codec id and file extension. */
  public static final String ID = "zst";

  private static final int OUT_BUFFER = 256 * 1024;

  private final int level;
  private final int workers;
  private final int longWindowLog;

  private ZstdCodec(int level, int workers, int longWindowLog) {
    checkArgument(
        level >= 1 && level <= Zstd.maxCompressionLevel(),
        "zstd level (%s) must be 1-%s",
        level,
        Zstd.maxCompressionLevel());
    checkArgument(workers >= 0 && workers <= 64, "zstd workers (%s) must be 0-64", workers);
    // 27 (128 MiB) is the largest window a default zstd decoder accepts; larger frames would need
    // `zstd --long=N -d` to read, so they are refused here rather than written.
    checkArgument(
        longWindowLog == 0 || (longWindowLog >= 10 && longWindowLog <= 27),
        "zstd long window log (%s) must be 0 (off) or 10-27",
        longWindowLog);
    this.level = level;
    this.workers = workers;
    this.longWindowLog = longWindowLog;
  }

  /** Level 3, on the calling thread, no long-distance matching. */
  public static ZstdCodec defaults() {
    return new ZstdCodec(3, 0, 0);
  }

  /** A codec with the given level, worker threads and long-distance window log (0 for off). */
  public static ZstdCodec of(int level, int workers, int longWindowLog) {
    return new ZstdCodec(level, workers, longWindowLog);
  }

  /** The most worker threads {@link #automaticWorkers} picks, however many cores there are. */
  static final int MAX_AUTOMATIC_WORKERS = 8;

  /**
   * The zstd worker threads a backup of {@code source} should use on a host with {@code cores}
   * cores: 0 (the calling thread) on one core; otherwise one per core, but one core fewer for a
   * source whose own work runs on this host and needs the CPU too: any scheme other than {@code
   * file} whose host is missing (a local socket) or loopback, such as a local {@code pg_dump} or
   * {@code redis-server}. At most {@value #MAX_AUTOMATIC_WORKERS}. Worker threads let compression
   * run beside reading, encryption and hashing; the output is a standard zstd frame either way, and
   * the number is recorded in the manifest's codec parameters.
   *
   * @throws IllegalArgumentException if {@code cores} is less than 1
   */
  public static int automaticWorkers(URI source, int cores) {
    checkArgument(cores >= 1, "cores (%s) must be at least 1", cores);
    if (cores == 1) {
      return 0;
    }
    int workers = localCpuBound(source) ? cores - 1 : cores;
    return Math.min(workers, MAX_AUTOMATIC_WORKERS);
  }

  private static boolean localCpuBound(URI source) {
    String scheme = source.getScheme();
    if (scheme == null || scheme.equalsIgnoreCase("file")) {
      return false;
    }
    String host = source.getHost();
    if (host == null || host.isEmpty() || host.equalsIgnoreCase("localhost")) {
      return true;
    }
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (!bare.matches("[0-9.]+|[0-9a-fA-F:]+")) {
      return false; // a name: not resolved here (no DNS on the start path); taken as remote
    }
    try {
      return InetAddress.getByName(bare).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /** This codec with {@code workers} zstd worker threads (0: the calling thread). */
  public ZstdCodec withWorkers(int workers) {
    return new ZstdCodec(level, workers, longWindowLog);
  }

  /** The zstd worker threads of this codec (0: the calling thread). */
  public int workers() {
    return workers;
  }

  /**
   * A codec from options: {@code level}, {@code workers}, {@code long}; absent ones take the
   * defaults.
   *
   * @throws IllegalArgumentException if an option is not a number in range
   */
  public static ZstdCodec fromParameters(Map<String, String> parameters) {
    return new ZstdCodec(
        intOption(parameters, "level", 3),
        intOption(parameters, "workers", 0),
        intOption(parameters, "long", 0));
  }

  private static int intOption(Map<String, String> parameters, String name, int fallback) {
    String value = parameters.get(name);
    if (value == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "zstd option " + name + " (" + value + ") is not a whole number");
    }
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Map<String, String> parameters() {
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("level", Integer.toString(level));
    if (workers > 0) {
      parameters.put("workers", Integer.toString(workers));
    }
    if (longWindowLog > 0) {
      parameters.put("long", Integer.toString(longWindowLog));
    }
    return parameters;
  }

  @Override
  public WritableByteChannel encode(WritableByteChannel out) {
    ZstdCompressCtx ctx = new ZstdCompressCtx();
    try {
      ctx.setLevel(level);
      ctx.setChecksum(true);
      if (workers > 0) {
        ctx.setWorkers(workers);
      }
      if (longWindowLog > 0) {
        ctx.setEnableLongDistanceMatching(Zstd.ParamSwitch.ENABLE);
        ctx.setWindowLog(longWindowLog);
      }
    } catch (RuntimeException e) {
      ctx.close();
      throw e;
    }
    return new Encoder(ctx, out);
  }

  @Override
  public ReadableByteChannel decode(ReadableByteChannel in) {
    ZstdDecompressCtx ctx = new ZstdDecompressCtx();
    return new Decoder(ctx, in);
  }

  @Override
  public String toString() {
    return "zstd("
        + level
        + (workers > 0 ? ", workers " + workers : "")
        + (longWindowLog > 0 ? ", long " + longWindowLog : "")
        + ")";
  }

  private static final class Encoder implements WritableByteChannel {
    private final ZstdCompressCtx ctx;
    private final WritableByteChannel out;
    private final ByteBuffer output = ByteBuffer.allocateDirect(OUT_BUFFER);
    private ByteBuffer staging;
    private boolean closed;

    Encoder(ZstdCompressCtx ctx, WritableByteChannel out) {
      this.ctx = ctx;
      this.out = out;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (closed) {
        throw new IllegalStateException("closed");
      }
      int n = src.remaining();
      try {
        if (src.isDirect()) {
          compress(src);
        } else {
          // zstd-jni streams only from direct memory; heap callers pay one copy through a staging
          // buffer.
          if (staging == null) {
            staging = ByteBuffer.allocateDirect(OUT_BUFFER);
          }
          while (src.hasRemaining()) {
            staging.clear();
            int chunk = Math.min(staging.remaining(), src.remaining());
            ByteBuffer slice = src.slice();
            slice.limit(chunk);
            staging.put(slice).flip();
            src.position(src.position() + chunk);
            compress(staging);
          }
        }
      } catch (ZstdException e) {
        throw new IOException("zstd encode failed: " + e.getMessage(), e);
      }
      return n;
    }

    private void compress(ByteBuffer src) throws IOException {
      while (src.hasRemaining()) {
        ctx.compressDirectByteBufferStream(output, src, EndDirective.CONTINUE);
        if (!output.hasRemaining()) {
          drain();
        }
      }
    }

    private void drain() throws IOException {
      output.flip();
      // Lent, not copied: the downstream consumes `output` before write returns, then it is reused.
      ByteChannels.writeFully(out, output);
      output.clear();
    }

    @Override
    public boolean isOpen() {
      return !closed;
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      Throwable failure = null;
      try {
        ByteBuffer empty = ByteBuffer.allocateDirect(0);
        boolean flushed;
        do {
          flushed = ctx.compressDirectByteBufferStream(output, empty, EndDirective.END);
          drain();
        } while (!flushed);
      } catch (ZstdException e) {
        failure = new IOException("zstd encode failed: " + e.getMessage(), e);
      } catch (IOException | RuntimeException e) {
        failure = e;
      } finally {
        ctx.close();
      }
      try {
        out.close();
      } catch (IOException | RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
      Failures.rethrowIfAny(failure, "zstd encode");
    }
  }

  private static final class Decoder implements ReadableByteChannel {
    private final ZstdDecompressCtx ctx;
    private final ReadableByteChannel in;
    private final ByteBuffer input = ByteBuffer.allocateDirect(128 * 1024).flip();
    private final ByteBuffer output = ByteBuffer.allocateDirect(OUT_BUFFER).flip();
    private boolean inputEnded;
    private boolean frameComplete;
    private boolean anyInput;
    private boolean closed;

    Decoder(ZstdDecompressCtx ctx, ReadableByteChannel in) {
      this.ctx = ctx;
      this.in = in;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (closed) {
        throw new IllegalStateException("closed");
      }
      if (!dst.hasRemaining()) {
        return 0;
      }
      try {
        while (true) {
          if (output.hasRemaining()) {
            int n = Math.min(output.remaining(), dst.remaining());
            ByteBuffer slice = output.slice();
            slice.limit(n);
            dst.put(slice);
            output.position(output.position() + n);
            return n;
          }
          if (!input.hasRemaining()) {
            if (inputEnded) {
              if (!anyInput) {
                throw new IntegrityException(
                    "zstd decode failed: the stream is empty, not a zstd frame;"
                        + " the stored object is truncated");
              }
              if (!frameComplete) {
                throw new IntegrityException(
                    "zstd decode failed: the stream ends inside a frame; the stored"
                        + " object is truncated");
              }
              return -1;
            }
            input.clear();
            int n = in.read(input);
            input.flip();
            if (n < 0) {
              inputEnded = true;
            } else if (n > 0) {
              anyInput = true;
            }
            continue;
          }
          if (dst.isDirect()) {
            // Decompress straight into the caller's buffer: no copy.
            int before = dst.position();
            frameComplete = ctx.decompressDirectByteBufferStream(dst, input);
            if (dst.position() > before) {
              return dst.position() - before;
            }
          } else {
            output.clear();
            frameComplete = ctx.decompressDirectByteBufferStream(output, input);
            output.flip();
          }
        }
      } catch (ZstdException e) {
        throw new IntegrityException(
            "zstd decode failed: " + e.getMessage() + "; the stored data is damaged or not zstd",
            e);
      }
    }

    @Override
    public boolean isOpen() {
      return !closed;
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try {
        ctx.close();
      } finally {
        in.close();
      }
    }
  }
}
