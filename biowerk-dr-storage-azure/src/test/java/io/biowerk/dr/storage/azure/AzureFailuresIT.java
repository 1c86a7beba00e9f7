package io.biowerk.dr.storage.azure;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.sas.BlobContainerSasPermission;
import com.azure.storage.blob.sas.BlobServiceSasSignatureValues;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.internal.ByteChannels;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every way the service can fail a backup, against Azurite (and, for throttling and dropped
 * connections, which Azurite cannot produce, through {@link FaultyBlobProxy}): the exception type,
 * and a message that names the container and key and says what to do; secrets never appear.
 */
@ExtendWith(AzuriteExtension.class)
class AzureFailuresIT {

  private static final String KEY = "postgres/daily/postgres_20240115_020000.dump.zst.enc";

  private final AzuriteServer server;
  private String container;

  AzureFailuresIT(AzuriteServer server) {
    this.server = server;
  }

  @BeforeEach
  void newContainer() {
    container = server.newContainer("fail");
  }

  private static byte[] random(int size) {
    byte[] bytes = new byte[size];
    new Random(7).nextBytes(bytes);
    return bytes;
  }

  private AzureOptions.Builder keyOptions(URI endpoint, String key) {
    return AzureOptions.builder(server.account(), container).endpoint(endpoint).accountKey(key);
  }

  @Test
  void wrongCredentialsAreAnAuthenticationErrorThatNeverShowsTheKey() {
    String wrong =
        Base64.getEncoder().encodeToString("not-the-key-of-this-account".getBytes(UTF_8));
    assertThatThrownBy(() -> AzureSink.open(keyOptions(server.endpoint(), wrong).build()))
        .isInstanceOfSatisfying(
            StorageException.class,
            e -> assertThat(e.reason()).isEqualTo(StorageException.Reason.AUTHENTICATION))
        .hasMessageStartingWith(
            "azure sink: the service rejected the credentials for List Blobs on container '"
                + container
                + "'")
        .hasMessageContaining("check AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_KEY or")
        .hasMessageNotContaining(wrong);
  }

  @Test
  void aMissingContainerSaysHowToCreateIt() {
    assertThatThrownBy(() -> AzureSink.open(server.options("bw-no-such-container").build()))
        .isInstanceOfSatisfying(
            StorageException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(StorageException.Reason.NO_SUCH_CONTAINER);
              assertThat(e.location())
                  .isEqualTo("azure://" + server.account() + "/bw-no-such-container");
            })
        .hasMessageStartingWith(
            "azure sink: container 'bw-no-such-container' does not exist in storage account '"
                + server.account()
                + "'")
        .hasMessageContaining("az storage container create --name bw-no-such-container")
        .hasMessageContaining("create-container=true");
  }

  @Test
  void aSasWithoutWritePermissionIsDeniedNamingKeyAndContainerAndLeavesNothing() throws Exception {
    BlobContainerClient admin = server.admin().getBlobContainerClient(container);
    String sas =
        admin.generateSas(
            new BlobServiceSasSignatureValues(
                OffsetDateTime.now(ZoneOffset.UTC).plusHours(1),
                new BlobContainerSasPermission().setReadPermission(true).setListPermission(true)));
    try (AzureSink sink =
        AzureSink.open(
            AzureOptions.builder(server.account(), container)
                .endpoint(server.endpoint())
                .sasToken(sas)
                .build())) {
      assertThat(sink.list("")).isEmpty(); // reading is allowed
      assertThatThrownBy(() -> sink.put(KEY, new byte[] {1, 2, 3}))
          .isInstanceOfSatisfying(
              StorageException.class,
              e -> assertThat(e.reason()).isEqualTo(StorageException.Reason.ACCESS_DENIED))
          .hasMessageStartingWith(
              "azure sink: permission denied for Put Blob on '"
                  + KEY
                  + "' in container '"
                  + container
                  + "'")
          .hasMessageContaining("racwdl")
          .hasMessageContaining("Storage Blob Data Contributor")
          .hasMessageNotContaining("sig=");
      assertThat(admin.getBlobClient(KEY).exists()).isFalse();
    }
  }

  @Test
  void throttlingIsRetriedWithBackoffAndThenGoesThrough() throws Exception {
    try (FaultyBlobProxy proxy = new FaultyBlobProxy(authority(server.endpoint()))) {
      proxy.throttleNext(2, 503);
      try (AzureSink sink =
          AzureSink.open(
              keyOptions(proxy.endpoint(server.account()), AzuriteServer.KEY)
                  .maxAttempts(4)
                  .retryDelay(Duration.ofMillis(20), Duration.ofMillis(100))
                  .build())) {
        sink.put(KEY, new byte[] {9});
        assertThat(proxy.throttled()).isEqualTo(2);
        assertThat(sink.get(KEY)).containsExactly(9);
      }
    }
  }

  @Test
  void persistentThrottlingEndsInAClearErrorAfterTheLastAttempt() throws Exception {
    for (int status : new int[] {503, 429}) {
      try (FaultyBlobProxy proxy = new FaultyBlobProxy(authority(server.endpoint()))) {
        try (AzureSink sink =
            AzureSink.open(
                keyOptions(proxy.endpoint(server.account()), AzuriteServer.KEY)
                    .maxAttempts(3)
                    .retryDelay(Duration.ofMillis(20), Duration.ofMillis(100))
                    .build())) {
          proxy.throttleNext(1000, status);
          assertThatThrownBy(() -> sink.put(KEY, new byte[] {9}))
              .isInstanceOfSatisfying(
                  StorageException.class,
                  e -> assertThat(e.reason()).isEqualTo(StorageException.Reason.OTHER))
              .hasMessageStartingWith(
                  "azure sink: Put Blob on '" + KEY + "' in container '" + container + "' failed")
              .hasMessageContaining("the service is busy or throttling this account")
              .hasMessageContaining("after 3 attempts with backoff; run it again later");
          assertThat(proxy.throttled()).as("HTTP %s: one try and two retries", status).isEqualTo(3);
        }
      }
    }
  }

  @Test
  void aConnectionDroppedMidUploadFailsTheWriteAndLeavesNothingVisible() throws Exception {
    byte[] data = random(2 << 20);
    try (FaultyBlobProxy proxy = new FaultyBlobProxy(authority(server.endpoint()))) {
      try (AzureSink sink =
          AzureSink.open(
              keyOptions(proxy.endpoint(server.account()), AzuriteServer.KEY)
                  .blockSize(256 << 10)
                  .parallelism(2)
                  .maxAttempts(2)
                  .retryDelay(Duration.ofMillis(20), Duration.ofMillis(50))
                  .build())) {
        PendingWrite out = sink.openWrite(KEY);
        ByteChannels.writeFully(out, ByteBuffer.wrap(data, 0, 1 << 20)); // some blocks go up
        proxy.dropBlockUploads(true);
        assertThatThrownBy(
                () -> {
                  ByteChannels.writeFully(out, ByteBuffer.wrap(data, 1 << 20, 1 << 20));
                  out.commit();
                })
            .isInstanceOfSatisfying(
                StorageException.class,
                e -> assertThat(e.reason()).isEqualTo(StorageException.Reason.UNREACHABLE))
            .hasMessageContaining("during Put Block on '" + KEY + "' in container '" + container)
            .hasMessageContaining("nothing was committed");
        out.close();
        assertThat(proxy.dropped()).isGreaterThanOrEqualTo(2);
        assertThat(sink.list("")).isEmpty();
      }
      assertThat(server.admin().getBlobContainerClient(container).getBlobClient(KEY).exists())
          .isFalse();
    }
  }

  @Test
  void anUnreachableEndpointSaysWhatToCheck() throws Exception {
    int port = AzuriteServer.freePort();
    assertThatThrownBy(
            () ->
                AzureSink.open(
                    keyOptions(
                            URI.create("http://127.0.0.1:" + port + "/" + server.account()),
                            AzuriteServer.KEY)
                        .maxAttempts(2)
                        .retryDelay(Duration.ofMillis(10), Duration.ofMillis(20))
                        .build()))
        .isInstanceOfSatisfying(
            StorageException.class,
            e -> assertThat(e.reason()).isEqualTo(StorageException.Reason.UNREACHABLE))
        .hasMessageStartingWith(
            "azure sink: cannot reach the Blob service at http://127.0.0.1:" + port)
        .hasMessageContaining("container '" + container + "'")
        .hasMessageContaining("check the account name, ?endpoint= or ?endpoint-suffix=");
  }

  @Test
  void entraIdOverPlainHttpIsRefusedBeforeAnyTokenIsSent() {
    assertThatThrownBy(
            () ->
                AzureSink.open(
                    AzureOptions.builder(server.account(), container)
                        .endpoint(server.endpoint())
                        .auth(AzureOptions.Auth.DEFAULT)
                        .build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "azure sink: DefaultAzureCredential (Microsoft Entra ID) sends tokens only over https")
        .hasMessageContaining("set AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_KEY or");
  }

  @Test
  void noCredentialAnywhereSaysWhereCredentialsComeFrom() throws Exception {
    // DefaultAzureCredential on a machine with no Azure identity (no AZURE_CLIENT_*, no managed
    // identity, no
    // az login): the token request fails before any request reaches the (unused) endpoint.
    org.junit.jupiter.api.Assumptions.assumeTrue(
        System.getenv("AZURE_CLIENT_ID") == null && System.getenv("IDENTITY_ENDPOINT") == null,
        "this machine has an Azure identity configured, so DefaultAzureCredential would find one");
    int port = AzuriteServer.freePort();
    assertThatThrownBy(
            () ->
                AzureSink.open(
                    AzureOptions.builder(server.account(), container)
                        .endpoint(URI.create("https://127.0.0.1:" + port + "/" + server.account()))
                        .auth(AzureOptions.Auth.DEFAULT)
                        .maxAttempts(1)
                        .build()))
        .isInstanceOfSatisfying(
            StorageException.class,
            e -> assertThat(e.reason()).isEqualTo(StorageException.Reason.AUTHENTICATION))
        .hasMessageStartingWith(
            "azure sink: no usable Azure credential for List Blobs on container '"
                + container
                + "'")
        .hasMessageContaining(
            "or sign in for DefaultAzureCredential (az login, a managed identity");
  }

  private static URI authority(URI endpoint) {
    return URI.create(endpoint.getScheme() + "://" + endpoint.getAuthority());
  }
}
