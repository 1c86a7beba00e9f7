package io.biowerk.dr.core.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyNotFoundException;
import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Coverage-guided fuzzing (Jazzer) of the encrypted container's reader, formats 1 and 2, as a
 * restore meets it: the codec is made from the manifest's parameters by {@link
 * EncryptionCodecProvider} and decodes the stored object to its end. Both are untrusted bytes here:
 * the input's first byte picks the format (even: format 1, the rest is the container; odd: format
 * 2, the manifest parameters as {@code name=value} lines up to the first NUL byte, then the
 * container), so the wrapped-key stanzas ({@code wrap.<id>}) are fuzzed too. Only {@link
 * IntegrityException} (wrong key, damage, truncation) and {@link KeyNotFoundException} may escape,
 * each with a message; anything else is a finding. The ring holds the spec vectors' keys ({@code
 * docs/format/encrypted-container*.md}), so the seeds decrypt.
 *
 * <p>The default build replays the seed corpus in {@code ContainerFuzzTestInputs/}; {@code mvn test
 * -Pfuzz -Dtest=ContainerFuzzTest} fuzzes (docs/reliability.md). {@link #main} rewrites the seeds.
 */
class ContainerFuzzTest {

  static final byte[] MASTER = EncryptionContainerVectorTest.range(0x00, 32);
  static final KeyRing RING =
      KeyRing.of(
          new OneKey(new MasterKey("vector-key", MASTER)),
          new OneKey(new MasterKey("vector-master", MASTER)));

  /** A provider of one key. */
  private record OneKey(MasterKey key) implements KeyProvider {
    @Override
    public Optional<MasterKey> key(String id) {
      return Optional.ofNullable(key.id().equals(id) ? key : null);
    }

    @Override
    public Optional<String> activeKeyId() {
      return Optional.of(key.id());
    }

    @Override
    public Set<String> keyIds() {
      return Set.of(key.id());
    }
  }

  @FuzzTest(maxDuration = "10m")
  void container(byte[] input) throws Exception {
    if (input.length == 0) {
      return;
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    int start = 1;
    if ((input[0] & 1) == 1) {
      int nul = start;
      while (nul < input.length && input[nul] != 0) {
        nul++;
      }
      parameters.put("format", "2");
      for (String line :
          new String(input, start, nul - start, StandardCharsets.UTF_8).split("\n", -1)) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          parameters.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
      start = Math.min(nul + 1, input.length);
    }
    ReadableByteChannel in =
        Channels.newChannel(
            new ByteArrayInputStream(Arrays.copyOfRange(input, start, input.length)));
    try {
      ReadableByteChannel decoded =
          new EncryptionCodecProvider().create(parameters, RING).decode(in);
      ByteBuffer buffer = ByteBuffer.allocate(8192);
      long total = 0;
      while (decoded.read(buffer) >= 0) {
        total += buffer.position();
        buffer.clear();
        assertThat(total).isLessThanOrEqualTo(input.length);
      }
      decoded.close();
    } catch (IntegrityException | KeyNotFoundException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  /** Writes the seed corpus (run from the module directory). */
  public static void main(String[] args) throws IOException {
    Path out =
        Path.of("src/test/resources/io/biowerk/dr/core/codec/ContainerFuzzTestInputs/container");
    Files.createDirectories(out);
    byte[] small = "a small plaintext\n".getBytes(StandardCharsets.UTF_8);
    byte[] twoSegments = EncryptionContainerVectorTest.range(0x00, 1500);
    MasterKey v1 = new MasterKey("vector-key", MASTER);
    MasterKey v2 = new MasterKey("vector-master", MASTER);
    for (byte[] plain : List.of(small, twoSegments, new byte[0])) {
      byte[] one = encode(EncryptionCodec.encryptingWith(v1, RING, 1024), plain);
      Files.write(out.resolve("format1-" + plain.length), concat(new byte[] {0}, one));
      EnvelopeCodec envelope = EnvelopeCodec.encryptingTo(List.of(Recipient.masterKey(v2)), 1024);
      byte[] two = encode(envelope, plain);
      StringBuilder params = new StringBuilder();
      envelope.parameters().forEach((k, v) -> params.append(k).append('=').append(v).append('\n'));
      Files.write(
          out.resolve("format2-" + plain.length),
          concat(
              new byte[] {1},
              params.toString().getBytes(StandardCharsets.UTF_8),
              new byte[] {0},
              two));
    }
  }

  static byte[] encode(io.biowerk.dr.core.Codec codec, byte[] plain) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (WritableByteChannel w = codec.encode(Channels.newChannel(bytes))) {
      w.write(ByteBuffer.wrap(plain));
    }
    return bytes.toByteArray();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      bytes.writeBytes(p);
    }
    return bytes.toByteArray();
  }
}
