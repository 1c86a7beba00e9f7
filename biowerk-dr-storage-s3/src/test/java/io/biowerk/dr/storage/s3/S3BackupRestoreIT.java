package io.biowerk.dr.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupReader;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.RestoreJob;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceStream;
import io.biowerk.dr.core.StoredObject;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.local.LocalSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole backup (zstd, then AES-256-GCM) fanned out to S3 and a local directory, restored from S3
 * with checksums verified, and promoted to the weekly tier by server-side copy.
 */
@ExtendWith(S3ProxyExtension.class)
class S3BackupRestoreIT {

  @TempDir Path dir;

  private final S3ProxyServer server;

  S3BackupRestoreIT(S3ProxyServer server) {
    this.server = server;
  }

  /** 40 MB of half-compressible bytes generated on the fly, like a database dump. */
  static Source generated(long size) {
    return new Source() {
      @Override
      public String kind() {
        return "test";
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
        SplittableRandom random = new SplittableRandom(42);
        return new SourceStream() {
          long left = size;
          boolean open = true;

          @Override
          public Map<String, Object> facts() {
            return Map.of("generated", size);
          }

          @Override
          public int read(ByteBuffer dst) {
            if (left == 0) {
              return -1;
            }
            int n = (int) Math.min(dst.remaining(), left);
            for (int i = 0; i < n; i++) {
              // runs of text between random bytes: zstd shrinks it, but not to nothing
              dst.put((byte) ((i & 64) == 0 ? 'a' + (i % 26) : random.nextInt()));
            }
            left -= n;
            return n;
          }

          @Override
          public boolean isOpen() {
            return open;
          }

          @Override
          public void close() {
            open = false;
          }
        };
      }
    };
  }

  /** A restore target that keeps only the SHA-256 of what it receives, published on commit. */
  static final class DigestTarget implements RestoreTarget {
    String committedSha256;
    long committedSize;

    @Override
    public PendingWrite open(BackupManifest manifest) {
      MessageDigest sha;
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      long[] size = {0};
      AtomicBoolean open = new AtomicBoolean(true);
      return new PendingWrite() {
        @Override
        public int write(ByteBuffer src) {
          int n = src.remaining();
          sha.update(src);
          size[0] += n;
          return n;
        }

        @Override
        public boolean isOpen() {
          return open.get();
        }

        @Override
        public void commit() {
          open.set(false);
          committedSha256 = HexFormat.of().formatHex(sha.digest());
          committedSize = size[0];
        }

        @Override
        public void abort() {
          open.set(false);
        }
      };
    }
  }

  @Test
  void backupToS3AndLocalThenRestoreFromS3() throws IOException {
    String bucket = server.newBucket("backup");
    KeyFile keyFile = KeyFile.at(dir.resolve("keys/master.key"));
    keyFile.create(Clock.systemUTC());
    KeyRing ring = KeyRing.of(keyFile);
    LocalSink local = LocalSink.open(dir.resolve("repo"));
    long size = 40L << 20;
    try (S3Sink s3 =
        S3Sink.open(
            server
                .options(bucket)
                .prefix("biowerk")
                .partSize(S3Options.MIN_PART_SIZE)
                .parallelism(3)
                .rangeSize(1 << 20)
                .build())) {
      BackupManifest manifest =
          BackupJob.of(generated(size))
              .codecs(ZstdCodec.defaults(), EncryptionCodec.encryptingWith(ring.active(), ring))
              .sinks(s3, local)
              .build()
              .run();
      assertThat(manifest.rawSize()).isEqualTo(size);
      assertThat(manifest.storedSize())
          .isGreaterThan(2L * S3Options.MIN_PART_SIZE); // a multipart object
      assertThat(manifest.dataKey())
          .startsWith("postgres/daily/postgres_")
          .endsWith(".dump.zst.enc");

      // Same bytes, same listing, in both sinks; nothing left in progress, no upload left open.
      assertThat(s3.list("postgres/"))
          .extracting(StoredObject::key, StoredObject::size)
          .containsExactlyElementsOf(
              local.list("postgres/").stream()
                  .map(o -> org.assertj.core.groups.Tuple.tuple(o.key(), o.size()))
                  .toList());
      assertThat(s3.list("postgres/.in-progress")).isEmpty();
      assertThat(server.admin().listMultipartUploads(r -> r.bucket(bucket)).uploads()).isEmpty();
      // compared as JSON: a fact written as a long reads back as an int
      assertThat(Manifests.toJson(Manifests.parse(s3.get(manifest.manifestKey()), "s3")))
          .isEqualTo(Manifests.toJson(manifest));
      assertThat(new String(s3.get(manifest.sha256Key()), StandardCharsets.UTF_8))
          .isEqualTo(manifest.storedSha256() + "  " + manifest.fileName() + "\n");
      try (ReadableByteChannel in = s3.openRead(manifest.dataKey())) {
        assertThat(TestData.read(in, 1 << 16).sha256()).isEqualTo(manifest.storedSha256());
      }

      DigestTarget target = new DigestTarget();
      RestoreJob.of(s3, manifest, ring, target).run();
      assertThat(target.committedSha256).isEqualTo(manifest.rawSha256());
      assertThat(target.committedSize).isEqualTo(size);

      // Promotion into the weekly tier: a server-side copy, restorable in its own right.
      String weekly = manifest.dataKey().replace("/daily/", "/weekly/");
      s3.copy(manifest.dataKey(), weekly);
      BackupReader.checkStored(
          s3,
          new BackupManifest(
              manifest.id(),
              manifest.sourceKind(),
              manifest.sourceName(),
              manifest.sourceUri(),
              manifest.format(),
              manifest.startedAt(),
              manifest.finishedAt(),
              manifest.codecs(),
              manifest.keyId(),
              manifest.rawSize(),
              manifest.storedSize(),
              manifest.rawSha256(),
              manifest.storedSha256(),
              weekly,
              manifest.facts()));
    }
  }

  @Test
  void corruptedObjectInS3FailsTheRestore() throws IOException {
    String bucket = server.newBucket("corrupt");
    KeyFile keyFile = KeyFile.at(dir.resolve("keys/master.key"));
    keyFile.create(Clock.systemUTC());
    KeyRing ring = KeyRing.of(keyFile);
    try (S3Sink s3 = S3Sink.open(server.options(bucket).build())) {
      BackupManifest manifest =
          BackupJob.of(generated(1 << 20))
              .codecs(ZstdCodec.defaults(), EncryptionCodec.encryptingWith(ring.active(), ring))
              .sinks(s3)
              .build()
              .run();
      byte[] stored = s3.get(manifest.dataKey());
      stored[stored.length / 2] ^= 1;
      s3.put(manifest.dataKey(), stored);
      DigestTarget target = new DigestTarget();
      assertThatThrownBy(() -> RestoreJob.of(s3, manifest, ring, target).run())
          .isInstanceOf(io.biowerk.dr.core.IntegrityException.class);
      assertThat(target.committedSha256).isNull();
    }
    assertThat(Files.exists(dir)).isTrue();
  }
}
