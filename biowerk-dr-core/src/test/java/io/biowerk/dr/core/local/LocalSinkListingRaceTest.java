package io.biowerk.dr.core.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.StoredObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Listing a repository while another process commits and removes files in it, as a WAL push or a
 * prune does next to a {@code status} or a second backup: files that vanish between the directory
 * read and their attributes are normal and must neither fail the listing nor be logged as a
 * problem.
 */
class LocalSinkListingRaceTest {

  @Test
  void listingAndAbandonedWritesSurviveFilesCommittedAndRemovedMeanwhile(@TempDir Path dir)
      throws Exception {
    LocalSink sink = LocalSink.open(dir);
    Path wal = Files.createDirectories(dir.resolve("src/wal"));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> writerFailure = new AtomicReference<>();
    Thread writer =
        new Thread(
            () -> {
              try {
                for (int i = 0; !stop.get(); i++) {
                  // A write: temp file, then the atomic rename that commits it; older ones pruned.
                  Path temp = wal.resolve(".seg-" + i + LocalSink.TEMP_MARK + "x");
                  Files.write(temp, new byte[] {1, 2, 3});
                  Files.move(temp, wal.resolve("seg-" + i), StandardCopyOption.ATOMIC_MOVE);
                  Files.deleteIfExists(wal.resolve("seg-" + (i - 3)));
                }
              } catch (IOException | RuntimeException e) {
                writerFailure.set(e);
              }
            },
            "listing-race-writer");
    writer.start();
    int listings = 0;
    try {
      for (; listings < 3000; listings++) {
        for (StoredObject object : sink.list("src/wal/")) {
          assertThat(object.key()).matches("src/wal/seg-\\d+");
        }
        for (StoredObject temp : sink.abandonedWrites()) {
          assertThat(temp.key()).contains(LocalSink.TEMP_MARK);
        }
      }
    } finally {
      stop.set(true);
      writer.join();
    }
    assertThat(writerFailure.get()).isNull();
    assertThat(listings).isEqualTo(3000);
  }
}
