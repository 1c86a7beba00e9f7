package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.ProviderNotFoundException;
import io.biowerk.dr.core.log.Logs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wal log provider: found by ServiceLoader by its log name, WAL names and positions, segment
 * checks.
 */
class PgWalLogTest {

  @TempDir Path dir;

  @Test
  void theWalLogIsFoundByName() throws Exception {
    assertThat(Logs.forLog("wal")).isInstanceOf(PgWalLog.class);
    assertThatThrownBy(() -> Logs.forLog("binlog"))
        .isInstanceOf(ProviderNotFoundException.class)
        .hasMessageContaining("no provider of the log 'binlog' is available; found: ")
        .hasMessageContaining("wal");
  }

  @Test
  void segmentNamesAndPositionsFollowPostgres() {
    long size = PgWal.DEFAULT_SEGMENT_SIZE;
    assertThat(PgWal.lsn("0/3000060")).isEqualTo(0x3000060L);
    assertThat(PgWal.lsn(0x1_0000_0028L)).isEqualTo("1/28");
    assertThat(PgWal.segmentOf(1, PgWal.lsn("0/3000060"), size))
        .isEqualTo("000000010000000000000003");
    assertThat(PgWal.segmentBefore(2, PgWal.lsn("1/0"), size))
        .isEqualTo("0000000200000000000000FF");
    assertThat(PgWal.segmentNumber("000000010000000100000002", size)).isEqualTo(258);
    assertThat(PgWal.isArchivable("00000002.history")).isTrue();
    assertThat(PgWal.isArchivable("000000010000000000000002.00000028.backup")).isTrue();
    assertThat(PgWal.isArchivable("../../etc/passwd")).isFalse();
    assertThatThrownBy(() -> PgWal.lsn("3000060"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not a WAL position (LSN)");
  }

  @Test
  void aFileThatIsNotTheNamedSegmentIsRefused() throws Exception {
    Path file = dir.resolve("seg");
    ByteBuffer header = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
    header.putShort(0, (short) 0xD110).putShort(2, (short) 0x0002).putInt(4, 1);
    header.putLong(8, 4L * PgWal.DEFAULT_SEGMENT_SIZE).putLong(24, 42L).putInt(32, 16 << 20);
    Files.write(file, header.array());
    PgWalLog wal = new PgWalLog();
    assertThat(wal.describe("000000010000000000000004", file).facts())
        .containsEntry("systemIdentifier", "42")
        .containsEntry("timeline", 1);
    assertThatThrownBy(() -> wal.describe("000000010000000000000005", file))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("is not the segment it is named after");
    assertThatThrownBy(() -> wal.describe("passwd", file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not a WAL file name");
    Files.write(file, new byte[100]);
    assertThatThrownBy(() -> wal.describe("000000010000000000000004", file))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("does not start with a WAL segment's long page header");
  }

  @Test
  void aKeptSegmentKeepsItsTimelineHistoryAndBackupHistory() {
    java.util.SortedSet<String> names =
        new java.util.TreeSet<>(
            java.util.List.of(
                "00000002.history",
                "00000003.history",
                "00000004.history",
                "000000030000000000000005",
                "000000030000000000000005.00000028.backup",
                "000000030000000000000006"));
    PgWalChain chain = new PgWalChain();
    assertThat(chain.companions("000000030000000000000005", names))
        .containsExactlyInAnyOrder(
            "00000002.history", "00000003.history", "000000030000000000000005.00000028.backup");
    assertThat(chain.companions("000000030000000000000006", names))
        .containsExactlyInAnyOrder("00000002.history", "00000003.history");
    assertThat(chain.companions("00000003.history", names)).isEmpty();
  }

  /**
   * The lag against a server nobody listens for (a loopback port just freed) is an IOException that
   * names the server, why, and what to check; the password never appears.
   */
  @Test
  void theLagAgainstAnUnreachableServerSaysWhichServerAndWhatToCheck() throws Exception {
    int port;
    try (java.net.ServerSocket socket =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    java.net.URI uri =
        java.net.URI.create(
            "postgresql://postgres:s3cret-pw@127.0.0.1:" + port + "/postgres?mode=physical&name=x");
    io.biowerk.dr.core.log.LogArchive archive =
        io.biowerk.dr.core.log.LogArchive.of(
            io.biowerk.dr.core.local.LocalSink.open(dir.resolve("repo")),
            "x",
            "wal",
            java.util.List.of(),
            io.biowerk.dr.core.KeyRing.empty());
    assertThatThrownBy(() -> new PgWalLog().lag(uri, archive))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageStartingWith("postgresql: cannot read the WAL position of postgresql://")
        .hasMessageContaining("127.0.0.1:" + port)
        .hasMessageContaining("check that the server is running and reachable from here")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret-pw"));
  }
}
