package io.biowerk.dr.postgres;

import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Sources for failure tests: a real source with an action run after its first bytes, and fixed
 * bytes.
 */
final class TestSources {

  private TestSources() {}

  /** Something done to the world while a dump is mid-stream. */
  interface Action {
    void run() throws Exception;
  }

  /**
   * {@code real}, but after the first read returned bytes, {@code action} runs before reading on.
   * pg_dump is then blocked on a full pipe, so the action always lands mid-stream for any dump
   * above the pipe size.
   */
  static Source afterFirstBytes(PostgresSource real, Action action) {
    return new Source() {
      @Override
      public String kind() {
        return real.kind();
      }

      @Override
      public String name() {
        return real.name();
      }

      @Override
      public String format() {
        return real.format();
      }

      @Override
      public SourceStream open() throws IOException {
        SourceStream stream = real.open();
        return new SourceStream() {
          boolean done;

          @Override
          public Map<String, Object> facts() {
            return stream.facts();
          }

          @Override
          public boolean isOpen() {
            return stream.isOpen();
          }

          @Override
          public void close() throws IOException {
            stream.close();
          }

          @Override
          public int read(ByteBuffer dst) throws IOException {
            int n = stream.read(dst);
            if (n > 0 && !done) {
              done = true;
              try {
                action.run();
              } catch (Exception e) {
                throw new IllegalStateException("test action failed", e);
              }
            }
            return n;
          }
        };
      }

      @Override
      public String toString() {
        return real.toString();
      }
    };
  }

  /** Kills (SIGKILL) every pg_dump child of this JVM whose command line names {@code database}. */
  static int killPgDump(String database) throws Exception {
    int killed = 0;
    for (ProcessHandle child : ProcessHandle.current().descendants().toList()) {
      String line = child.info().commandLine().orElse("");
      if (line.contains("pg_dump") && line.contains(database)) {
        child.destroyForcibly();
        child.onExit().get();
        killed++;
      }
    }
    if (killed == 0) {
      throw new IllegalStateException("no pg_dump of " + database + " was running");
    }
    return killed;
  }

  /** A source of fixed bytes claiming to be a pg_dump backup, for verifier tests. */
  static Source bytes(byte[] data) {
    return new Source() {
      @Override
      public String kind() {
        return "postgresql";
      }

      @Override
      public String name() {
        return "postgres";
      }

      @Override
      public String format() {
        return "dump";
      }

      @Override
      public SourceStream open() {
        ByteBuffer all = ByteBuffer.wrap(data);
        return new SourceStream() {
          boolean closed;

          @Override
          public Map<String, Object> facts() {
            return Map.of("tables", java.util.List.of("public.t"), "pgDumpVersion", "15.0");
          }

          @Override
          public boolean isOpen() {
            return !closed;
          }

          @Override
          public void close() {
            closed = true;
          }

          @Override
          public int read(ByteBuffer dst) {
            if (!all.hasRemaining()) {
              return -1;
            }
            int n = Math.min(all.remaining(), dst.remaining());
            ByteBuffer slice = all.slice();
            slice.limit(n);
            dst.put(slice);
            all.position(all.position() + n);
            return n;
          }
        };
      }
    };
  }
}
