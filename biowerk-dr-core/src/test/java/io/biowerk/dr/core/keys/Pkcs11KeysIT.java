package io.biowerk.dr.core.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.KeyFileException;
import io.biowerk.dr.core.KeyProvider;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.KeyServiceException;
import io.biowerk.dr.core.KeyServices;
import io.biowerk.dr.core.MasterKey;
import io.biowerk.dr.core.ProviderNotFoundException;
import io.biowerk.dr.core.WrappingKey;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.KeyWrap;
import io.biowerk.dr.core.codec.Recipient;
import io.biowerk.dr.core.internal.ByteChannels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Pkcs11Keys} against a real PKCS#11 module: SoftHSM 2 ({@code softhsm2}, installed by
 * {@code .ci/services.sh}), loaded through the JDK's SunPKCS11 with a private token directory under
 * {@code target/softhsm} that this test initialises. The failsafe configuration sets {@code
 * SOFTHSM2_CONF} for the test JVM, because SoftHSM reads it when the library loads.
 */
class Pkcs11KeysIT {

  static final String LIBRARY = "/usr/lib/softhsm/libsofthsm2.so";
  static final String PIN = "246813";

  @TempDir Path temp;

  @BeforeAll
  static void initialiseToken() throws Exception {
    String conf = System.getenv("SOFTHSM2_CONF");
    assertThat(conf)
        .as(
            "SOFTHSM2_CONF must name a private configuration; run this test through Maven (failsafe sets it)")
        .isNotBlank();
    assertThat(Path.of(LIBRARY))
        .as("SoftHSM is not installed; run .ci/services.sh (it installs softhsm2)")
        .isRegularFile();
    Path dir = Path.of(conf).getParent();
    Path tokens = dir.resolve("tokens");
    if (Files.exists(tokens)) {
      try (var walk = Files.walk(tokens)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    Files.createDirectories(tokens);
    Files.writeString(
        Path.of(conf),
        "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n");
    initToken("biowerk-it");
    // PKCS#11 keeps one login state per token and process, so a wrong PIN is only refused by a
    // token this JVM never logged in to: the refusal test has a token of its own.
    initToken("biowerk-pin");
    String slots = run("softhsm2-util", "--show-slots");
    slotIndex = slotIndexOf(slots, "biowerk-it");
    pinSlotIndex = slotIndexOf(slots, "biowerk-pin");
  }

  static int slotIndex;
  static int pinSlotIndex;

  private static void initToken(String label) throws Exception {
    run(
        "softhsm2-util",
        "--init-token",
        "--free",
        "--label",
        label,
        "--pin",
        PIN,
        "--so-pin",
        "135792");
  }

  /**
   * The index in the slot list (the order SunPKCS11 sees too) of the token labelled {@code label}.
   */
  private static int slotIndexOf(String showSlots, String label) {
    int index = -1;
    for (String line : showSlots.split("\n", -1)) {
      if (line.startsWith("Slot ")) {
        index++;
      } else if (line.strip().matches("Label:\\s+" + label)) {
        return index;
      }
    }
    throw new AssertionError(
        "softhsm2-util --show-slots lists no token " + label + ":\n" + showSlots);
  }

  private static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(String.join(" ", command) + ": " + output).isZero();
    return output;
  }

  static Map<String, String> settings(String active) {
    Map<String, String> settings = new HashMap<>();
    settings.put(Pkcs11Keys.LIBRARY, LIBRARY);
    settings.put(Pkcs11Keys.PIN, PIN);
    settings.put(Pkcs11Keys.SLOT_INDEX, String.valueOf(slotIndex));
    if (active != null) {
      settings.put(Pkcs11Keys.KEY, active);
    }
    return settings;
  }

  @Test
  void theServiceIsFoundByIdAndAnUnknownIdListsWhatWasFound() throws Exception {
    assertThat(KeyServices.find("pkcs11")).isInstanceOf(Pkcs11KeyService.class);
    assertThatThrownBy(() -> KeyServices.find("no-such-kms"))
        .isInstanceOf(ProviderNotFoundException.class)
        .hasMessageContaining("no key provider 'no-such-kms' is available; found: pkcs11")
        .hasMessageContaining("--key-provider");
  }

  @Test
  void aBackupWrappedInsideTheHsmDecryptsThroughItAndTheKeyNeverLeavesIt() throws Exception {
    Pkcs11Keys hsm = Pkcs11Keys.open(settings("hsm-round")::get);
    hsm.generate("hsm-round");
    KeyProvider provider = KeyServices.open("pkcs11", settings("hsm-round")::get);
    KeyRing ring = KeyRing.of(provider);
    assertThat(ring.ids()).contains("hsm-round");
    assertThat(ring.activeId()).isEqualTo("hsm-round");
    assertThat(provider.key("hsm-round")).as("the key bytes are never handed out").isEmpty();

    WrappingKey key = ring.wrappingKey("hsm-round").orElseThrow();
    byte[] data = new byte[1 << 20];
    new Random(17).nextBytes(data);
    EnvelopeCodec codec = EnvelopeCodec.encryptingTo(List.of(Recipient.wrappingKey(key)), 65536);
    byte[] stored = encode(codec, data);
    assertThat(codec.parameters().get("wrap.hsm-round")).startsWith("pkcs11:");

    KeyRing reopened = KeyRing.of(Pkcs11Keys.open(settings(null)::get));
    assertThat(decode(EnvelopeCodec.decryptingWith(codec.parameters(), reopened), stored))
        .isEqualTo(data);
    assertThat(provider.toString()).doesNotContain(PIN).contains("slot index " + slotIndex);
  }

  @Test
  void aStanzaMovedToAnotherLabelOrFlippedDoesNotOpen() throws Exception {
    Pkcs11Keys hsm = Pkcs11Keys.open(settings(null)::get);
    hsm.generate("hsm-one");
    hsm.generate("hsm-two");
    byte[] dataKey = KeyWrap.newDataKey();
    String stanza = hsm.wrappingKey("hsm-one").orElseThrow().wrap(dataKey);
    assertThat(hsm.wrappingKey("hsm-one").orElseThrow().unwrap(stanza)).isEqualTo(dataKey);

    assertThatThrownBy(() -> hsm.wrappingKey("hsm-two").orElseThrow().unwrap(stanza))
        .isInstanceOf(WrongKeyException.class)
        .hasMessageContaining("pkcs11: the wrapped data key for 'hsm-two' does not authenticate")
        .hasMessageContaining("restore the manifest from another copy");

    byte[] body = Base64.getDecoder().decode(stanza.substring("pkcs11:".length()));
    for (int bit = 0; bit < body.length * 8; bit += 7) {
      byte[] flipped = body.clone();
      flipped[bit / 8] ^= (byte) (1 << (bit % 8));
      String damaged = "pkcs11:" + Base64.getEncoder().encodeToString(flipped);
      assertThatThrownBy(() -> hsm.wrappingKey("hsm-one").orElseThrow().unwrap(damaged))
          .as("bit %s", bit)
          .isInstanceOf(WrongKeyException.class);
    }
    assertThatThrownBy(() -> hsm.wrappingKey("hsm-one").orElseThrow().unwrap("pkcs11:AAAA"))
        .isInstanceOf(io.biowerk.dr.core.IntegrityException.class)
        .hasMessageContaining("is malformed");
  }

  @Test
  void aFileKeyAndAnHsmKeyServeOneRingAndTheManifestOpensWithEither() throws Exception {
    Pkcs11Keys hsm = Pkcs11Keys.open(settings(null)::get);
    hsm.generate("hsm-mixed");
    MasterKey file = MasterKey.generate("file-key");
    EnvelopeCodec codec =
        EnvelopeCodec.encryptingTo(
            List.of(
                Recipient.wrappingKey(hsm.wrappingKey("hsm-mixed").orElseThrow()),
                Recipient.masterKey(file)));
    byte[] data = "ledger".getBytes(StandardCharsets.UTF_8);
    byte[] stored = encode(codec, data);
    KeyRing hsmOnly = KeyRing.of(hsm);
    assertThat(decode(EnvelopeCodec.decryptingWith(codec.parameters(), hsmOnly), stored))
        .isEqualTo(data);
    byte[] dataKey =
        EnvelopeCodec.openDataKey(
            EnvelopeCodec.wraps(codec.parameters()), KeyRing.of(new OneKey(file)));
    assertThat(dataKey)
        .isEqualTo(EnvelopeCodec.openDataKey(EnvelopeCodec.wraps(codec.parameters()), hsmOnly));
  }

  @Test
  void aWrongPinIsRefusedWithTheSettingToCheckAndWithoutThePin() {
    Map<String, String> settings = settings(null);
    settings.put(Pkcs11Keys.PIN, "771133");
    settings.put(Pkcs11Keys.SLOT_INDEX, String.valueOf(pinSlotIndex));
    assertThatThrownBy(() -> Pkcs11Keys.open(settings::get))
        .isInstanceOf(KeyServiceException.class)
        .hasMessageContaining(
            "pkcs11: login to the token at slot index " + pinSlotIndex + " of " + LIBRARY)
        .hasMessageContaining("CKR_PIN_INCORRECT")
        .hasMessageContaining(Pkcs11Keys.PIN_FILE)
        .hasMessageNotContaining("771133");
  }

  @Test
  void missingOrWrongSettingsSayWhichSettingToFix() throws Exception {
    Map<String, String> noLibrary = settings(null);
    noLibrary.remove(Pkcs11Keys.LIBRARY);
    assertThatThrownBy(() -> Pkcs11Keys.open(noLibrary::get))
        .isInstanceOf(KeyServiceException.class)
        .hasMessage(
            "pkcs11: no PKCS#11 library is set; set BIOWERK_DR_PKCS11_LIBRARY to your HSM's PKCS#11"
                + " module (for SoftHSM: /usr/lib/softhsm/libsofthsm2.so)");

    Map<String, String> wrongLibrary = settings(null);
    wrongLibrary.put(Pkcs11Keys.LIBRARY, temp.resolve("libnothing.so").toString());
    assertThatThrownBy(() -> Pkcs11Keys.open(wrongLibrary::get))
        .isInstanceOf(KeyServiceException.class)
        .hasMessageContaining("libnothing.so named by BIOWERK_DR_PKCS11_LIBRARY does not exist");

    Map<String, String> noPin = settings(null);
    noPin.remove(Pkcs11Keys.PIN);
    assertThatThrownBy(() -> Pkcs11Keys.open(noPin::get))
        .isInstanceOf(KeyServiceException.class)
        .hasMessageContaining("no user PIN is set")
        .hasMessageContaining(Pkcs11Keys.PIN_FILE);

    Map<String, String> badSlot = settings(null);
    badSlot.put(Pkcs11Keys.SLOT_INDEX, "first");
    assertThatThrownBy(() -> Pkcs11Keys.open(badSlot::get))
        .isInstanceOf(KeyServiceException.class)
        .hasMessageContaining("BIOWERK_DR_PKCS11_SLOT_INDEX must be a slot-list index");

    Pkcs11Keys missingActive = Pkcs11Keys.open(settings("no-such-label")::get);
    assertThatThrownBy(() -> missingActive.wrappingKey("no-such-label"))
        .isInstanceOf(KeyServiceException.class)
        .hasMessageContaining("holds no AES key labelled 'no-such-label', which")
        .hasMessageContaining(Pkcs11Keys.KEY);
  }

  @Test
  void aPinFileMustBePrivate() throws Exception {
    Path pinFile = temp.resolve("pin");
    Files.writeString(pinFile, PIN + "\n");
    Files.setPosixFilePermissions(pinFile, PosixFilePermissions.fromString("rw-r--r--"));
    Map<String, String> settings = settings(null);
    settings.remove(Pkcs11Keys.PIN);
    settings.put(Pkcs11Keys.PIN_FILE, pinFile.toString());
    assertThatThrownBy(() -> Pkcs11Keys.open(settings::get))
        .isInstanceOf(KeyFileException.class)
        .hasMessageContaining("pkcs11: the PIN file named by BIOWERK_DR_PKCS11_PIN_FILE " + pinFile)
        .hasMessageContaining("chmod 600")
        .hasMessageNotContaining(PIN);
    Files.setPosixFilePermissions(pinFile, PosixFilePermissions.fromString("rw-------"));
    assertThat(Pkcs11Keys.open(settings::get).keyIds()).isNotNull();
  }

  @Test
  void aLabelCannotBeCreatedTwice() throws Exception {
    Pkcs11Keys hsm = Pkcs11Keys.open(settings(null)::get);
    hsm.generate("hsm-twice");
    assertThat(hsm.keyIds()).contains("hsm-twice");
    assertThatThrownBy(() -> hsm.generate("hsm-twice"))
        .isInstanceOf(KeyServiceException.class)
        .hasMessageContaining("already holds a key labelled 'hsm-twice'; choose another");
  }

  private static byte[] encode(EnvelopeCodec codec, byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (WritableByteChannel channel = codec.encode(Channels.newChannel(out))) {
      ByteChannels.writeFully(channel, ByteBuffer.wrap(data));
    }
    return out.toByteArray();
  }

  private static byte[] decode(EnvelopeCodec codec, byte[] stored) throws IOException {
    try (ReadableByteChannel channel =
        codec.decode(Channels.newChannel(new java.io.ByteArrayInputStream(stored)))) {
      return Channels.newInputStream(channel).readAllBytes();
    }
  }

  /** A provider of one file key, for the mixed ring. */
  private record OneKey(MasterKey key) implements KeyProvider {
    @Override
    public java.util.Optional<MasterKey> key(String id) {
      return java.util.Optional.ofNullable(key.id().equals(id) ? key : null);
    }

    @Override
    public java.util.Optional<String> activeKeyId() {
      return java.util.Optional.of(key.id());
    }

    @Override
    public java.util.Set<String> keyIds() {
      return java.util.Set.of(key.id());
    }
  }
}
