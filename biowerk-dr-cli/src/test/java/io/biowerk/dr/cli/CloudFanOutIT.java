package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.storage.azure.AzuriteExtension;
import io.biowerk.dr.storage.azure.AzuriteServer;
import io.biowerk.dr.storage.gcs.JsonApiTestServer;
import io.biowerk.dr.storage.s3.S3ProxyExtension;
import io.biowerk.dr.storage.s3.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One {@code backup} fanned out to four repositories at once, {@code file://}, {@code s3://},
 * {@code azure://} and {@code gs://}, through the command.
 *
 * <p>S3 is S3Proxy (the S3 module's emulator), Azure is Azurite (credentials from {@code
 * AZURE_STORAGE_KEY}, which failsafe sets to Azurite's published development key). Cloud Storage is
 * {@link JsonApiTestServer}, a TEST DOUBLE of the JSON API on loopback: the command opens
 * repositories from URIs alone, and {@code LocalStorageHelper} is an in-process fake with no
 * endpoint a URI could name, so the command cannot reach it; the test double speaks HTTP the way
 * the google-cloud-storage client does ({@code ?endpoint=...&credentials=none}). A repository that
 * fails drops out of the fan-out; the others keep the complete backup (issue 20).
 */
@ExtendWith({S3ProxyExtension.class, AzuriteExtension.class})
class CloudFanOutIT {

  @TempDir Path dir;

  private final S3ProxyServer s3;
  private final AzuriteServer azure;
  private JsonApiTestServer gcs;
  private String oldId;
  private String oldSecret;

  CloudFanOutIT(S3ProxyServer s3, AzuriteServer azure) {
    this.s3 = s3;
    this.azure = azure;
  }

  @BeforeEach
  void start() throws Exception {
    gcs = new JsonApiTestServer().bucket("fan");
    // The SDK's default chain reads these like AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
    oldId = System.setProperty("aws.accessKeyId", s3.accessKey());
    oldSecret = System.setProperty("aws.secretAccessKey", s3.secretKey());
  }

  @AfterEach
  void stop() {
    gcs.close();
    restore("aws.accessKeyId", oldId);
    restore("aws.secretAccessKey", oldSecret);
  }

  private List<String> repositories(String purpose) {
    return List.of(
        dir.resolve("local-" + purpose).toUri().toString(),
        "s3://"
            + s3.newBucket(purpose)
            + "/biowerk?endpoint="
            + s3.endpoint()
            + "&path-style=true&region=us-east-1",
        azure.uri(azure.newContainer(purpose), "biowerk", "").toString(),
        "gs://fan/"
            + purpose
            + "?endpoint="
            + gcs.endpoint()
            + "&credentials=none&chunk-size=256KiB&max-attempts=2");
  }

  private static String[] backup(Path docs, List<String> repos) {
    String[] args = new String[3 + 2 * repos.size()];
    args[0] = "backup";
    args[1] = docs.toString();
    args[2] = "--no-encrypt";
    for (int i = 0; i < repos.size(); i++) {
      args[3 + 2 * i] = "--repo";
      args[4 + 2 * i] = repos.get(i);
    }
    return args;
  }

  private Path docs() throws Exception {
    Path docs = Files.createDirectories(dir.resolve("docs"));
    Files.writeString(docs.resolve("a.txt"), "alpha\n".repeat(1000));
    Files.write(docs.resolve("b.bin"), Fixtures.data(3_000_000, 5));
    return docs;
  }

  /** The backups {@code list} shows in one repository (the header line left out). */
  private static List<String> listed(Cli cli, String repo) {
    if (repo.startsWith("file:") && !Files.exists(Path.of(java.net.URI.create(repo)))) {
      return List.of(); // the failed backup did not even leave the directory
    }
    Cli.Result list = cli.run("list", "--repo", repo);
    assertThat(list.code()).as(repo + "\n" + list).isEqualTo(0);
    return list.out().lines().skip(1).toList();
  }

  @Test
  void aBackupLandsInFileS3AzureAndGcsAndRestoresFromEach() throws Exception {
    Path docs = docs();
    List<String> repos = repositories("fanok");
    Cli cli = new Cli(dir);

    Cli.Result backup = cli.run(backup(docs, repos));
    assertThat(backup.code()).as(backup.toString()).isEqualTo(0);
    assertThat(backup.out() + backup.err())
        .doesNotContain(s3.secretKey())
        .doesNotContain(AzuriteServer.KEY);

    String id = null;
    for (String repo : repos) {
      List<String> rows = listed(cli, repo);
      assertThat(rows).as(repo).hasSize(1);
      String rowId = rows.get(0).split("\\s+", -1)[0];
      assertThat(rowId).startsWith("docs_");
      if (id == null) {
        id = rowId;
      }
      assertThat(rowId).as("the same backup id in " + repo).isEqualTo(id);
    }
    assertThat(gcs.names("fan")).anyMatch(n -> n.startsWith("fanok/docs/daily/"));

    for (String repo : repos.subList(1, repos.size())) {
      Path restored = dir.resolve("restored-" + repo.substring(0, repo.indexOf(':')));
      Cli.Result restore = cli.run("restore", "latest:docs", restored.toString(), "--repo", repo);
      assertThat(restore.code()).as(repo + "\n" + restore).isEqualTo(0);
      assertThat(Files.readAllBytes(restored.resolve("b.bin")))
          .as(repo)
          .isEqualTo(Fixtures.data(3_000_000, 5));
    }
  }

  @Test
  void aNetworkDropMidUploadToGcsKeepsTheBackupInTheOthersAndNothingInGcs() throws Exception {
    Path docs = docs();
    List<String> repos = repositories("fanfail");
    Cli cli = new Cli(dir);
    // Every chunk after the first of every resumable upload loses its connection, through all
    // retries: the GCS upload cannot finish, after the other three have uploaded their data.
    gcs.dropChunksAfterTheFirst(1000);

    Cli.Result backup = cli.run(backup(docs, repos));
    assertThat(backup.code()).as(backup.toString()).isEqualTo(ExitCodes.FAILURE);
    assertThat(backup.err())
        .contains("gcs:")
        .contains("in bucket 'fan'")
        .contains("FAILED in gs://fan/fanfail")
        .contains("biowerk-dr sync --from " + repos.get(0).replaceAll("/$", ""));

    // Issue 20: the repositories that completed keep the complete backup; GCS lists nothing.
    for (String repo : repos.subList(0, 3)) {
      assertThat(listed(cli, repo)).as("the backup is kept in " + repo).hasSize(1);
    }
    assertThat(listed(cli, repos.get(3))).as("no backup is visible in GCS").isEmpty();
    assertThat(gcs.names("fan"))
        .as("no data object and no manifest in the bucket")
        .noneMatch(n -> n.startsWith("fanfail/docs/daily/"));
  }

  private static void restore(String property, String old) {
    if (old == null) {
      System.clearProperty(property);
    } else {
      System.setProperty(property, old);
    }
  }
}
