package io.biowerk.dr.examples;

import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.IntegrityException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * A worked example of a {@link Codec} (docs/library.md, "A codec of your own"): gzip from the JDK.
 * Stateless, so one instance serves every stream; the per-stream state lives in the channels. Its
 * contract test is {@code GzipCodecTest}, which extends the test kit's {@code CodecContractTest}.
 *
 * <pre>{@code
 * Repository repository =
 *     Repository.builder().sink(dir).keyFile(keys).compression(new GzipCodec()).build();
 * }</pre>
 */
public final class GzipCodec implements Codec {

  @Override
  public String id() {
    return "gz";
  }

  @Override
  public Map<String, String> parameters() {
    return Map.of();
  }

  @Override
  public WritableByteChannel encode(WritableByteChannel out) throws IOException {
    GZIPOutputStream gzip = new GZIPOutputStream(Channels.newOutputStream(out), 64 * 1024);
    return new WritableByteChannel() {
      private final byte[] chunk = new byte[64 * 1024];
      private boolean open = true;

      @Override
      public int write(ByteBuffer src) throws IOException {
        if (!open) {
          throw new IllegalStateException("closed");
        }
        int n = src.remaining();
        while (src.hasRemaining()) {
          int len = Math.min(chunk.length, src.remaining());
          src.get(chunk, 0, len);
          gzip.write(chunk, 0, len);
        }
        return n;
      }

      @Override
      public boolean isOpen() {
        return open;
      }

      @Override
      public void close() throws IOException {
        if (open) {
          open = false;
          gzip.close(); // writes the trailer, then closes out
        }
      }
    };
  }

  @Override
  public ReadableByteChannel decode(ReadableByteChannel in) throws IOException {
    InputStream raw = Channels.newInputStream(in);
    return new ReadableByteChannel() {
      private final byte[] chunk = new byte[64 * 1024];
      private InputStream gzip; // made at the first read: the header is damage like any other
      private boolean open = true;

      @Override
      public int read(ByteBuffer dst) throws IOException {
        if (!open) {
          throw new IllegalStateException("closed");
        }
        if (!dst.hasRemaining()) {
          return 0;
        }
        try {
          if (gzip == null) {
            gzip = new GZIPInputStream(raw, 64 * 1024);
          }
          int n = gzip.read(chunk, 0, Math.min(chunk.length, dst.remaining()));
          if (n > 0) {
            dst.put(chunk, 0, n);
          }
          return n;
        } catch (ZipException | EOFException e) {
          throw new IntegrityException(
              "gz decode failed: " + e.getMessage() + "; the stored backup is damaged", e);
        }
      }

      @Override
      public boolean isOpen() {
        return open;
      }

      @Override
      public void close() throws IOException {
        if (open) {
          open = false;
          raw.close();
        }
      }
    };
  }
}
