package io.biowerk.dr.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.AccessTier;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlockList;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.blob.models.RehydratePriority;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.SinkCapability;
import io.biowerk.dr.core.Sinks;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.internal.ByteChannels;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the contract does not cover, against Azurite: blocks, tiers, copy, putIfAbsent, Archive,
 * lookup.
 */
@ExtendWith(AzuriteExtension.class)
class AzureSinkIT {

  private static final String DAILY = "postgres/daily/postgres_20240115_020000.dump.zst.enc";
  private static final String MONTHLY = "postgres/monthly/postgres_20240115_020000.dump.zst.enc";

  private final AzuriteServer server;
  private final List<AzureSink> opened = new ArrayList<>();

  AzureSinkIT(AzuriteServer server) {
    this.server = server;
  }

  @AfterEach
  void closeSinks() {
    opened.forEach(AzureSink::close);
  }

  private AzureSink open(AzureOptions.Builder options) throws Exception {
    AzureSink sink = AzureSink.open(options.build());
    opened.add(sink);
    return sink;
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static void write(Sink sink, String key, byte[] bytes) throws Exception {
    try (PendingWrite out = sink.openWrite(key)) {
      ByteChannels.writeFully(out, ByteBuffer.wrap(bytes));
      out.commit();
    }
  }

  @Test
  void aLargeWriteStagesBlocksInParallelWithBoundedMemoryAndShowsNothingBeforeTheCommit()
      throws Exception {
    String container = server.newContainer("blocks");
    AzureSink sink =
        open(server.options(container).prefix("r").blockSize(256 << 10).parallelism(3));
    byte[] bytes = random(5 << 20, 1);
    PendingWrite out = sink.openWrite(DAILY);
    for (int at = 0; at < bytes.length; at += 100_000) {
      ByteChannels.writeFully(
          out, ByteBuffer.wrap(bytes, at, Math.min(100_000, bytes.length - at)));
    }
    BlobContainerClient admin = server.admin().getBlobContainerClient(container);
    var blob = admin.getBlobClient("r/" + DAILY).getBlockBlobClient();
    assertThat(sink.list("")).isEmpty();
    assertThat(blob.exists()).as("a staged blob is not visible").isFalse();
    assertThat(blob.listBlocks(BlockListType.UNCOMMITTED).getUncommittedBlocks()).isNotEmpty();
    AzureWrite write = (AzureWrite) out;
    out.commit();
    BlockList blocks = blob.listBlocks(BlockListType.ALL);
    assertThat(blocks.getCommittedBlocks()).hasSize(20);
    assertThat(blocks.getUncommittedBlocks()).isEmpty();
    assertThat(write.peakBufferBytes()).isLessThanOrEqualTo((3 + 1) * (256L << 10));
    assertThat(sink.get(DAILY)).isEqualTo(bytes);
  }

  @Test
  void eachBackupTierGetsItsAccessTierAndSmallBlobsStayOnline() throws Exception {
    String container = server.newContainer("tiers");
    AzureSink sink =
        open(
            server
                .options(container)
                .blockSize(256 << 10)
                .tier("monthly", AccessTier.ARCHIVE)
                .archiveTag(true));
    byte[] data = random(600 << 10, 2); // several blocks
    write(sink, DAILY, data);
    sink.put(MONTHLY, data); // one Put Blob
    sink.put(MONTHLY + ".manifest.json", "{}".getBytes(StandardCharsets.UTF_8));
    sink.put("postgres/wal/000000010000000000000001.zst", data);
    assertThat(sink.properties(DAILY).getAccessTier()).isEqualTo(AccessTier.COOL);
    assertThat(sink.properties(MONTHLY).getAccessTier()).isEqualTo(AccessTier.ARCHIVE);
    assertThat(sink.properties(MONTHLY + ".manifest.json").getAccessTier())
        .isEqualTo(AccessTier.COLD);
    assertThat(sink.properties("postgres/wal/000000010000000000000001.zst").getAccessTier())
        .as("the account default")
        .isEqualTo(AccessTier.HOT);
    BlobContainerClient admin = server.admin().getBlobContainerClient(container);
    assertThat(admin.getBlobClient(DAILY).getTags())
        .containsEntry(AzureLifecyclePolicy.ARCHIVABLE_TAG, "true");
    assertThat(admin.getBlobClient(MONTHLY + ".manifest.json").getTags()).isEmpty();
  }

  @Test
  void copyHappensInTheServiceAndGivesTheTargetFolderItsTier() throws Exception {
    AzureSink sink = open(server.options(server.newContainer("copy")).prefix("a/b"));
    byte[] data = random(300 << 10, 3);
    write(sink, DAILY, data);
    sink.copy(DAILY, MONTHLY);
    assertThat(sink.get(MONTHLY)).isEqualTo(data);
    assertThat(sink.properties(MONTHLY).getAccessTier()).isEqualTo(AccessTier.COLD);
    assertThat(sink.properties(MONTHLY).getCopyId()).as("a server-side Copy Blob").isNotNull();
    assertThat(sink.capabilities())
        .containsExactlyInAnyOrder(
            SinkCapability.SERVER_SIDE_COPY,
            SinkCapability.STORAGE_CLASS,
            SinkCapability.SERVER_SIDE_ENCRYPTION,
            SinkCapability.RANGED_READ,
            SinkCapability.ATOMIC_PUT_IF_ABSENT);
  }

  @Test
  void putIfAbsentCreatesOnceAndExactlyOneOfEightRacingWritersWins() throws Exception {
    AzureSink sink = open(server.options(server.newContainer("claim")));
    assertThat(sink.putIfAbsent("claims/a", "first".getBytes(StandardCharsets.UTF_8))).isTrue();
    assertThat(sink.putIfAbsent("claims/a", "second".getBytes(StandardCharsets.UTF_8))).isFalse();
    assertThat(new String(sink.get("claims/a"), StandardCharsets.UTF_8)).isEqualTo("first");

    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        byte[] mine = ("writer " + i).getBytes(StandardCharsets.UTF_8);
        Callable<Boolean> claim =
            () -> {
              start.await();
              return sink.putIfAbsent("claims/race", mine);
            };
        results.add(pool.submit(claim));
      }
      start.countDown();
      int winners = 0;
      for (Future<Boolean> result : results) {
        winners += result.get() ? 1 : 0;
      }
      assertThat(winners).isEqualTo(1);
      assertThat(new String(sink.get("claims/race"), StandardCharsets.UTF_8)).startsWith("writer ");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anArchivedBlobIsATypedErrorNamingContainerAndKeyAndRehydrationStartsIt() throws Exception {
    String container = server.newContainer("archive");
    AzureSink sink = open(server.options(container).tier("monthly", AccessTier.ARCHIVE));
    write(sink, MONTHLY, random(200 << 10, 4));
    assertThatThrownBy(() -> sink.openRead(MONTHLY))
        .isInstanceOfSatisfying(
            BlobArchivedException.class,
            e -> {
              assertThat(e.key()).isEqualTo(MONTHLY);
              assertThat(e.rehydrating()).isFalse();
              assertThat(e.location()).isEqualTo(sink.location(MONTHLY));
            })
        .hasMessageStartingWith(
            "azure sink: '" + MONTHLY + "' in container '" + container + "' is in the Archive tier")
        .hasMessageContaining("rehydrate=standard")
        .hasMessageContaining("AzureSink.rehydrate")
        .hasMessageContaining("--rehydrate-priority");
    assertThatThrownBy(() -> sink.copy(MONTHLY, "postgres/weekly/x"))
        .isInstanceOf(BlobArchivedException.class);
    assertThat(sink.list("postgres/weekly/")).isEmpty();

    assertThat(sink.rehydrate(MONTHLY, AccessTier.COLD, RehydratePriority.HIGH)).isTrue();
    BlobProperties after = sink.properties(MONTHLY);
    // The service rehydrates later (archive status rehydrate-pending-to-cold); Azurite may do it at
    // once.
    assertThat(
            AccessTier.COLD.equals(after.getAccessTier())
                || "rehydrate-pending-to-cold".equals(String.valueOf(after.getArchiveStatus())))
        .as("tier %s, archive status %s", after.getAccessTier(), after.getArchiveStatus())
        .isTrue();
    write(sink, DAILY, new byte[] {1});
    assertThat(sink.rehydrate(DAILY, AccessTier.HOT, RehydratePriority.STANDARD))
        .as("an online blob needs no rehydration")
        .isFalse();
  }

  @Test
  void aReadIsPinnedToTheVersionItStartedWith() throws Exception {
    String container = server.newContainer("pinned");
    AzureSink sink = open(server.options(container).rangeSize(64 << 10).parallelism(1));
    write(sink, DAILY, random(1 << 20, 5));
    try (ReadableByteChannel in = sink.openRead(DAILY)) {
      ByteBuffer first = ByteBuffer.allocate(1000);
      assertThat(in.read(first)).isPositive();
      write(sink, DAILY, random(1 << 20, 6));
      assertThatThrownBy(() -> drain(in))
          .isInstanceOf(StorageException.class)
          .hasMessage(
              "azure sink: '"
                  + DAILY
                  + "' in container '"
                  + container
                  + "' was replaced while it was being read (its ETag changed); read it again");
    }
  }

  private static byte[] drain(ReadableByteChannel in) throws Exception {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(8192);
    while (in.read(buffer) >= 0) {
      all.write(buffer.array(), 0, buffer.position());
      buffer.clear();
    }
    return all.toByteArray();
  }

  @Test
  void createContainerMakesAMissingContainer() throws Exception {
    AzureSink sink =
        open(server.options("bw-created-" + ProcessHandle.current().pid()).createContainer(true));
    sink.put("x", new byte[] {1});
    assertThat(sink.get("x")).containsExactly(1);
  }

  @Test
  void theSchemeFindsThisSinkThroughTheServiceLoader() throws Exception {
    // Credentials from the environment: failsafe sets AZURE_STORAGE_KEY to Azurite's well-known
    // key.
    assertThat(Sinks.schemes()).contains("azure", "file");
    assertThat(
            java.util.ServiceLoader.load(io.biowerk.dr.core.SinkProvider.class).stream()
                .map(java.util.ServiceLoader.Provider::get)
                .filter(p -> p.schemes().contains("azure"))
                .map(io.biowerk.dr.core.SinkProvider::artifact))
        .containsExactly("biowerk-dr-storage-azure");
    String container = server.newContainer("lookup");
    Sink found = Sinks.forUri(server.uri(container, "via-uri", "tier-daily=Hot&block-size=1MiB"));
    try {
      assertThat(found).isInstanceOf(AzureSink.class);
      AzureSink sink = (AzureSink) found;
      assertThat(sink.options().blockSize()).isEqualTo(1 << 20);
      assertThat(sink.toString())
          .startsWith("azure://" + server.account() + "/" + container + "/via-uri?endpoint=")
          .doesNotContain(AzuriteServer.KEY);
      found.put(DAILY, new byte[] {42});
      assertThat(sink.properties(DAILY).getAccessTier()).isEqualTo(AccessTier.HOT);
      assertThat(
              server
                  .admin()
                  .getBlobContainerClient(container)
                  .getBlobClient("via-uri/" + DAILY)
                  .exists())
          .isTrue();
    } finally {
      ((AzureSink) found).close();
    }
  }

  @Test
  void aContainerSasWithRacwdlDoesEverythingABackupNeedsIncludingServerSideCopy() throws Exception {
    String container = server.newContainer("sas");
    String sas =
        server
            .admin()
            .getBlobContainerClient(container)
            .generateSas(
                new com.azure.storage.blob.sas.BlobServiceSasSignatureValues(
                    java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).plusHours(1),
                    com.azure.storage.blob.sas.BlobContainerSasPermission.parse("racwdl")));
    AzureSink sink =
        open(
            AzureOptions.builder(server.account(), container)
                .endpoint(server.endpoint())
                .sasToken(sas)
                .blockSize(64 << 10));
    byte[] data = random(300 << 10, 8);
    write(sink, DAILY, data);
    assertThat(sink.putIfAbsent("claims/x", new byte[] {1})).isTrue();
    sink.copy(DAILY, MONTHLY);
    assertThat(sink.get(MONTHLY)).isEqualTo(data);
    sink.delete(DAILY);
    assertThat(sink.list("")).extracting(o -> o.key()).containsExactly("claims/x", MONTHLY);
    assertThat(sink.toString()).doesNotContain("sig=").endsWith("(SAS token)");
  }

  @Test
  void theRehydrateOptionStartsARehydrationWhenAReadFindsAnArchivedBlob() throws Exception {
    String container = server.newContainer("rehydrate");
    AzureSink writer = open(server.options(container).tier("monthly", AccessTier.ARCHIVE));
    write(writer, MONTHLY, random(200 << 10, 9));
    AzureSink reader = open(server.options(container).rehydrate(RehydratePriority.HIGH));
    assertThatThrownBy(() -> reader.openRead(MONTHLY))
        .isInstanceOfSatisfying(
            BlobArchivedException.class, e -> assertThat(e.rehydrating()).isTrue())
        .hasMessageStartingWith(
            "azure sink: '"
                + MONTHLY
                + "' in container '"
                + container
                + "' is being rehydrated from the Archive tier; wait until that finishes");
    BlobProperties after = reader.properties(MONTHLY);
    assertThat(
            AccessTier.COLD.equals(after.getAccessTier())
                || String.valueOf(after.getArchiveStatus()).startsWith("rehydrate-pending"))
        .as("tier %s, archive status %s", after.getAccessTier(), after.getArchiveStatus())
        .isTrue();
  }
}
