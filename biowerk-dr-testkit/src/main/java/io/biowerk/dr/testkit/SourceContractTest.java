package io.biowerk.dr.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.SourceStream;
import io.biowerk.dr.core.codec.Sha256;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Source} passes: its name and format fit the repository layout; every
 * {@link Source#open()} is an independent run that can be read to its end and closed successfully,
 * with JSON-compatible facts; a run closed before its end (from the reading thread or another one)
 * is cancelled promptly, and the source still works afterwards.
 *
 * <p>Extend it, implement {@link #newSource()} and {@link #checkRun(Run)} (what a good run of this
 * source looks like: its bytes' SHA-256 when they are deterministic, a format's magic bytes, a
 * fact's value).
 */
public abstract class SourceContractTest {

  /** What one run delivered. */
  public record Run(long size, String sha256, byte[] head, Map<String, Object> facts) {}

  /**
   * The source under test; may be called several times per test.
   *
   * @throws Exception if it cannot be made (the test then fails)
   */
  protected abstract Source newSource() throws Exception;

  /**
   * Asserts that {@code run} is a good run of the source: its SHA-256, its first bytes ({@link
   * Run#head()}, up to 4 KiB), its facts.
   */
  protected abstract void checkRun(Run run) throws Exception;

  /** How long a cancelled run may take to stop; 30 seconds by default. */
  protected Duration cancelTimeout() {
    return Duration.ofSeconds(30);
  }

  /**
   * Reads {@code stream} to its end, closes it (which must succeed) and returns what it delivered.
   */
  protected static Run readToEndAndClose(SourceStream stream) throws IOException {
    Reading reading = new Reading(stream);
    try (stream) {
      while (reading.step()) {
        // until the end
      }
    }
    return reading.run();
  }

  /** One run being read: hashes, counts and keeps the first 4 KiB. */
  private static final class Reading {
    private final SourceStream stream;
    private final MessageDigest digest = Sha256.newDigest();
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private final ByteBuffer head = ByteBuffer.allocate(4096);
    private long size;

    Reading(SourceStream stream) {
      this.stream = stream;
    }

    /** Reads once; false at the end. */
    boolean step() throws IOException {
      buffer.clear();
      int n = stream.read(buffer);
      if (n < 0) {
        return false;
      }
      buffer.flip();
      ByteBuffer forHead = buffer.duplicate();
      forHead.limit(forHead.position() + Math.min(forHead.remaining(), head.remaining()));
      head.put(forHead);
      digest.update(buffer);
      size += n;
      return true;
    }

    Run run() {
      byte[] headBytes = new byte[head.position()];
      head.duplicate().flip().get(headBytes);
      return new Run(size, Sha256.hex(digest.digest()), headBytes, stream.facts());
    }
  }

  @Test
  void nameKindAndFormatFitTheRepositoryLayout() throws Exception {
    Source source = newSource();
    BackupLayout.checkSourceName(source.name());
    assertThat(source.kind()).matches("[a-z][a-z0-9+.-]*");
    assertThat(source.format()).matches("[a-z0-9]{1,16}");
    assertThat(
            BackupLayout.dataKey(
                source.name(), BackupLayout.DAILY, "x", source.format(), List.of()))
        .startsWith(source.name() + "/daily/");
  }

  @Test
  void aRunReadToItsEndClosesCleanlyWithJsonCompatibleFacts() throws Exception {
    Run run = readToEndAndClose(newSource().open());
    assertThat(run.facts()).as("facts() after a successful close").isNotNull();
    // The facts go into the manifest: they must serialise to JSON and parse back.
    Source source = newSource();
    BackupManifest manifest =
        new BackupManifest(
            "x",
            source.kind(),
            source.name(),
            source.kind() + ":test",
            source.format(),
            Instant.EPOCH,
            Instant.EPOCH,
            List.of(),
            Optional.empty(),
            run.size(),
            run.size(),
            run.sha256(),
            run.sha256(),
            "x/daily/x." + source.format(),
            run.facts());
    assertThatCode(() -> Manifests.parse(Manifests.toJson(manifest), "facts of a run"))
        .as("facts are JSON-compatible")
        .doesNotThrowAnyException();
    checkRun(run);
  }

  @Test
  void everyOpenIsAnIndependentRun() throws Exception {
    Source source = newSource();
    // Two runs at once, read in alternation: neither may see the other's bytes or state.
    SourceStream first = source.open();
    SourceStream second = source.open();
    Reading a = new Reading(first);
    Reading b = new Reading(second);
    try (first;
        second) {
      boolean moreA = true;
      boolean moreB = true;
      while (moreA || moreB) {
        moreA = moreA && a.step();
        moreB = moreB && b.step();
      }
    }
    checkRun(a.run());
    checkRun(b.run());
    // A third run, opened after both finished, is complete too.
    checkRun(readToEndAndClose(source.open()));
  }

  @Test
  void closingBeforeTheEndCancelsPromptly() throws Exception {
    Source source = newSource();
    assertTimeoutPreemptively(
        cancelTimeout(),
        () -> {
          SourceStream stream = source.open();
          stream.read(ByteBuffer.allocate(1));
          closeCancelling(stream);
          assertThat(stream.isOpen()).isFalse();
          closeCancelling(stream); // idempotent
        });
    // The cancelled run left nothing behind that stops the next one.
    checkRun(readToEndAndClose(source.open()));
  }

  @Test
  void closingFromAnotherThreadCancelsAReader() throws Exception {
    Source source = newSource();
    assertTimeoutPreemptively(
        cancelTimeout(),
        () -> {
          SourceStream stream = source.open();
          CompletableFuture<Void> reader =
              CompletableFuture.runAsync(
                  () -> {
                    ByteBuffer buffer = ByteBuffer.allocate(16);
                    try {
                      // Small reads, so that a source of any size is still being read when the
                      // close arrives.
                      while (stream.read(buffer) >= 0) {
                        buffer.clear();
                      }
                    } catch (IOException | RuntimeException e) {
                      // Expected: a read racing the close may fail (ClosedChannelException,
                      // AsynchronousCloseException).
                    }
                  });
          Thread.sleep(50);
          closeCancelling(stream);
          reader.get();
          assertThat(stream.isOpen()).isFalse();
        });
    checkRun(readToEndAndClose(source.open()));
  }

  /**
   * Closes a run before its end; a cancel may report the cancelled run as failed, but must return.
   */
  private static void closeCancelling(SourceStream stream) {
    try {
      stream.close();
    } catch (IOException e) {
      // A source may report the run it was told to cancel as failed; the contract is only that
      // close returns.
    }
  }
}
