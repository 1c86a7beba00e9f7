package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link ArchiveRowCounter}, the reader of pg_dump's
 * custom-format header and table of contents (and its data blocks) that runs on the dump stream at
 * backup and on the stored dump at verify. Its contract is that it never throws: whatever the
 * bytes, it stops with a {@link ArchiveRowCounter#problem()} and counts nothing. So any exception
 * or error escaping is a finding. The input's first byte cuts the rest into pieces of 1 to 256
 * bytes (cycled), so that every state of the streaming parser meets a buffer boundary; an archive
 * that ends cleanly has a count for each table it says it read, and a stopped one has none.
 *
 * <p>The default build replays the seed corpus in {@code ArchiveRowCounterFuzzTestInputs/} (a real
 * {@code pg_dump -Fc -Z0} archive and the unit test's typical archive); {@code mvn test -Pfuzz
 * -Dtest=ArchiveRowCounterFuzzTest} fuzzes (docs/reliability.md).
 */
class ArchiveRowCounterFuzzTest {

  @FuzzTest(maxDuration = "10m")
  void archive(byte[] input) {
    if (input.length == 0) {
      return;
    }
    int piece = (input[0] & 0xff) + 1;
    ArchiveRowCounter counter = new ArchiveRowCounter();
    for (int at = 1; at < input.length; at += piece) {
      int n = Math.min(piece, input.length - at);
      ByteBuffer b = ByteBuffer.allocate(n + 2);
      b.position(1);
      b.put(input, at, n).flip().position(1);
      counter.accept(b);
      assertThat(b.position()).isEqualTo(1);
    }
    boolean whole = counter.finish();
    assertThat(whole).isEqualTo(counter.problem().isEmpty());
    if (!whole) {
      assertThat(counter.counts()).isEmpty();
      assertThat(counter.problem().orElseThrow()).isNotBlank();
    }
    counter.counts().values().forEach(rows -> assertThat(rows).isNotNegative());
  }

  /** Writes the unit test's typical archive as a seed (run from the module directory). */
  public static void main(String[] args) throws Exception {
    java.nio.file.Path out =
        java.nio.file.Path.of(
            "src/test/resources/io/biowerk/dr/postgres/ArchiveRowCounterFuzzTestInputs/archive");
    java.nio.file.Files.createDirectories(out);
    byte[] typical = ArchiveRowCounterTest.typical();
    for (int piece : new int[] {1, 7, 255}) {
      byte[] seed = new byte[typical.length + 1];
      seed[0] = (byte) (piece - 1);
      System.arraycopy(typical, 0, seed, 1, typical.length);
      java.nio.file.Files.write(out.resolve("typical-piece-" + piece), seed);
    }
  }
}
