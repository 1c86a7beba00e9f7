package io.biowerk.dr.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.biowerk.dr.core.Sinks;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.StorageException.Reason;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Each kind of bad configuration fails when the repository is opened, with its own {@link Reason},
 * a message that names the bucket and says what to check, and never a credential.
 */
@ExtendWith(S3ProxyExtension.class)
class S3BadConfigurationIT {

  private final S3ProxyServer server;

  S3BadConfigurationIT(S3ProxyServer server) {
    this.server = server;
  }

  @Test
  void unknownBucket() {
    StorageException e =
        catchThrowableOfType(
            StorageException.class,
            () -> S3Sink.open(server.options("biowerk-no-such-bucket").build()));
    assertThat(e.reason()).isEqualTo(Reason.NO_SUCH_CONTAINER);
    assertThat(e.location()).isEqualTo("s3://biowerk-no-such-bucket");
    assertThat(e)
        .hasMessageStartingWith(
            "s3: bucket 'biowerk-no-such-bucket' does not exist (ListObjectsV2 on "
                + server.endpoint()
                + " (region us-east-1)); check the bucket name and region in the repository URI, or"
                + " add create-bucket=true to create it");
    assertNoSecret(e, server.secretKey());
  }

  @Test
  void wrongSecretKey() {
    String wrongSecret = "wrong-secret-" + System.nanoTime();
    String bucket = server.newBucket("auth");
    StorageException e =
        catchThrowableOfType(
            StorageException.class,
            () ->
                S3Sink.open(
                    server
                        .options(bucket)
                        .credentials(
                            StaticCredentialsProvider.create(
                                AwsBasicCredentials.create(server.accessKey(), wrongSecret)))
                        .build()));
    assertThat(e.reason()).isEqualTo(Reason.AUTHENTICATION);
    assertThat(e)
        .hasMessageStartingWith(
            "s3: the store rejected the credentials for ListObjectsV2 on bucket '"
                + bucket
                + "' (SignatureDoesNotMatch (HTTP 403)); check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    assertNoSecret(e, wrongSecret);
    assertNoSecret(e, server.secretKey());
  }

  @Test
  void unknownAccessKey() {
    String bucket = server.newBucket("auth");
    StorageException e =
        catchThrowableOfType(
            StorageException.class,
            () ->
                S3Sink.open(
                    server
                        .options(bucket)
                        .credentials(
                            StaticCredentialsProvider.create(
                                AwsBasicCredentials.create("AKIDNOSUCHKEY", "s3cr3t-value")))
                        .build()));
    assertThat(e.reason()).isEqualTo(Reason.AUTHENTICATION);
    assertThat(e)
        .hasMessageContaining("(InvalidAccessKeyId (HTTP 403))")
        .hasMessageContaining("check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    assertNoSecret(e, "s3cr3t-value");
  }

  @Test
  void endpointWithNothingListening() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    URI endpoint = URI.create("http://127.0.0.1:" + port);
    StorageException e =
        catchThrowableOfType(
            StorageException.class,
            () ->
                S3Sink.open(server.options("b-unreach").endpoint(endpoint).maxAttempts(2).build()));
    assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
    assertThat(e)
        .hasMessageStartingWith(
            "s3: cannot reach the store at "
                + endpoint
                + " (region us-east-1) for"
                + " ListObjectsV2 on bucket 'b-unreach' (")
        .hasMessageContaining("Connection refused")
        .hasMessageEndingWith(
            "check the endpoint (?endpoint= or AWS_ENDPOINT_URL_S3), the region, the network"
                + " and any proxy");
    assertNoSecret(e, server.secretKey());
  }

  @Test
  void unknownHost() {
    StorageException e =
        catchThrowableOfType(
            StorageException.class,
            () ->
                S3Sink.open(
                    server
                        .options("b-dns")
                        .endpoint(URI.create("http://no-such-host.invalid:9000"))
                        .maxAttempts(1)
                        .build()));
    assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE);
    assertThat(e)
        .hasMessageContaining("s3: cannot reach the store at http://no-such-host.invalid:9000")
        .hasMessageContaining("UnknownHostException");
  }

  @Test
  void missingCredentialsThroughTheUri() {
    // No credentials anywhere but a profile that does not exist: the default chain finds none.
    StorageException e =
        catchThrowableOfType(
            StorageException.class,
            () ->
                Sinks.forUri(
                    server.uri(
                        server.newBucket("nocreds"), "p", "profile=biowerk-no-such-profile")));
    assertThat(e.reason()).as(e.toString()).isEqualTo(Reason.AUTHENTICATION);
    assertThat(e)
        .hasMessageContaining("s3: no AWS credentials found for ListObjectsV2 on bucket")
        .hasMessageContaining(
            "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE or ?profile=NAME");
  }

  @Test
  void serverSideEncryptionTheStoreCannotDo() throws IOException {
    // S3Proxy implements no SSE and answers 501: the write fails with the store's reason, nothing
    // is visible.
    String bucket = server.newBucket("sse");
    try (S3Sink sink =
        S3Sink.open(
            server
                .options(bucket)
                .sse(software.amazon.awssdk.services.s3.model.ServerSideEncryption.AES256)
                .build())) {
      StorageException e =
          catchThrowableOfType(StorageException.class, () -> sink.put("k", new byte[] {1}));
      assertThat(e.reason()).isEqualTo(Reason.OTHER);
      assertThat(e)
          .hasMessageStartingWith("s3: PutObject on 'k' in bucket '" + bucket + "' failed (")
          .hasMessageContaining("HTTP 501")
          .hasMessageContaining("Server-side encryption is not supported")
          .hasMessageContaining("drop the option that needs it for this store");
      assertThat(sink.list("")).isEmpty();
    }
  }

  /**
   * The secret appears in neither the message, the causes' messages nor the printed stack trace.
   */
  static void assertNoSecret(Throwable e, String secret) {
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    assertThat(trace.toString()).doesNotContain(secret);
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertThat(String.valueOf(t.getMessage())).doesNotContain(secret);
      assertThat(t.toString()).doesNotContain(secret);
    }
  }
}
