package io.biowerk.dr.core.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.codec.ZstdCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restore into a directory reads the stored bytes once (issue 19: no second download from a
 * remote repository), and still refuses a damaged backup before the directory appears.
 */
class RestoreReadsOnceTest {

  @TempDir Path dir;
  Path data;

  @BeforeEach
  void aDirectory() throws IOException {
    data = Files.createDirectories(dir.resolve("data"));
    Files.writeString(data.resolve("a.sql"), "INSERT INTO t VALUES (1, 'x');\n".repeat(15_000));
    byte[] noise = new byte[200_000];
    new Random(3).nextBytes(noise);
    Files.write(data.resolve("b.bin"), noise);
  }

  private BackupManifest backUp(InMemorySink sink, boolean compress) throws IOException {
    BackupJob.Builder job = BackupJob.of(FilesSource.of(data, "data")).sinks(sink);
    if (compress) {
      job = job.codecs(ZstdCodec.defaults());
    }
    return job.build().run();
  }

  /** A target that passes everything to a files target but does not say it stages. */
  private static RestoreTarget notStaged(RestoreTarget target) {
    return manifest -> target.open(manifest);
  }

  @Test
  void aDirectoryTargetStagesSoTheStoredBytesAreReadOnce() throws Exception {
    InMemorySink sink = InMemorySink.named("once");
    BackupManifest m = backUp(sink, true);
    FilesRestoreTarget staged = FilesRestoreTarget.of(dir.resolve("staged"), false);
    assertThat(staged.stagesUntilCommit()).isTrue();

    long before = sink.reads();
    io.biowerk.dr.core.RestoreJob.of(sink, m, KeyRing.empty(), staged).run();
    long stagedReads = sink.reads() - before;

    before = sink.reads();
    io.biowerk.dr.core.RestoreJob.of(
            sink, m, KeyRing.empty(), notStaged(FilesRestoreTarget.of(dir.resolve("two"), false)))
        .run();
    long twoPassReads = sink.reads() - before;

    assertThat(stagedReads).isEqualTo(twoPassReads - 1);
    assertThat(dir.resolve("staged/a.sql")).hasSameBinaryContentAs(data.resolve("a.sql"));
    assertThat(dir.resolve("staged/b.bin")).hasSameBinaryContentAs(data.resolve("b.bin"));
  }

  @Test
  void aDamagedPlainBackupIsStillReportedAsDamageAndLeavesNoTarget() throws Exception {
    InMemorySink sink = InMemorySink.named("damaged");
    BackupManifest m = backUp(sink, false);
    byte[] stored = read(sink, m.dataKey());
    // InMemorySink.replace stores one chunk, which its reader handles up to 1 MiB.
    assertThat(stored.length).isLessThan(1 << 20);
    // 0: the first tar header (its name and checksum), the tar reader trips first; the middle:
    // file contents, only the checksums at the end see it.
    for (int at : new int[] {0, 100, stored.length / 2}) {
      byte[] damaged = stored.clone();
      damaged[at] ^= 0x5a;
      sink.replace(m.dataKey(), damaged);
      Path target = dir.resolve("restored-" + at);
      assertThatThrownBy(
              () ->
                  io.biowerk.dr.core.RestoreJob.of(
                          sink, m, KeyRing.empty(), FilesRestoreTarget.of(target, false))
                      .run())
          .as("damage at %s", at)
          .isInstanceOf(IntegrityException.class)
          .hasMessageContaining("backup " + m.id())
          .hasMessageContaining("the backup is damaged, restore another copy");
      assertThat(target).doesNotExist();
      try (Stream<Path> left = Files.list(dir)) {
        assertThat(left.map(p -> p.getFileName().toString()))
            .as("nothing staged is left beside the target")
            .containsExactly("data");
      }
    }
  }

  @Test
  void theDefaultForOtherTargetsIsNotStaged() {
    RestoreTarget other = manifest -> (PendingWrite) null;
    assertThat(other.stagesUntilCommit()).isFalse();
  }

  private static byte[] read(InMemorySink sink, String key) throws IOException {
    try (ReadableByteChannel in = sink.openRead(key)) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      ByteBuffer buffer = ByteBuffer.allocate(65536);
      while (in.read(buffer) >= 0) {
        buffer.flip();
        out.write(buffer.array(), 0, buffer.limit());
        buffer.clear();
      }
      return out.toByteArray();
    }
  }
}
