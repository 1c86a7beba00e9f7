package io.biowerk.dr.keys.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.KeyServiceException;
import io.biowerk.dr.core.KeyServices;
import io.biowerk.dr.core.WrappingKey;
import io.biowerk.dr.core.WrongKeyException;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.Recipient;
import java.net.ServerSocket;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * {@link AwsKmsKeys} at the request level against {@link StubKms} (a stub of KMS's JSON protocol;
 * {@code AwsKmsMotoIT} runs against moto's KMS server and {@code AwsKmsLiveTest} against AWS): what
 * is sent, what comes back, and what each refusal says.
 */
class AwsKmsKeysTest {

  static final String SECRET = "stubSecretAccessKey/0123456789abcdefXYZ";
  static final StaticCredentialsProvider CREDENTIALS =
      StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIASTUB00000001", SECRET));

  StubKms kms;
  String keyId;
  String oldKeyId;

  @BeforeEach
  void start() throws Exception {
    kms = new StubKms();
    keyId = kms.createKey();
    oldKeyId = kms.createKey();
    kms.alias("backups-2026q4", keyId);
  }

  @AfterEach
  void stop() {
    kms.close();
  }

  Map<String, String> settings(String key) {
    Map<String, String> settings = new HashMap<>();
    settings.put(AwsKmsKeys.ENDPOINT, kms.endpoint());
    settings.put(AwsKmsKeys.REGION, "eu-central-1");
    if (key != null) {
      settings.put(AwsKmsKeys.KEY_ID, key);
    }
    return settings;
  }

  AwsKmsKeys open(String key) throws Exception {
    return AwsKmsKeys.open(settings(key)::get, CREDENTIALS);
  }

  static Map<String, String> wrapTo(KeyRing ring, String id) throws Exception {
    return EnvelopeCodec.encryptingTo(
            List.of(Recipient.wrappingKey(ring.wrappingKey(id).orElseThrow())))
        .parameters();
  }

  @Test
  void aDataKeyIsWrappedByEncryptBoundToTheKeyIdAndOpenedByDecrypt() throws Exception {
    assertThat(KeyServices.find("aws-kms")).isInstanceOf(AwsKmsKeyService.class);
    try (AwsKmsKeys keys = open(keyId)) {
      KeyRing ring = KeyRing.of(keys);
      assertThat(ring.activeId()).isEqualTo(keyId);
      Map<String, String> parameters = wrapTo(ring, keyId);
      String stanza = parameters.get("wrap." + keyId);
      assertThat(stanza).startsWith("aws-kms:");

      StubKms.Request encrypt = kms.requests("Encrypt").get(0);
      assertThat(encrypt.contentType()).isEqualTo("application/x-amz-json-1.1");
      assertThat(encrypt.authorization())
          .startsWith("AWS4-HMAC-SHA256 Credential=AKIASTUB00000001/")
          .contains("/eu-central-1/kms/aws4_request")
          .doesNotContain(SECRET);
      assertThat(encrypt.body().path("KeyId").asText()).isEqualTo(keyId);
      assertThat(encrypt.body().path("EncryptionContext").path(AwsKmsKeys.CONTEXT_KEY).asText())
          .isEqualTo(keyId);
      byte[] sent = Base64.getDecoder().decode(encrypt.body().path("Plaintext").asText());
      assertThat(sent).hasSize(32);
      // the stanza is KMS's ciphertext blob, not the data key
      assertThat(Base64.getDecoder().decode(stanza.substring(8)))
          .isNotEqualTo(sent)
          .hasSizeGreaterThan(32);

      byte[] opened = EnvelopeCodec.openDataKey(EnvelopeCodec.wraps(parameters), ring);
      assertThat(opened).isEqualTo(sent);
      StubKms.Request decrypt = kms.requests("Decrypt").get(0);
      assertThat(decrypt.body().path("KeyId").asText()).isEqualTo(keyId);
      assertThat(decrypt.body().path("EncryptionContext").path(AwsKmsKeys.CONTEXT_KEY).asText())
          .isEqualTo(keyId);
    }
  }

  @Test
  void anAliasIsTheKeyIdWithoutItsPrefixAndIsSentAsTheAlias() throws Exception {
    try (AwsKmsKeys keys = open("alias/backups-2026q4")) {
      KeyRing ring = KeyRing.of(keys);
      assertThat(ring.activeId()).isEqualTo("backups-2026q4");
      assertThat(ring.ids()).containsExactly("backups-2026q4");
      Map<String, String> parameters = wrapTo(ring, "backups-2026q4");
      assertThat(kms.requests("Encrypt").get(0).body().path("KeyId").asText())
          .isEqualTo("alias/backups-2026q4");
      assertThat(EnvelopeCodec.openDataKey(EnvelopeCodec.wraps(parameters), ring)).hasSize(32);
    }
    // A provider configured with another key still opens it: the id says alias/backups-2026q4.
    try (AwsKmsKeys keys = open(oldKeyId)) {
      assertThat(keys.kmsKeyOf("backups-2026q4")).isEqualTo("alias/backups-2026q4");
      assertThat(keys.kmsKeyOf(oldKeyId)).isEqualTo(oldKeyId);
    }
  }

  @Test
  void aKeyArnGivesTheRegionAndIsSentInFull() throws Exception {
    String arn = "arn:aws:kms:eu-central-1:111122223333:key/" + keyId;
    Map<String, String> settings = settings(arn);
    settings.remove(AwsKmsKeys.REGION);
    try (AwsKmsKeys keys = AwsKmsKeys.open(settings::get, CREDENTIALS)) {
      KeyRing ring = KeyRing.of(keys);
      assertThat(ring.activeId()).isEqualTo(keyId);
      Map<String, String> parameters = wrapTo(ring, keyId);
      assertThat(kms.requests("Encrypt").get(0).body().path("KeyId").asText()).isEqualTo(arn);
      assertThat(kms.requests("Encrypt").get(0).authorization())
          .contains("/eu-central-1/kms/aws4_request");
      assertThat(EnvelopeCodec.openDataKey(EnvelopeCodec.wraps(parameters), ring)).hasSize(32);
    }
  }

  @Test
  void aStanzaMovedToAnotherKeyIdDoesNotOpen() throws Exception {
    try (AwsKmsKeys keys = open(keyId)) {
      WrappingKey key = keys.wrappingKey(keyId).orElseThrow();
      String stanza = key.wrap(new byte[32]);
      // Same KMS key, other BIOwerk id: the encryption context differs, so KMS refuses.
      kms.alias("other", keyId);
      WrappingKey other = keys.wrappingKey("other").orElseThrow();
      assertThatThrownBy(() -> other.unwrap(stanza))
          .isInstanceOf(WrongKeyException.class)
          .hasMessageContaining("'other'")
          .hasMessageContaining("InvalidCiphertextException");
      // Other KMS key: KMS says the key does not match the blob.
      WrappingKey old = keys.wrappingKey(oldKeyId).orElseThrow();
      assertThatThrownBy(() -> old.unwrap(stanza))
          .isInstanceOf(WrongKeyException.class)
          .hasMessageContaining("IncorrectKeyException")
          .hasMessageContaining("was the alias pointed at a new key");
    }
  }

  @Test
  void aMalformedStanzaIsAnIntegrityFailureAndIsNotSent() throws Exception {
    try (AwsKmsKeys keys = open(keyId)) {
      WrappingKey key = keys.wrappingKey(keyId).orElseThrow();
      assertThatThrownBy(() -> key.unwrap("aws-kms:***"))
          .isInstanceOf(IntegrityException.class)
          .hasMessageContaining("malformed")
          .hasMessageContaining("restore it from another copy");
      assertThatThrownBy(() -> key.unwrap("vault-transit:AAAA"))
          .isInstanceOf(IntegrityException.class);
      assertThat(kms.requests("Decrypt")).isEmpty();
    }
  }

  @Test
  void accessDeniedNamesTheOperationThePermissionAndTheKey() throws Exception {
    kms.fail(
        "Encrypt",
        400,
        "AccessDeniedException",
        "User: arn:aws:iam::111122223333:user/backup is not authorized to perform: kms:Encrypt");
    try (AwsKmsKeys keys = open(keyId)) {
      WrappingKey key = keys.wrappingKey(keyId).orElseThrow();
      byte[] dataKey = new byte[32];
      java.util.Arrays.fill(dataKey, (byte) 0x5a);
      assertThatThrownBy(() -> key.wrap(dataKey))
          .isInstanceOf(KeyServiceException.class)
          .hasMessageContaining("refused Encrypt with key " + keyId)
          .hasMessageContaining("AccessDeniedException")
          .hasMessageContaining("grant kms:Encrypt")
          .hasMessageContaining(AwsKmsKeys.CONTEXT_KEY + "=" + keyId)
          .satisfies(e -> assertThat(((KeyServiceException) e).service()).isEqualTo("aws-kms"))
          .satisfies(e -> assertNoSecrets(e.getMessage(), dataKey));
      kms.clearFailures();
      String stanza = key.wrap(dataKey);
      kms.fail("Decrypt", 400, "AccessDeniedException", "not authorized to perform: kms:Decrypt");
      assertThatThrownBy(() -> key.unwrap(stanza))
          .isInstanceOf(KeyServiceException.class)
          .hasMessageContaining("refused Decrypt with key " + keyId)
          .hasMessageContaining("grant kms:Decrypt");
    }
  }

  @Test
  void aMissingOrDisabledKeySaysWhatToDo() throws Exception {
    try (AwsKmsKeys keys = open("alias/no-such-key")) {
      assertThatThrownBy(() -> keys.wrappingKey("no-such-key").orElseThrow().wrap(new byte[32]))
          .isInstanceOf(KeyServiceException.class)
          .hasMessageContaining("NotFoundException")
          .hasMessageContaining("no KMS key or alias alias/no-such-key in eu-central-1")
          .hasMessageContaining(AwsKmsKeys.KEY_ID);
    }
    kms.disable(keyId, true);
    try (AwsKmsKeys keys = open(keyId)) {
      assertThatThrownBy(() -> keys.wrappingKey(keyId).orElseThrow().wrap(new byte[32]))
          .isInstanceOf(KeyServiceException.class)
          .hasMessageContaining("DisabledException")
          .hasMessageContaining("is disabled; enable it");
    }
  }

  @Test
  void throttlingIsRetriedThenReportedWithAdvice() throws Exception {
    kms.fail("Encrypt", 400, "ThrottlingException", "Rate exceeded");
    try (AwsKmsKeys keys = open(keyId)) {
      assertThatThrownBy(() -> keys.wrappingKey(keyId).orElseThrow().wrap(new byte[32]))
          .isInstanceOf(KeyServiceException.class)
          .hasMessageContaining("ThrottlingException")
          .hasMessageContaining("raise the account's KMS request quota");
    }
    assertThat(kms.requests("Encrypt").size()).isGreaterThan(1); // the SDK retried
  }

  @Test
  void invalidCredentialsAreNamedWithoutPrintingThem() throws Exception {
    kms.fail(
        "Encrypt",
        400,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.");
    try (AwsKmsKeys keys = open(keyId)) {
      assertThatThrownBy(() -> keys.wrappingKey(keyId).orElseThrow().wrap(new byte[32]))
          .isInstanceOf(KeyServiceException.class)
          .hasMessageContaining("credentials are not valid")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
      assertThat(keys.toString()).doesNotContain(SECRET).contains(keyId);
    }
  }

  @Test
  void anUnreachableEndpointSaysWhatToCheck() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Map<String, String> settings = settings(keyId);
    settings.put(AwsKmsKeys.ENDPOINT, "http://127.0.0.1:" + port);
    try (AwsKmsKeys keys = AwsKmsKeys.open(settings::get, CREDENTIALS)) {
      assertThatThrownBy(() -> keys.wrappingKey(keyId).orElseThrow().wrap(new byte[32]))
          .isInstanceOf(KeyServiceException.class)
          .hasMessageContaining("cannot reach KMS in eu-central-1 for Encrypt")
          .hasMessageContaining(AwsKmsKeys.ENDPOINT);
    }
  }

  @Test
  void invalidSettingsAreRefusedNamingTheSetting() {
    Map<String, String> badKey = settings("alias/has spaces");
    assertThatThrownBy(() -> AwsKmsKeys.open(badKey::get, CREDENTIALS))
        .isInstanceOf(KeyServiceException.class)
        .hasMessageContaining(AwsKmsKeys.KEY_ID)
        .hasMessageContaining("alias/has spaces");
    Map<String, String> badEndpoint = settings(keyId);
    badEndpoint.put(AwsKmsKeys.ENDPOINT, "kms.example.com");
    assertThatThrownBy(() -> AwsKmsKeys.open(badEndpoint::get, CREDENTIALS))
        .isInstanceOf(KeyServiceException.class)
        .hasMessageContaining(AwsKmsKeys.ENDPOINT)
        .hasMessageContaining("not an http(s) URL");
  }

  static void assertNoSecrets(String message, byte[] dataKey) {
    assertThat(message)
        .doesNotContain(SECRET)
        .doesNotContain(Base64.getEncoder().encodeToString(dataKey))
        .doesNotContain(java.util.HexFormat.of().formatHex(dataKey));
  }
}
