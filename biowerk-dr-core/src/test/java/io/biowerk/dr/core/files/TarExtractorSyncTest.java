package io.biowerk.dr.core.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The extraction syncs large files on a thread of its own while it goes on (the disk writes while
 * the rest is decoded) and waits for those syncs before it finishes.
 */
class TarExtractorSyncTest {

  @TempDir Path dir;

  private static byte[] archive() {
    char[] large = new char[(int) TarExtractor.SYNC_AT + 10];
    Arrays.fill(large, 'x');
    RawTar tar = new RawTar().dir("d");
    for (int i = 0; i < TarExtractor.MAX_PENDING_SYNCS + 4; i++) {
      tar.file("d/large-" + i, new String(large));
    }
    // A later entry replaces an earlier one of the same name: its synced channel stays valid.
    tar.file("d/large-0", new String(large, 0, large.length - 1));
    return tar.file("d/small", "small").finish();
  }

  @Test
  void everyLargeFileIsSyncedBeforeFinishReturnsAndSmallOnesAreNot() throws Exception {
    Path root = Files.createDirectory(dir.resolve("root"));
    List<Long> synced = Collections.synchronizedList(new ArrayList<>());
    TarExtractor tar = new TarExtractor(root, true);
    tar.syncLargeFilesInBackground(
        file -> {
          file.force(true);
          synced.add(file.size());
        });
    tar.extractAll(new ByteArrayInputStream(archive()));
    tar.finish();

    // MAX_PENDING_SYNCS + 4 large files plus the replacement: more than the queue holds at once.
    assertThat(synced).hasSize(TarExtractor.MAX_PENDING_SYNCS + 5);
    assertThat(synced).allMatch(size -> size >= TarExtractor.SYNC_AT);
    assertThat(Files.size(root.resolve("d/large-0"))).isEqualTo(TarExtractor.SYNC_AT + 9);
    assertThat(Files.size(root.resolve("d/large-1"))).isEqualTo(TarExtractor.SYNC_AT + 10);
    assertThat(Files.readString(root.resolve("d/small"))).isEqualTo("small");
  }

  /**
   * A disk that fails its fsync (it cannot be made to fail here, so the sync given to the extractor
   * throws what the JDK throws on EIO) fails the extraction at finish, saying what to do.
   */
  @Test
  void aFailedSyncFailsTheExtractionAndSaysWhatToCheck() throws Exception {
    Path root = Files.createDirectory(dir.resolve("root"));
    TarExtractor tar = new TarExtractor(root, true);
    tar.syncLargeFilesInBackground(
        file -> {
          throw new IOException("Input/output error");
        });
    tar.extractAll(new ByteArrayInputStream(archive()));
    assertThatThrownBy(tar::finish)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot sync a restored file in " + root)
        .hasMessageContaining("Input/output error")
        .hasMessageContaining("restore again");
  }
}
