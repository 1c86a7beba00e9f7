package io.biowerk.dr.postgres;

import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.log.LogProvider;
import io.biowerk.dr.testkit.LogProviderContractTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * The WAL provider under the log provider contract. Segments are 64 KiB files that start with a WAL
 * segment's long page header (timeline 1, their position, system identifier 42, segment size 16
 * MiB) followed by random bytes: the provider reads only the header, and a real 16 MiB segment per
 * case would make a unit test slow; {@code PointInTimeRecoveryIT} covers real segments.
 */
class PgWalLogContractTest extends LogProviderContractTest {

  @Override
  protected LogProvider provider() {
    return new PgWalLog();
  }

  @Override
  protected List<String> writeSegments(Path directory, int count) throws Exception {
    List<String> names = new ArrayList<>();
    Random random = new Random(count);
    for (int i = 0; i < count; i++) {
      long number = 0xFEL + i; // crosses a "log" boundary: ...000000FF then ...0000000100000000
      String name = PgWal.segmentName(1, number, PgWal.DEFAULT_SEGMENT_SIZE);
      byte[] bytes = new byte[64 << 10];
      random.nextBytes(bytes);
      ByteBuffer header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      header.putShort(0, (short) 0xD110).putShort(2, (short) 0x0002).putInt(4, 1);
      header.putLong(8, number * PgWal.DEFAULT_SEGMENT_SIZE).putLong(24, 42L);
      header.putInt(32, (int) PgWal.DEFAULT_SEGMENT_SIZE);
      Files.write(directory.resolve(name), bytes);
      names.add(name);
    }
    return names;
  }

  @Override
  protected BackupManifest baseBackup(String first, String last, Instant finishedAt) {
    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put("startWal", first);
    facts.put("stopWal", last);
    facts.put("timeline", 1);
    String id = "postgres_" + finishedAt.getEpochSecond();
    return new BackupManifest(
        id,
        "postgresql",
        "contract",
        "postgresql://127.0.0.1/postgres?mode=physical",
        PostgresPhysicalSource.FORMAT,
        finishedAt.minusSeconds(60),
        finishedAt,
        List.of(),
        Optional.empty(),
        0,
        0,
        "0".repeat(64),
        "0".repeat(64),
        "contract/daily/" + id + ".pgbase",
        facts);
  }
}
