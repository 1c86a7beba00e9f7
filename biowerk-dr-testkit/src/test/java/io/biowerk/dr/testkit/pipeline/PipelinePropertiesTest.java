package io.biowerk.dr.testkit.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupReader;
import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.InMemorySink;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.RestoreJob;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.codec.EncryptionCodec;
import io.biowerk.dr.core.codec.Sha256;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.keys.EnvironmentKeys;
import io.biowerk.dr.testkit.InMemorySource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties of the whole pipeline (BackupJob -> sink -> RestoreJob / BackupReader), over arbitrary
 * data, the four codec chains ({@code []}, {@code [zst]}, {@code [enc]}, {@code [zst, enc]}), small
 * segments (1-2 KiB, so many segment boundaries), arbitrary buffer budgets and chunkings of source
 * and reader: every backup restores byte for byte; any damage to the stored object is an {@link
 * IntegrityException} (a restore never commits, a decoding read never reaches a clean end) and,
 * where the chain ends in encryption, nothing but a prefix of the right bytes is delivered before
 * it; a wrong key is a {@link WrongKeyException}. 1,000 tries each.
 */
class PipelinePropertiesTest {

  static final KeyRing RING = ring(new byte[32]);
  static final KeyRing WRONG = ring(filled(5));
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-30T03:00:00Z"), ZoneOffset.UTC);

  static byte[] filled(int value) {
    byte[] bytes = new byte[32];
    Arrays.fill(bytes, (byte) value);
    return bytes;
  }

  static KeyRing ring(byte[] material) {
    return KeyRing.of(
        EnvironmentKeys.fromVariable(
            "K", Map.of("K", "k1:" + Base64.getEncoder().encodeToString(material))::get));
  }

  /** The codec chains of the property: none, compress, encrypt, compress then encrypt. */
  static List<Codec> chain(int which, int segmentSize) throws IOException {
    return switch (which) {
      case 0 -> List.of();
      case 1 -> List.of(ZstdCodec.defaults());
      case 2 -> List.of(EncryptionCodec.encryptingWith(RING.active(), RING, segmentSize));
      case 3 ->
          List.of(
              ZstdCodec.of(1, 0, 0),
              EncryptionCodec.encryptingWith(RING.active(), RING, segmentSize));
      default -> throw new IllegalArgumentException("chain " + which);
    };
  }

  static BackupManifest backUp(
      InMemorySink sink, byte[] data, int perRead, List<Codec> chain, int buffers, int bufferSize)
      throws IOException {
    return BackupJob.of(InMemorySource.of(data).named("prop", "bin").deliveringAtMost(perRead))
        .codecs(chain)
        .sinks(sink)
        .clock(CLOCK)
        .buffers(buffers, bufferSize)
        .build()
        .run();
  }

  /**
   * Reads the decoded bytes to the end with reads of at most {@code chunk} bytes into {@code
   * delivered}.
   */
  static void readDecoded(
      InMemorySink sink,
      BackupManifest manifest,
      KeyRing keys,
      int chunk,
      ByteArrayOutputStream delivered)
      throws IOException {
    try (ReadableByteChannel in = BackupReader.openDecoded(sink, manifest, keys)) {
      ByteBuffer buffer = ByteBuffer.allocate(chunk);
      while (in.read(buffer) >= 0) {
        buffer.flip();
        delivered.write(buffer.array(), 0, buffer.limit());
        buffer.clear();
      }
    }
  }

  @Provide
  Arbitrary<byte[]> data() {
    // Mostly random bytes, sometimes long runs, so zstd meets both incompressible and compressible
    // input.
    return Arbitraries.oneOf(
        Arbitraries.bytes().array(byte[].class).ofMaxSize(12_000),
        Arbitraries.bytes().between((byte) 'a', (byte) 'c').array(byte[].class).ofMaxSize(20_000));
  }

  @Property
  void anyBackupRestoresByteForByte(
      @ForAll("data") byte[] data,
      @ForAll @IntRange(min = 0, max = 3) int chainId,
      @ForAll @IntRange(min = 1024, max = 2048) int segmentSize,
      @ForAll @IntRange(min = 2, max = 4) int buffers,
      @ForAll @IntRange(min = 4096, max = 9000) int bufferSize,
      @ForAll @IntRange(min = 1, max = 5000) int perRead,
      @ForAll @IntRange(min = 1, max = 5000) int readChunk)
      throws IOException {
    InMemorySink sink = InMemorySink.named("prop");
    List<Codec> chain = chain(chainId, segmentSize);
    BackupManifest manifest = backUp(sink, data, perRead, chain, buffers, bufferSize);

    assertThat(manifest.rawSize()).isEqualTo(data.length);
    assertThat(manifest.rawSha256()).isEqualTo(Sha256.of(data));
    byte[] stored = sink.get(manifest.dataKey());
    assertThat(manifest.storedSha256()).isEqualTo(Sha256.of(stored));
    assertThat(manifest.dataKey())
        .endsWith(".bin" + chain.stream().map(c -> "." + c.id()).reduce("", String::concat));
    if (chain.isEmpty()) {
      assertThat(stored).isEqualTo(data);
    }

    ByteArrayOutputStream decoded = new ByteArrayOutputStream();
    readDecoded(sink, manifest, RING, readChunk, decoded);
    assertThat(decoded.toByteArray()).isEqualTo(data);

    CollectingTarget target = new CollectingTarget();
    RestoreJob.of(sink, manifest, RING, target).run();
    assertThat(target.committed).isEqualTo(1);
    assertThat(target.restored).isEqualTo(data);
    assertThat(sink.list("prop/.in-progress")).isEmpty();
  }

  enum Damage {
    FLIP_BIT,
    TRUNCATE,
    APPEND,
    OVERWRITE_RANGE
  }

  @Property
  void anyDamageToTheStoredObjectIsDetected(
      @ForAll("data") byte[] data,
      @ForAll @IntRange(min = 0, max = 3) int chainId,
      @ForAll @IntRange(min = 1024, max = 2048) int segmentSize,
      @ForAll Damage damage,
      @ForAll Random random,
      @ForAll @IntRange(min = 1, max = 5000) int readChunk)
      throws IOException {
    InMemorySink sink = InMemorySink.named("prop");
    BackupManifest manifest = backUp(sink, data, 8192, chain(chainId, segmentSize), 2, 8192);
    byte[] stored = sink.get(manifest.dataKey());
    byte[] damaged = damage(stored, damage, random);
    if (Arrays.equals(damaged, stored)) {
      // Only an empty stored object (no chain, no data) cannot be flipped, cut or overwritten.
      assertThat(stored).isEmpty();
      damaged = new byte[] {0};
    }
    sink.put(manifest.dataKey(), damaged);
    String what = damage + " of " + stored.length + " stored bytes, chain " + chainId;

    // A restore checks the stored bytes first: the target is never even opened.
    CollectingTarget target = new CollectingTarget();
    IntegrityException refused =
        expectIntegrityFailure(() -> RestoreJob.of(sink, manifest, RING, target).run(), what);
    assertThat(refused.backupId()).contains(manifest.id());
    assertThat(target.opened).isZero();

    // Streaming without the pre-check (as decode verification does) never reaches a clean end.
    ByteArrayOutputStream delivered = new ByteArrayOutputStream();
    IntegrityException streamed =
        expectIntegrityFailure(
            () -> readDecoded(sink, manifest, RING, readChunk, delivered), what + " (streamed)");
    assertThat(streamed).hasMessageStartingWith("backup " + manifest.id() + ": ");
    if (chainId >= 2) {
      // Authenticated segments: whatever came out before the failure is the start of the real data.
      byte[] got = delivered.toByteArray();
      assertThat(got.length).as(what).isLessThanOrEqualTo(data.length);
      assertThat(Arrays.mismatch(got, Arrays.copyOf(data, got.length)))
          .as("%s: delivered bytes are not a prefix", what)
          .isEqualTo(-1);
    }
  }

  static byte[] damage(byte[] stored, Damage damage, Random random) {
    if (stored.length == 0 && damage != Damage.APPEND) {
      return stored;
    }
    return switch (damage) {
      case FLIP_BIT -> {
        byte[] copy = stored.clone();
        int bit = random.nextInt(stored.length * 8);
        copy[bit / 8] ^= (byte) (1 << (bit % 8));
        yield copy;
      }
      case TRUNCATE -> Arrays.copyOf(stored, random.nextInt(stored.length));
      case APPEND -> {
        byte[] copy = Arrays.copyOf(stored, stored.length + 1 + random.nextInt(100));
        for (int i = stored.length; i < copy.length; i++) {
          copy[i] = (byte) random.nextInt(256);
        }
        yield copy;
      }
      case OVERWRITE_RANGE -> {
        byte[] copy = stored.clone();
        int from = random.nextInt(stored.length);
        int to = Math.min(stored.length, from + 1 + random.nextInt(64));
        for (int i = from; i < to; i++) {
          // XOR with a non-zero byte, so every byte of the range really changes.
          copy[i] ^= (byte) (1 + random.nextInt(255));
        }
        yield copy;
      }
    };
  }

  interface Io {
    void run() throws IOException;
  }

  static IntegrityException expectIntegrityFailure(Io action, String what) {
    try {
      action.run();
    } catch (IntegrityException e) {
      assertThat(e.getMessage()).as(what).isNotBlank();
      return e;
    } catch (IOException | RuntimeException e) {
      throw new AssertionError(what + ": expected an IntegrityException but got " + e, e);
    }
    throw new AssertionError(what + ": the damage went undetected");
  }

  @Property
  void aWrongKeyIsAWrongKeyExceptionAndNothingIsRestored(
      @ForAll("data") byte[] data, @ForAll @IntRange(min = 2, max = 3) int chainId)
      throws IOException {
    InMemorySink sink = InMemorySink.named("prop");
    BackupManifest manifest = backUp(sink, data, 8192, chain(chainId, 1024), 2, 8192);
    CollectingTarget target = new CollectingTarget();
    try {
      RestoreJob.of(sink, manifest, WRONG, target).run();
      throw new AssertionError("restored with the wrong key");
    } catch (WrongKeyException e) {
      assertThat(e).hasMessageStartingWith("backup " + manifest.id() + ": ");
      assertThat(e.keyId()).isEqualTo("k1");
    }
    assertThat(target.opened).isZero();
  }
}
