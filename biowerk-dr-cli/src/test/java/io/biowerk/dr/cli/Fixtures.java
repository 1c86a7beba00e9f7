package io.biowerk.dr.cli;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceStream;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.local.LocalSink;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Backups written through core's real pipeline from fixed bytes, for tests of the commands that
 * read a repository (list, verify, prune, status) without depending on any source adapter.
 */
final class Fixtures {

  private Fixtures() {}

  /** Compressible pseudo-random bytes. */
  static byte[] data(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    for (int i = 0; i < size; i += 2) {
      data[i] = 'x';
    }
    return data;
  }

  /**
   * A backup of {@code data} as source {@code name} into {@code repo}, encrypted with {@code
   * keyFile}'s active key.
   */
  static BackupManifest backup(Path repo, Path keyFile, String name, byte[] data, Clock clock)
      throws IOException {
    List<Codec> codecs = new ArrayList<>(List.of(ZstdCodec.defaults()));
    if (keyFile != null) {
      KeyRing ring = KeyRing.of(KeyFile.at(keyFile));
      codecs.add(EncryptionCodec.encryptingWith(ring.active(), ring));
    }
    return BackupJob.of(new BytesSource(name, data))
        .codecs(codecs)
        .sinks(LocalSink.open(repo))
        .clock(clock)
        .build()
        .run();
  }

  /** A source of fixed bytes (kind {@code bytes}, format {@code bin}). */
  // ArrayRecordComponent: a test source of fixed bytes; never compared with equals.
  @SuppressWarnings("ArrayRecordComponent")
  record BytesSource(String name, byte[] data) implements Source {
    @Override
    public String kind() {
      return "bytes";
    }

    @Override
    public String format() {
      return "bin";
    }

    @Override
    public SourceStream open() {
      ReadableByteChannel in = Channels.newChannel(new ByteArrayInputStream(data));
      return new SourceStream() {
        @Override
        public Map<String, Object> facts() {
          return Map.of("bytes", data.length);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
          return in.read(dst);
        }

        @Override
        public boolean isOpen() {
          return in.isOpen();
        }

        @Override
        public void close() throws IOException {
          in.close();
        }
      };
    }
  }
}
