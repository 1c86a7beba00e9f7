package io.biowerk.dr.testkit;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link Source} whose runs deliver a fixed byte array, at most {@code perRead} bytes per read,
 * so a test chooses both the data and how it is chunked on its way into the pipeline. Immutable;
 * the array is copied.
 */
public final class InMemorySource implements Source {

  private final byte[] data;
  private final String name;
  private final String format;
  private final int perRead;

  private InMemorySource(byte[] data, String name, String format, int perRead) {
    this.data = data;
    this.name = BackupLayout.checkSourceName(name);
    this.format = Objects.requireNonNull(format, "format");
    if (perRead < 1) {
      throw new IllegalArgumentException("perRead (" + perRead + ") must be positive");
    }
    this.perRead = perRead;
  }

  /** Runs of {@code data}, named {@code memory}, format {@code bin}, delivered as fast as asked. */
  public static InMemorySource of(byte[] data) {
    return new InMemorySource(data.clone(), "memory", "bin", Integer.MAX_VALUE);
  }

  /** The same data under another source name and format. */
  public InMemorySource named(String newName, String newFormat) {
    return new InMemorySource(data, newName, newFormat, perRead);
  }

  /** The same data, at most {@code bytes} per read. */
  public InMemorySource deliveringAtMost(int bytes) {
    return new InMemorySource(data, name, format, bytes);
  }

  @Override
  public String kind() {
    return "memory";
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String format() {
    return format;
  }

  @Override
  public SourceStream open() {
    return new SourceStream() {
      private int position;
      private volatile boolean closed;

      @Override
      public int read(ByteBuffer dst) throws ClosedChannelException {
        if (closed) {
          throw new ClosedChannelException();
        }
        if (position == data.length) {
          return -1;
        }
        int n = Math.min(Math.min(dst.remaining(), perRead), data.length - position);
        dst.put(data, position, n);
        position += n;
        return n;
      }

      @Override
      public boolean isOpen() {
        return !closed;
      }

      @Override
      public Map<String, Object> facts() {
        return Map.of("size", data.length);
      }

      @Override
      public void close() {
        closed = true;
      }
    };
  }

  @Override
  public String toString() {
    return "memory:" + name + "[" + data.length + " bytes]";
  }
}
