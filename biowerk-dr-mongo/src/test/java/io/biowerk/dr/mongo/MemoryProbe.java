package io.biowerk.dr.mongo;

import io.biowerk.dr.core.SourceStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * A separate JVM for the memory benchmark (run with {@code -Xmx64m} by {@link MongoBenchmarkIT}):
 * {@code backup <uri> <file>} dumps the server into an archive file, {@code restore <uri> <file>}
 * restores it. Prints the bytes moved and the heap limit; finishing at all under {@code -Xmx64m} is
 * the result.
 */
public final class MemoryProbe {

  private MemoryProbe() {}

  public static void main(String[] args) throws IOException {
    URI uri = URI.create(args[1]);
    Path file = Path.of(args[2]);
    long bytes = 0;
    if (args[0].equals("backup")) {
      try (SourceStream stream = MongoSource.of(uri).open();
          FileChannel out =
              FileChannel.open(
                  file,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE,
                  StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        while (stream.read(buffer) >= 0) {
          buffer.flip();
          bytes += buffer.remaining();
          while (buffer.hasRemaining()) {
            out.write(buffer);
          }
          buffer.clear();
        }
      }
    } else {
      try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
          var write = MongoRestoreTarget.of(uri, true).open(Runs.manifest(Map.of()))) {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        while (in.read(buffer) >= 0) {
          buffer.flip();
          bytes += buffer.remaining();
          write.write(buffer);
          buffer.clear();
        }
        write.commit();
      }
    }
    System.out.println(
        "PROBE "
            + args[0]
            + " bytes="
            + bytes
            + " maxHeap="
            + Runtime.getRuntime().maxMemory()
            + " committedHeapAtEnd="
            + Runtime.getRuntime().totalMemory());
  }
}
