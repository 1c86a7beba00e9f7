package io.biowerk.dr.keys.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.KeyServiceException;
import io.biowerk.dr.core.WrappingKey;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.Recipient;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

/**
 * {@link AwsKmsKeys} against moto's KMS server ({@code moto_server}, a Python emulator of the AWS
 * APIs speaking KMS's real JSON protocol and checking ciphertexts, key states and encryption
 * contexts; not AWS itself: it grants every permission). {@code .ci/services.sh} installs moto; the
 * test starts its own server on a free loopback port and stops it afterwards.
 */
class AwsKmsMotoIT {

  static Process moto;
  static String endpoint;
  static KmsClient admin;
  static Path log;

  @BeforeAll
  static void startMoto() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    log = Files.createTempFile("moto-kms", ".log");
    try {
      moto =
          new ProcessBuilder(motoServer(), "-H", "127.0.0.1", "-p", Integer.toString(port))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
    } catch (IOException e) {
      throw new AssertionError(
          "moto_server is not on the PATH; install it with .ci/services.sh (pip install"
              + " 'moto[server]')",
          e);
    }
    endpoint = "http://127.0.0.1:" + port;
    Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
    while (true) {
      try {
        HttpURLConnection connection =
            (HttpURLConnection) URI.create(endpoint + "/").toURL().openConnection();
        if (connection.getResponseCode() > 0) {
          break;
        }
      } catch (IOException e) {
        if (!moto.isAlive() || Instant.now().isAfter(deadline)) {
          throw new AssertionError("moto_server did not start: " + Files.readString(log), e);
        }
        Thread.sleep(200);
      }
    }
    admin =
        KmsClient.builder()
            .region(Region.EU_CENTRAL_1)
            .endpointOverride(URI.create(endpoint))
            .credentialsProvider(AwsKmsKeysTest.CREDENTIALS)
            .build();
  }

  /** {@code moto_server} on the PATH, or where {@code pip install --user} put it. */
  static String motoServer() {
    Path user = Path.of(System.getProperty("user.home"), ".local", "bin", "moto_server");
    return Files.isExecutable(user) ? user.toString() : "moto_server";
  }

  @AfterAll
  static void stopMoto() throws Exception {
    if (admin != null) {
      admin.close();
    }
    if (moto != null) {
      moto.destroy();
      if (!moto.waitFor(10, TimeUnit.SECONDS)) {
        moto.destroyForcibly();
      }
    }
    if (log != null) {
      Files.deleteIfExists(log);
    }
  }

  static String createKey() {
    return admin.createKey(r -> r.description("biowerk-dr test")).keyMetadata().keyId();
  }

  static AwsKmsKeys open(String key) throws IOException {
    Map<String, String> settings = new HashMap<>();
    settings.put(AwsKmsKeys.ENDPOINT, endpoint);
    settings.put(AwsKmsKeys.REGION, "eu-central-1");
    settings.put(AwsKmsKeys.KEY_ID, key);
    return AwsKmsKeys.open(settings::get, AwsKmsKeysTest.CREDENTIALS);
  }

  @Test
  void aBackupsDataKeyRoundTripsThroughAKmsKeyAndItsAlias() throws Exception {
    String keyId = createKey();
    admin.createAlias(r -> r.aliasName("alias/biowerk-moto").targetKeyId(keyId));
    for (String configured : List.of(keyId, "alias/biowerk-moto")) {
      try (AwsKmsKeys keys = open(configured)) {
        KeyRing ring = KeyRing.of(keys);
        String id = ring.activeId();
        Map<String, String> parameters =
            EnvelopeCodec.encryptingTo(
                    List.of(Recipient.wrappingKey(ring.wrappingKey(id).orElseThrow())))
                .parameters();
        assertThat(parameters.get("wrap." + id)).startsWith("aws-kms:");
        byte[] first = EnvelopeCodec.openDataKey(EnvelopeCodec.wraps(parameters), ring);
        byte[] second = EnvelopeCodec.openDataKey(EnvelopeCodec.wraps(parameters), ring);
        assertThat(first).hasSize(32).isEqualTo(second);
      }
    }
  }

  @Test
  void theEncryptionContextBindsTheWrappedKeyToItsId() throws Exception {
    String keyId = createKey();
    admin.createAlias(r -> r.aliasName("alias/biowerk-other").targetKeyId(keyId));
    try (AwsKmsKeys keys = open(keyId)) {
      String stanza = keys.wrappingKey(keyId).orElseThrow().wrap(new byte[32]);
      WrappingKey moved = keys.wrappingKey("biowerk-other").orElseThrow();
      assertThatThrownBy(() -> moved.unwrap(stanza))
          .isInstanceOf(WrongKeyException.class)
          .hasMessageContaining("could not decrypt the wrapped data key for 'biowerk-other'");
    }
  }

  // moto 5.2.1 does not refuse a disabled key (it encrypts anyway), so DisabledException is
  // tested against StubKms only (AwsKmsKeysTest.aMissingOrDisabledKeySaysWhatToDo).
  @Test
  void aMissingKeyIsReportedByKmsAndNamed() throws Exception {
    try (AwsKmsKeys keys = open("alias/biowerk-none")) {
      assertThatThrownBy(() -> keys.wrappingKey("biowerk-none").orElseThrow().wrap(new byte[32]))
          .isInstanceOf(KeyServiceException.class)
          .hasMessageContaining("NotFoundException")
          .hasMessageContaining("no KMS key or alias alias/biowerk-none");
    }
  }
}
