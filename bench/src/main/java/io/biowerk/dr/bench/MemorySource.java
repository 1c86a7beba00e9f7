package io.biowerk.dr.bench;

import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceStream;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * A {@link Source} serving {@code total} bytes by cycling over an in-memory sample, so the
 * benchmark measures the pipeline rather than a disk or a dump tool. Reading costs one memory copy
 * into the pipeline's buffer, as a pipe from a dump process would.
 */
final class MemorySource implements Source {
  private final byte[] sample;
  private final long total;

  MemorySource(byte[] sample, long total) {
    this.sample = sample;
    this.total = total;
  }

  @Override
  public String kind() {
    return "bench";
  }

  @Override
  public String name() {
    return "sqldump";
  }

  @Override
  public String format() {
    return "sql";
  }

  @Override
  public SourceStream open() {
    return new SourceStream() {
      private long position;
      private boolean open = true;

      @Override
      public Map<String, Object> facts() {
        return Map.of("generator", "SqlDumpData");
      }

      @Override
      public int read(ByteBuffer dst) {
        if (position >= total) {
          return -1;
        }
        int offset = (int) (position % sample.length);
        int n = (int) Math.min(Math.min(dst.remaining(), sample.length - offset), total - position);
        dst.put(sample, offset, n);
        position += n;
        return n;
      }

      @Override
      public boolean isOpen() {
        return open;
      }

      @Override
      public void close() {
        open = false;
      }
    };
  }
}
