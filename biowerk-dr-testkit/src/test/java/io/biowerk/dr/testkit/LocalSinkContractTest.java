package io.biowerk.dr.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.Sinks;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.local.LocalSink;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LocalSink} against the sink contract, plus what only a directory can show. */
class LocalSinkContractTest extends SinkContractTest {

  @TempDir Path dir;

  @Override
  protected Sink newSink() throws Exception {
    return LocalSink.open(dir.resolve("repo"));
  }

  @Test
  void anAbortedWriteLeavesNoFileBehind() throws Exception {
    LocalSink local = (LocalSink) sink();
    try (PendingWrite out = local.openWrite("a/b/object.bin")) {
      out.write(ByteBuffer.wrap(new byte[1000]));
    }
    try (Stream<Path> files = Files.walk(local.root())) {
      assertThat(files.filter(Files::isRegularFile)).isEmpty();
    }
    assertThat(local.abandonedWrites()).isEmpty();
  }

  @Test
  void aPendingWriteIsATempFileHiddenFromListing() throws Exception {
    LocalSink local = (LocalSink) sink();
    try (PendingWrite out = local.openWrite("a/object.bin")) {
      out.write(ByteBuffer.wrap(new byte[10]));
      assertThat(local.abandonedWrites()).hasSize(1);
      assertThat(local.list("")).isEmpty();
    }
  }

  @Test
  void keysThatEscapeTheRepositoryAreRefused() throws Exception {
    for (String key : new String[] {"../outside", "a/../../outside", "/etc/passwd", "a/./b", ""}) {
      assertThatThrownBy(() -> sink().openWrite(key))
          .as(key)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(Files.exists(dir.resolve("outside"))).isFalse();
  }

  @Test
  void theFileSchemeFindsALocalSinkThroughServiceLoader() throws Exception {
    Sink found = Sinks.forUri(dir.resolve("by-uri").toUri());
    assertThat(found).isInstanceOf(LocalSink.class);
    found.put("x/y", new byte[] {1, 2, 3});
    assertThat(Files.readAllBytes(dir.resolve("by-uri/x/y"))).containsExactly(1, 2, 3);
  }

  @Test
  void aCommitTheFileSystemRefusesSaysWhatHappenedAndWhatToDoAndLeavesNothing() throws Exception {
    LocalSink local = (LocalSink) sink();
    PendingWrite out = local.openWrite("orders/daily/orders_20240115_020000.sql.zst");
    out.write(ByteBuffer.wrap(new byte[1000]));
    // The directory (and the temp file in it) goes away under the write, as an unmounted volume
    // does.
    try (Stream<Path> files = Files.walk(local.root().resolve("orders/daily"))) {
      for (Path path : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
    assertThatThrownBy(out::commit)
        .isInstanceOfSatisfying(
            StorageException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(StorageException.Reason.NO_SUCH_CONTAINER);
              assertThat(e.location()).endsWith("orders/daily/orders_20240115_020000.sql.zst");
            })
        .hasMessageContaining("file: committing ")
        .hasMessageContaining("orders_20240115_020000.sql.zst")
        .hasMessageContaining("failed after 1000 bytes")
        .hasMessageContaining("nothing of this object was kept")
        .hasMessageContaining("check the mount and the path, then run it again");
    assertThat(local.list("")).isEmpty();
    assertThat(local.abandonedWrites()).isEmpty();
  }
}
