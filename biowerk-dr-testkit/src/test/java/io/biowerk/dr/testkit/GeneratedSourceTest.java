package io.biowerk.dr.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.SourceFailedException;
import io.biowerk.dr.core.SourceStream;
import io.biowerk.dr.core.codec.Sha256;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class GeneratedSourceTest {

  @Test
  void bytesAreAPureFunctionOfKindSeedAndOffset() {
    for (GeneratedBytes.Kind kind : GeneratedBytes.Kind.values()) {
      byte[] whole = GeneratedBytes.of(kind, 7).bytes(200_000);
      // Read again in odd pieces: the same bytes.
      GeneratedBytes.Cursor cursor = GeneratedBytes.of(kind, 7).cursor();
      byte[] pieces = new byte[200_000];
      ByteBuffer buffer = ByteBuffer.wrap(pieces);
      while (buffer.hasRemaining()) {
        cursor.read(buffer, Math.min(buffer.remaining(), 777));
      }
      assertThat(pieces).as(kind.name()).isEqualTo(whole);
    }
    assertThat(GeneratedBytes.of(GeneratedBytes.Kind.RANDOM, 1).bytes(64))
        .isNotEqualTo(GeneratedBytes.of(GeneratedBytes.Kind.RANDOM, 2).bytes(64));
    assertThat(GeneratedBytes.of(GeneratedBytes.Kind.ZEROS, 1).bytes(100)).containsOnly(0);
  }

  @Test
  void theKnownSha256IsTheSha256OfARun() throws Exception {
    GeneratedSource source = GeneratedSource.random(3_000_001, 11);
    byte[] bytes = SourceContractTestSupport.readAll(source.open());
    assertThat(bytes).hasSize(3_000_001);
    assertThat(source.sha256()).isEqualTo(Sha256.of(bytes));
  }

  @Test
  void failingOnCloseThrowsSourceFailedWithTheToolOutput() throws Exception {
    GeneratedSource source =
        GeneratedSource.text(10_000, 1).failingOnClose("pg_dump: error: connection lost");
    SourceStream stream = source.open();
    ByteBuffer buffer = ByteBuffer.allocate(4096);
    while (stream.read(buffer) >= 0) {
      buffer.clear();
    }
    assertThatThrownBy(stream::close)
        .isInstanceOfSatisfying(
            SourceFailedException.class,
            e -> assertThat(e.detail()).isEqualTo("pg_dump: error: connection lost"))
        .hasMessageStartingWith("generated: ")
        .hasMessageContaining("connection lost");
  }

  @Test
  void failingAfterDeliversExactlyThatManyBytesThenFails() throws Exception {
    SourceStream stream = GeneratedSource.random(10_000, 1).failingAfter(4321).open();
    ByteBuffer buffer = ByteBuffer.allocate(1000);
    long total = 0;
    try {
      while (true) {
        buffer.clear();
        int n = stream.read(buffer);
        assertThat(n).isNotNegative();
        total += n;
      }
    } catch (InjectedFaultException e) {
      assertThat(e).hasMessageContaining("after 4321 bytes");
    }
    assertThat(total).isEqualTo(4321);
    stream.close();
  }

  @Test
  void closingBeforeTheEndCountsAsACancel() throws Exception {
    GeneratedSource source = GeneratedSource.random(10_000, 1).failingOnClose("never reported");
    SourceStream stream = source.open();
    stream.read(ByteBuffer.allocate(10));
    stream.close();
    stream.close();
    assertThat(source.runsOpened()).isEqualTo(1);
    assertThat(source.runsCancelled()).isEqualTo(1);
  }
}
