package io.biowerk.dr.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.Codecs;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.internal.ByteChannels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The {@code zst} codec writes standard Zstandard frames: the {@code zstd} command line tool
 * decompresses what it writes, and it decompresses what the tool writes. So does the operator's
 * recovery path with no biowerk-dr at hand: decrypt a {@code .zst.enc} with a decryptor written
 * from the container spec, then {@code zstd -d}.
 */
class ZstdCliInteropTest {

  @TempDir Path dir;

  static Path zstdTool() {
    for (String candidate :
        List.of("/usr/bin/zstd", "/usr/local/bin/zstd", "/opt/homebrew/bin/zstd")) {
      Path path = Path.of(candidate);
      if (Files.isExecutable(path)) {
        return path;
      }
    }
    // Skipped only where the tool is missing (it is part of every Linux distribution: apt-get
    // install zstd).
    assumeTrue(
        false,
        "the zstd command line tool is not installed (apt-get install zstd); interop not checked");
    return null;
  }

  static byte[] data(int size) {
    // half text that compresses, half random bytes that do not, in alternating 64 KiB stretches
    byte[] data = new byte[size];
    Random random = new Random(size);
    byte[] text =
        "INSERT INTO t VALUES (42, 'lorem ipsum dolor', '2024-01-15 02:00:00+00');\n"
            .getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < size; i++) {
      data[i] = (i / 65536) % 2 == 0 ? text[i % text.length] : (byte) random.nextInt();
    }
    return data;
  }

  static byte[] run(Path tool, Path input, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(tool.toString()));
    command.addAll(List.of(args));
    command.add(input.toString());
    Process process =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] out = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("exit status of %s", command).isZero();
    return out;
  }

  static byte[] encode(List<Codec> chain, byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (WritableByteChannel channel = Codecs.encode(chain, Channels.newChannel(out))) {
      // direct buffers, the way BackupJob feeds the codec
      ByteBuffer direct = ByteBuffer.allocateDirect(1 << 20);
      for (int at = 0; at < data.length; at += direct.capacity()) {
        direct.clear();
        direct.put(data, at, Math.min(direct.capacity(), data.length - at)).flip();
        ByteChannels.writeFully(channel, direct);
      }
    }
    return out.toByteArray();
  }

  @ParameterizedTest(name = "level {0}, workers {1}, long {2}")
  @CsvSource({"3, 0, 0", "3, 2, 0", "1, 0, 27", "19, 1, 0"})
  void zstdToolDecompressesTheCodecsOutput(int level, int workers, int longLog) throws Exception {
    Path tool = zstdTool();
    byte[] data = data(3_000_000);
    Path file = dir.resolve("data.zst");
    Files.write(file, encode(List.of(ZstdCodec.of(level, workers, longLog)), data));
    assertThat(run(tool, file, "-d", "-q", "-c")).isEqualTo(data);
    // and the tool finds the content checksum the codec promises
    assertThat(new String(run(tool, file, "-l", "-v"), StandardCharsets.UTF_8)).contains("XXH64");
  }

  @Test
  void codecDecompressesTheZstdToolsOutput() throws Exception {
    Path tool = zstdTool();
    byte[] data = data(3_000_000);
    Path file = dir.resolve("data");
    Files.write(file, data);
    byte[] compressed = run(tool, file, "-3", "-q", "-c");
    byte[] decoded =
        ByteChannels.readAll(
            ZstdCodec.defaults().decode(EncryptionContainerVectorTest.channel(compressed)),
            10_000_000,
            "zstd tool output");
    assertThat(decoded).isEqualTo(data);
  }

  @Test
  void specDecryptorThenZstdToolRecoverABackupsBytes() throws Exception {
    Path tool = zstdTool();
    byte[] data = data(2_500_000);
    MasterKey key = MasterKey.generate("k20261130-cli");
    byte[] material = key.material();
    EncryptionCodec enc =
        EncryptionCodec.encryptingWith(key, EncryptionContainerVectorTest.ring(key.id(), material));
    byte[] stored = encode(List.of(ZstdCodec.defaults(), enc), data);
    Path file = dir.resolve("backup.zst");
    Files.write(
        file,
        EncryptionContainerVectorTest.Spec.decrypt(
            stored, id -> id.equals(key.id()) ? material : null));
    assertThat(run(tool, file, "-d", "-q", "-c")).isEqualTo(data);
  }
}
