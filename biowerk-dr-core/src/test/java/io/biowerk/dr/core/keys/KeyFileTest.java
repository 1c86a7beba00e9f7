package io.biowerk.dr.core.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.KeyFileException;
import io.biowerk.dr.core.KeyNotFoundException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.codec.EncryptionCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyFileTest {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);
  static final String KEY_A = Base64.getEncoder().encodeToString(new byte[32]);
  static final String KEY_B;

  static {
    byte[] b = new byte[32];
    java.util.Arrays.fill(b, (byte) 7);
    KEY_B = Base64.getEncoder().encodeToString(b);
  }

  @TempDir Path dir;

  /** Every base64 key the file holds, to assert none leaks into a message. */
  static List<String> secretsIn(Path file) throws IOException {
    List<String> secrets = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      int colon = line.indexOf(':');
      if (line.startsWith("key ") && colon > 0) {
        String secret = line.substring(colon + 1).strip();
        if (!secret.isEmpty()) {
          secrets.add(secret);
        }
      }
    }
    return secrets;
  }

  Path write(String name, String content, String mode) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    return file;
  }

  @Test
  void createMakesAPrivateFileWithOneActiveKey() throws Exception {
    Path file = dir.resolve("secrets/biowerk.key");
    KeyFile keys = KeyFile.at(file);
    String id = keys.create(CLOCK);
    assertThat(id).matches("k20261130-[0-9a-f]{4}");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
        .isEqualTo("rwx------");
    assertThat(keys.activeKeyId()).contains(id);
    assertThat(keys.keyIds()).containsExactly(id);
    assertThat(keys.key(id)).isPresent();
    assertThat(Files.readString(file)).contains("chmod 600").contains("active: " + id);
    List<String> secrets = secretsIn(file);
    assertThat(secrets).hasSize(1);
    assertThat(keys.toString()).isEqualTo("KeyFile[" + file + "]").doesNotContain(secrets.get(0));
    assertThat(keys.key(id).orElseThrow().toString()).doesNotContain(secrets.get(0));
  }

  @Test
  void createRefusesToOverwriteAnExistingFile() throws Exception {
    KeyFile keys = KeyFile.at(dir.resolve("k"));
    keys.create(CLOCK);
    byte[] before = Files.readAllBytes(dir.resolve("k"));
    assertThatThrownBy(() -> keys.create(CLOCK))
        .isInstanceOf(FileAlreadyExistsException.class)
        .hasMessageContaining("keys rotate");
    assertThat(Files.readAllBytes(dir.resolve("k"))).isEqualTo(before);
  }

  @Test
  void rotateAddsAnActiveKeyAndOlderKeysStillDecrypt() throws Exception {
    Path file = dir.resolve("k");
    KeyFile keys = KeyFile.at(file);
    String first = keys.create(CLOCK);
    KeyRing ring = KeyRing.of(keys);
    byte[] old = encrypt(ring, "made with the first key");

    String second =
        KeyFile.at(file).rotate(CLOCK); // another instance: the file is re-read on every call
    assertThat(second).isNotEqualTo(first);
    assertThat(keys.activeKeyId()).contains(second);
    assertThat(keys.keyIds()).containsExactlyInAnyOrder(first, second);
    assertThat(ring.active().id()).isEqualTo(second);
    byte[] current = encrypt(ring, "made with the second key");

    assertThat(decrypt(ring, old)).isEqualTo("made with the first key");
    assertThat(decrypt(ring, current)).isEqualTo("made with the second key");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    try (var files = Files.list(dir)) {
      assertThat(files).as("no temp file left by the rewrite").containsExactly(file);
    }
  }

  static byte[] encrypt(KeyRing ring, String text) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (WritableByteChannel channel =
        EncryptionCodec.encryptingWith(ring.active(), ring).encode(Channels.newChannel(out))) {
      channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }
    return out.toByteArray();
  }

  static String decrypt(KeyRing ring, byte[] stored) throws IOException {
    try (ReadableByteChannel in =
        EncryptionCodec.decryptingWith(ring)
            .decode(Channels.newChannel(new ByteArrayInputStream(stored)))) {
      return new String(Channels.newInputStream(in).readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"rw-r-----", "rw----r--", "rw--w----", "rw-rw-rw-", "rw------x"})
  void aFileOthersCanAccessIsRefusedWithTheChmodThatFixesIt(String mode) throws Exception {
    Path file = write("loose.key", "active: k1\nkey k1: " + KEY_A + "\n", mode);
    KeyFile keys = KeyFile.at(file);
    for (var call :
        List.<ThrowingCall>of(
            keys::activeKeyId, keys::keyIds, () -> keys.key("k1"), () -> keys.rotate(CLOCK))) {
      assertThatThrownBy(call::call)
          .isInstanceOfSatisfying(KeyFileException.class, e -> assertThat(e.path()).isEqualTo(file))
          .hasMessageStartingWith("keys: key file " + file)
          .hasMessageContaining("group or others")
          .hasMessageContaining("chmod 600 " + file)
          .hasMessageNotContaining(KEY_A);
    }
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    assertThat(keys.activeKeyId()).contains("k1");
  }

  interface ThrowingCall {
    Object call() throws Exception;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "active: k1\nkey k1 " + "AAAA\n",
        "active: k1\nkey k1: not base64 at all!!\n",
        "active: k1\nkey k1: AAAAAAAAAAAAAAAAAAAAAA==\n",
        "active: k1\nkey bad id!: " + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "active: k1\nsomething else\n",
      })
  void malformedLinesAreRefusedNamingTheLine(String content) throws Exception {
    Path file =
        write("bad.key", "# comment\n" + content.replace("AAAA\n", KEY_B + "\n"), "rw-------");
    assertThatThrownBy(() -> KeyFile.at(file).activeKeyId())
        .isInstanceOf(KeyFileException.class)
        .hasMessageStartingWith("keys: key file " + file + " line 3 is malformed: ")
        .hasMessageNotContaining(KEY_B)
        .hasMessageNotContaining("AAAAAAAAAAAAAAAAAAAAAA");
  }

  @Test
  void aFileWithoutAnActiveKeyOrWithAMissingActiveKeyIsRefused() throws Exception {
    Path none = write("none.key", "key k1: " + KEY_A + "\n", "rw-------");
    assertThatThrownBy(() -> KeyFile.at(none).keyIds())
        .isInstanceOf(KeyFileException.class)
        .hasMessageContaining("names no active key")
        .hasMessageContaining("active: <id>")
        .hasMessageNotContaining(KEY_A);
    Path dangling = write("dangling.key", "active: k2\nkey k1: " + KEY_A + "\n", "rw-------");
    assertThatThrownBy(() -> KeyFile.at(dangling).keyIds())
        .isInstanceOf(KeyFileException.class)
        .hasMessageContaining("names active key 'k2' but holds no key with that id")
        .hasMessageNotContaining(KEY_A);
  }

  @Test
  void aMissingFileSaysHowToCreateIt() {
    Path file = dir.resolve("absent.key");
    assertThatThrownBy(() -> KeyFile.at(file).activeKeyId())
        .isInstanceOf(KeyFileException.class)
        .hasMessageContaining("does not exist")
        .hasMessageContaining("biowerk-dr keys generate --key-file " + file);
  }

  @Test
  void aKeyRingNamesTheMissingIdAndTheKnownOnes() throws Exception {
    Path file =
        write(
            "ring.key", "active: k1\nkey k1: " + KEY_A + "\nkey k0: " + KEY_B + "\n", "rw-------");
    KeyRing ring = KeyRing.of(KeyFile.at(file));
    assertThat(ring.resolve("k0").id()).isEqualTo("k0");
    assertThatThrownBy(() -> ring.resolve("k9"))
        .isInstanceOfSatisfying(
            KeyNotFoundException.class, e -> assertThat(e.keyId()).isEqualTo("k9"))
        .hasMessageContaining("'k9'")
        .hasMessageContaining("known ids: [k0, k1]")
        .hasMessageContaining("--key-file")
        .hasMessageNotContaining(KEY_A)
        .hasMessageNotContaining(KEY_B);
    assertThat(ring.toString()).doesNotContain(KEY_A).doesNotContain(KEY_B);
    assertThat(new MasterKey("k1", new byte[32]).toString())
        .isEqualTo("MasterKey[id=k1, 256 bits]");
  }
}
