package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.storage.azure.AzuriteExtension;
import io.biowerk.dr.storage.azure.AzuriteServer;
import io.biowerk.dr.storage.s3.S3ProxyExtension;
import io.biowerk.dr.storage.s3.S3ProxyServer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, item 6 with cloud repositories through the command: a local plus an unreachable S3
 * repository keeps the local copy and exits 1 naming the S3 one; {@code sync} then copies from the
 * file repository into S3 (S3Proxy, the S3 module's emulator) and Azure (Azurite), resuming after
 * an interrupted copy. Credentials as in {@link CloudFanOutIT}.
 */
@ExtendWith({S3ProxyExtension.class, AzuriteExtension.class})
class FanOutSyncCloudIT {

  @TempDir Path dir;

  private final S3ProxyServer s3;
  private final AzuriteServer azure;
  private String oldId;
  private String oldSecret;

  FanOutSyncCloudIT(S3ProxyServer s3, AzuriteServer azure) {
    this.s3 = s3;
    this.azure = azure;
  }

  @BeforeEach
  void credentials() {
    oldId = System.setProperty("aws.accessKeyId", s3.accessKey());
    oldSecret = System.setProperty("aws.secretAccessKey", s3.secretKey());
  }

  @AfterEach
  void restoreCredentials() {
    restore("aws.accessKeyId", oldId);
    restore("aws.secretAccessKey", oldSecret);
  }

  private static void restore(String property, String old) {
    if (old == null) {
      System.clearProperty(property);
    } else {
      System.setProperty(property, old);
    }
  }

  private String s3Repo(String purpose) {
    return "s3://"
        + s3.newBucket(purpose)
        + "/biowerk?endpoint="
        + s3.endpoint()
        + "&path-style=true&region=us-east-1";
  }

  private Path docs() throws Exception {
    Path docs = Files.createDirectories(dir.resolve("docs"));
    Files.write(docs.resolve("b.bin"), Fixtures.data(2_000_000, 3));
    return docs;
  }

  private static List<String> ids(Cli cli, String repo) {
    Cli.Result list = cli.run("list", "--repo", repo);
    assertThat(list.code()).as(repo + "\n" + list).isZero();
    return list.out().lines().skip(1).map(l -> l.split("\\s+", -1)[0]).sorted().toList();
  }

  @Test
  void aLocalPlusAnUnreachableS3RepositoryKeepsTheLocalCopyAndSyncCatchesUpLater()
      throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    String local = dir.resolve("local").toUri().toString();
    String unreachable =
        "s3://down/biowerk?endpoint=http://127.0.0.1:"
            + closed
            + "&path-style=true&region=us-east-1&max-attempts=1";
    Cli cli = new Cli(dir);
    Path docs = docs();
    Cli.Result backup =
        cli.run("backup", docs.toString(), "--no-encrypt", "--repo", local, "--repo", unreachable);
    assertThat(backup.code()).as(backup.toString()).isEqualTo(ExitCodes.FAILURE);
    String id = backup.out().lines().findFirst().orElseThrow().split(" ", -1)[1];
    assertThat(backup.err())
        .contains(id + " FAILED in s3://down/biowerk")
        .contains("biowerk-dr sync --from " + local.replaceAll("/$", ""))
        .doesNotContain(s3.secretKey());
    assertThat(ids(cli, local)).containsExactly(id);

    // The cloud is back (here: a real S3 endpoint): sync copies the backup there.
    String up = s3Repo("catchup");
    Cli.Result sync = cli.run("sync", "--from", local, "--to", up);
    assertThat(sync.code()).as(sync.toString()).isZero();
    assertThat(sync.out()).contains("copied 1 backup(s)");
    assertThat(ids(cli, up)).containsExactly(id);
    Path restored = dir.resolve("restored");
    Cli.Result restore = cli.run("restore", id, restored.toString(), "--repo", up);
    assertThat(restore.code()).as(restore.toString()).isZero();
    assertThat(Files.readAllBytes(restored.resolve("b.bin")))
        .isEqualTo(Fixtures.data(2_000_000, 3));
  }

  @Test
  void syncIntoAzureResumesAfterAnInterruptedCopyAndCopiesOnlyWhatIsMissing() throws Exception {
    Cli cli = new Cli(dir);
    Path docs = docs();
    Path local = dir.resolve("local");
    for (int i = 0; i < 3; i++) {
      Files.write(docs.resolve("b.bin"), Fixtures.data(1_000_000, 10 + i));
      Cli.Result backup =
          cli.run("backup", docs.toString(), "--no-encrypt", "--repo", local.toString());
      assertThat(backup.code()).as(backup.toString()).isZero();
      cli.clock.advance(Duration.ofHours(1));
    }
    List<String> all = ids(cli, local.toString());
    // What an interrupted sync leaves in Azure: one backup complete and, of the newest, the data
    // object and side file without the manifest (killed before its commit point).
    String container = azure.uri(azure.newContainer("sync"), "biowerk", "").toString();
    String newest = all.get(2);
    try (io.biowerk.dr.core.Sink sink =
            io.biowerk.dr.core.Sinks.forUri(java.net.URI.create(container));
        Stream<Path> walk = Files.walk(local)) {
      for (Path file : walk.filter(Files::isRegularFile).toList()) {
        String key = local.relativize(file).toString();
        String name = file.getFileName().toString();
        boolean keep =
            name.startsWith(all.get(0))
                || (name.startsWith(newest) && !name.endsWith(".manifest.json"));
        if (keep && !key.contains("/.")) {
          sink.put(key, Files.readAllBytes(file));
        }
      }
    }
    assertThat(ids(cli, container)).containsExactly(all.get(0));

    Cli.Result resume = cli.run("sync", "--from", local.toString(), "--to", container);
    assertThat(resume.code()).as(resume.toString()).isZero();
    assertThat(resume.out()).contains("copied 2 backup(s)").contains("1 already there");
    assertThat(ids(cli, container)).isEqualTo(all);
    Cli.Result verify = cli.run("verify", "all", "--repo", container);
    assertThat(verify.code()).as(verify.toString()).isZero();
    assertThat(verify.out() + verify.err()).doesNotContain(AzuriteServer.KEY);

    // From Azure into S3, and once more: nothing left to copy.
    String bucket = s3Repo("fromazure");
    assertThat(cli.run("sync", "--from", container, "--to", bucket).code()).isZero();
    Cli.Result nothing = cli.run("sync", "--from", container, "--to", bucket);
    assertThat(nothing.code()).as(nothing.toString()).isZero();
    assertThat(nothing.out()).contains("copied 0 backup(s)").contains("3 already there");
    assertThat(ids(cli, bucket)).isEqualTo(all);
  }
}
