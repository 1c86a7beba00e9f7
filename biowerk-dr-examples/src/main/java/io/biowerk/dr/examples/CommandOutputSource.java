package io.biowerk.dr.examples;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceFailedException;
import io.biowerk.dr.core.SourceStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A worked example of a {@link Source} (docs/library.md, "A source of your own"): backs up what a
 * command writes to its standard output, the way a dump tool is driven ({@code mysqldump}, {@code
 * etcdctl snapshot save /dev/stdout}, {@code tar -c}). Each {@link #open()} starts the command
 * once; a command that exits non-zero fails the run at {@link SourceStream#close()}, so a partial
 * dump is never stored as a backup; closing before the end kills the command. Its contract test is
 * {@code CommandOutputSourceTest}, which extends the test kit's {@code SourceContractTest}.
 *
 * <pre>{@code
 * repository.backup(new CommandOutputSource("etcd", "db", List.of("etcdctl", "snapshot", "save",
 *     "/dev/stdout")));
 * }</pre>
 */
public final class CommandOutputSource implements Source {
  private final String name;
  private final String format;
  private final List<String> command;

  /**
   * A source named {@code name} whose backups have the file extension {@code format}.
   *
   * @param name the source name in the repository layout (lower case, digits, {@code -}, {@code _})
   * @param format the format (file extension) of what the command writes, e.g. {@code tar}
   * @param command the command and its arguments, run without a shell
   */
  public CommandOutputSource(String name, String format, List<String> command) {
    this.name = BackupLayout.checkSourceName(name);
    this.format = format;
    this.command = List.copyOf(command);
  }

  @Override
  public String kind() {
    return "command";
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
  public SourceStream open() throws IOException {
    Process process =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    InputStream out = process.getInputStream();
    return new SourceStream() {
      private final byte[] chunk = new byte[64 * 1024];
      private volatile boolean open = true;
      private boolean ended;

      @Override
      public Map<String, Object> facts() {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("command", command.get(0));
        return facts;
      }

      @Override
      public int read(ByteBuffer dst) throws IOException {
        if (!open) {
          throw new IllegalStateException("closed");
        }
        int n = out.read(chunk, 0, Math.min(chunk.length, dst.remaining()));
        if (n < 0) {
          ended = true;
          return -1;
        }
        dst.put(chunk, 0, n);
        return n;
      }

      @Override
      public boolean isOpen() {
        return open;
      }

      @Override
      public void close() throws IOException {
        if (!open) {
          return;
        }
        open = false;
        if (!ended) {
          // Cancelled before the end: stop the command; the run is not a backup.
          process.destroyForcibly();
          out.close();
          return;
        }
        out.close();
        int status;
        try {
          if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new SourceFailedException(
                name + ": " + command.get(0) + " did not exit after its output ended; killed it",
                name,
                "no exit");
          }
          status = process.exitValue();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          process.destroyForcibly();
          throw new SourceFailedException(
              name + ": interrupted while waiting for " + command.get(0), name, "interrupted");
        }
        if (status != 0) {
          throw new SourceFailedException(
              name
                  + ": "
                  + command.get(0)
                  + " exited with status "
                  + status
                  + ", so its output is not a complete dump; check the command and run it by hand",
              name,
              "exit status " + status);
        }
      }
    };
  }

  @Override
  public String toString() {
    return "CommandOutputSource[" + name + ": " + String.join(" ", command) + "]";
  }
}
