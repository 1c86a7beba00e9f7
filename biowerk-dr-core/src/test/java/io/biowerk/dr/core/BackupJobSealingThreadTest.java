package io.biowerk.dr.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.Sha256;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.testing.RoundTrip;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BackupJob runs encryption, the stored hash and the sink writes on a sealing thread of its own:
 * failures there and on the other threads still abort every write, leave nothing behind and end
 * every thread.
 */
class BackupJobSealingThreadTest {

  @TempDir Path dir;

  static byte[] data(int size) {
    byte[] data = new byte[size];
    new Random(size).nextBytes(data);
    for (int i = 0; i < size; i += 2) {
      data[i] = 'x';
    }
    return data;
  }

  /**
   * A sink whose data writes fail once {@code limit} bytes have been written, as a full disk does.
   */
  static Sink failingAfter(LocalSink inner, long limit) {
    return new Sink() {
      @Override
      public PendingWrite openWrite(String key) throws IOException {
        PendingWrite write = inner.openWrite(key);
        return new PendingWrite() {
          long written;

          @Override
          public int write(ByteBuffer src) throws IOException {
            if (written + src.remaining() > limit) {
              throw new IOException(
                  "test sink: no space left after " + limit + " bytes; free some space");
            }
            written += src.remaining();
            return write.write(src);
          }

          @Override
          public boolean isOpen() {
            return write.isOpen();
          }

          @Override
          public void commit() throws IOException {
            write.commit();
          }

          @Override
          public void abort() {
            write.abort();
          }
        };
      }

      @Override
      public ReadableByteChannel openRead(String key) throws IOException {
        return inner.openRead(key);
      }

      @Override
      public List<StoredObject> list(String prefix) throws IOException {
        return inner.list(prefix);
      }

      @Override
      public void delete(String key) throws IOException {
        inner.delete(key);
      }
    };
  }

  static Source failingSource(byte[] data, int failAt) {
    return new Source() {
      @Override
      public String kind() {
        return "test";
      }

      @Override
      public String name() {
        return "unit";
      }

      @Override
      public String format() {
        return "bin";
      }

      @Override
      public SourceStream open() {
        return new SourceStream() {
          int position;

          @Override
          public Map<String, Object> facts() {
            return Map.of();
          }

          @Override
          public int read(ByteBuffer dst) throws IOException {
            if (position >= failAt) {
              throw new SourceFailedException(
                  "test: connection lost after " + failAt + " bytes; retry", "test", "");
            }
            int n = Math.min(dst.remaining(), Math.min(failAt, data.length) - position);
            dst.put(data, position, n);
            position += n;
            return n;
          }

          @Override
          public boolean isOpen() {
            return true;
          }

          @Override
          public void close() {}
        };
      }
    };
  }

  static KeyRing ring(MasterKey key) {
    return KeyRing.of(
        new KeyProvider() {
          @Override
          public java.util.Optional<MasterKey> key(String id) {
            return id.equals(key.id()) ? java.util.Optional.of(key) : java.util.Optional.empty();
          }

          @Override
          public java.util.Optional<String> activeKeyId() {
            return java.util.Optional.of(key.id());
          }

          @Override
          public java.util.Set<String> keyIds() {
            return java.util.Set.of(key.id());
          }
        });
  }

  static void assertNoPipelineThreadsLeft() throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      boolean any =
          Thread.getAllStackTraces().keySet().stream()
              .anyMatch(
                  t ->
                      t.isAlive()
                          && (t.getName().startsWith("biowerk-dr-seal-")
                              || t.getName().startsWith("biowerk-dr-read-")));
      if (!any) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("a pipeline thread is still running after the backup ended");
  }

  @Test
  void sinkFailingOnTheSealingThreadAbortsTheBackupAndLeavesNothing() throws Exception {
    LocalSink local = LocalSink.open(dir.resolve("repo"));
    MasterKey key = MasterKey.generate("k1");
    BackupJob job =
        BackupJob.of(RoundTrip.source(data(6_000_000)))
            .codecs(ZstdCodec.defaults(), EncryptionCodec.encryptingWith(key, ring(key)))
            .sinks(failingAfter(local, 1_000_000))
            .buffers(2, 65536)
            .build();
    assertThatThrownBy(job::run)
        .isInstanceOf(IOException.class)
        .hasMessage("test sink: no space left after 1000000 bytes; free some space");
    assertThat(local.list("")).isEmpty();
    assertNoPipelineThreadsLeft();
  }

  @Test
  void sourceFailingMidStreamAbortsTheBackupAndEndsTheSealingThread() throws Exception {
    LocalSink local = LocalSink.open(dir.resolve("repo"));
    MasterKey key = MasterKey.generate("k1");
    BackupJob job =
        BackupJob.of(failingSource(data(4_000_000), 2_000_000))
            .codecs(ZstdCodec.of(3, 2, 0), EncryptionCodec.encryptingWith(key, ring(key)))
            .sinks(local)
            .build();
    assertThatThrownBy(job::run)
        .isInstanceOf(SourceFailedException.class)
        .hasMessageContaining("test: connection lost after 2000000 bytes");
    assertThat(local.list("")).isEmpty();
    assertNoPipelineThreadsLeft();
  }

  @Test
  void chainsOfZeroOneAndTwoCodecsRoundTrip() throws Exception {
    byte[] data = data(2_345_678);
    MasterKey key = MasterKey.generate("k1");
    KeyRing ring = ring(key);
    List<List<Codec>> chains =
        List.of(
            List.of(),
            List.of(ZstdCodec.defaults()),
            List.of(EncryptionCodec.encryptingWith(key, ring)),
            List.of(ZstdCodec.of(3, 2, 0), EncryptionCodec.encryptingWith(key, ring, 4096)));
    int n = 0;
    for (List<Codec> chain : chains) {
      LocalSink sink = LocalSink.open(dir.resolve("repo" + n++));
      BackupManifest manifest =
          BackupJob.of(RoundTrip.source(data))
              .codecs(chain)
              .sinks(sink)
              .buffers(3, 100_000)
              .build()
              .run();
      assertThat(manifest.rawSha256()).isEqualTo(Sha256.of(data));
      assertThat(manifest.storedSha256()).isEqualTo(Sha256.of(sink.get(manifest.dataKey())));
      assertThat(manifest.storedSize()).isEqualTo(sink.get(manifest.dataKey()).length);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      RestoreJob.of(sink, manifest, ring, RoundTrip.collect(out)).run();
      assertThat(out.toByteArray()).as("chain %s", chain).isEqualTo(data);
    }
    assertNoPipelineThreadsLeft();
  }
}
