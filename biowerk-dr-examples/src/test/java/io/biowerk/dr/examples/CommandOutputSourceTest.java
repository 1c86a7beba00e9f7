package io.biowerk.dr.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceFailedException;
import io.biowerk.dr.core.SourceStream;
import io.biowerk.dr.testkit.SourceContractTest;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The example source passes the contract every source passes (docs/library.md), with a real
 * command: {@code head -c 32M /dev/zero}, larger than the pipe buffers, so the cancellation tests
 * cancel something.
 */
class CommandOutputSourceTest extends SourceContractTest {
  private static final int SIZE = 32 * 1024 * 1024;

  @Override
  protected Source newSource() {
    return new CommandOutputSource("zeros", "bin", List.of("head", "-c", "" + SIZE, "/dev/zero"));
  }

  @Override
  protected void checkRun(Run run) throws Exception {
    assertThat(run.size()).isEqualTo(SIZE);
    String zeros =
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[SIZE]));
    assertThat(run.sha256()).isEqualTo(zeros);
    assertThat(run.facts()).containsEntry("command", "head");
  }

  @Override
  protected Source newFailingSource() {
    // Writes some output, then exits 3: only close() can tell.
    return new CommandOutputSource(
        "broken", "bin", List.of("sh", "-c", "head -c 1000 /dev/zero; exit 3"));
  }

  @Test
  void aCommandThatExitsNonZeroFailsTheRunAtCloseAndSaysWhatToDo() throws Exception {
    SourceStream stream = newFailingSource().open();
    readToEnd(stream);
    assertThatThrownBy(stream::close)
        .isInstanceOf(SourceFailedException.class)
        .hasMessageContaining("broken: sh exited with status 3")
        .hasMessageContaining("check the command");
  }

  private static void readToEnd(SourceStream stream) throws Exception {
    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(8192);
    while (stream.read(buffer) >= 0) {
      buffer.clear();
    }
  }
}
