package io.biowerk.dr.testkit;

import static io.biowerk.dr.testkit.Checks.assertMatches;
import static io.biowerk.dr.testkit.Checks.assertNotBlank;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Source} passes: its name and format fit the repository layout; every
 * {@link Source#open()} is an independent run that can be read to its end and closed successfully,
 * with JSON-compatible facts; a run closed before its end (from the reading thread or another one)
 * is cancelled promptly, and the source still works afterwards.
 *
 * <p>Extend it, implement {@link #newSource()}, {@link #checkRun(Run)} (what a good run of this
 * source looks like: its bytes' SHA-256 when they are deterministic, a format's magic bytes, a
 * fact's value) and {@link #newFailingSource()} (a source whose run fails, so the test can check
 * that a failure is never reported as success). The source's run must be larger than what it
 * buffers (a few MiB for a dump process writing into a pipe): the cancellation tests fail, rather
 * than pass without testing anything, when a run ends before the close arrives.
 */
public abstract class SourceContractTest {

  /** What one run delivered. */
  // ArrayRecordComponent: head is a copy made for the check; no caller compares runs with equals.
  @SuppressWarnings("ArrayRecordComponent")
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

  /**
   * A source whose run fails, preferably at its end (a dump tool that exits non-zero after writing,
   * a bad trailer), so that {@link SourceStream#close()} is what reports it: {@code
   * postgresql://.../db?table=no_such_table}, a {@link GeneratedSource#failingOnClose}. A source
   * that cannot even start (server gone) is accepted too: then {@link Source#open()} throws.
   *
   * @throws Exception if it cannot be made (the test then fails)
   */
  protected abstract Source newFailingSource() throws Exception;

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
    assertMatches("[a-z][a-z0-9+.-]*", source.kind(), "the source's kind");
    assertMatches("[a-z0-9]{1,16}", source.format(), "the source's format");
    String dataKey =
        BackupLayout.dataKey(source.name(), BackupLayout.DAILY, "x", source.format(), List.of());
    assertTrue(
        dataKey.startsWith(source.name() + "/daily/"),
        () -> "data key <" + dataKey + "> does not start with <" + source.name() + "/daily/>");
  }

  @Test
  void aRunReadToItsEndClosesCleanlyWithJsonCompatibleFacts() throws Exception {
    Run run = readToEndAndClose(newSource().open());
    assertNotNull(run.facts(), "facts() after a successful close");
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
    assertDoesNotThrow(
        () -> Manifests.parse(Manifests.toJson(manifest), "facts of a run"),
        "facts are JSON-compatible");
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
          assertFalse(stream.isOpen(), "isOpen() after close");
          closeCancelling(stream); // idempotent
        });
    // The cancelled run left nothing behind that stops the next one.
    checkRun(readToEndAndClose(source.open()));
  }

  @Test
  void closingFromAnotherThreadCancelsAReader() throws Exception {
    Source source = newSource();
    long whole = readToEndAndClose(source.open()).size();
    assertTrue(whole > 1, () -> "bytes of a whole run: " + whole + ", expected more than 1");
    AtomicLong delivered = new AtomicLong();
    AtomicBoolean sawEnd = new AtomicBoolean();
    assertTimeoutPreemptively(
        cancelTimeout(),
        () -> {
          SourceStream stream = source.open();
          CountDownLatch started = new CountDownLatch(1);
          CompletableFuture<Void> reader =
              CompletableFuture.runAsync(
                  () -> {
                    ByteBuffer buffer = ByteBuffer.allocate(16);
                    try {
                      // Small reads, so that the run is still being read when the close arrives.
                      int n;
                      while ((n = stream.read(buffer)) >= 0) {
                        delivered.addAndGet(n);
                        started.countDown();
                        buffer.clear();
                      }
                      sawEnd.set(true);
                    } catch (IOException | RuntimeException e) {
                      // Expected: a read racing the close fails (ClosedChannelException,
                      // AsynchronousCloseException).
                    } finally {
                      started.countDown();
                    }
                  });
          started.await();
          closeCancelling(stream);
          reader.get();
          assertFalse(stream.isOpen(), "isOpen() after close");
        });
    // Not vacuous: had the reader seen the whole run before the close arrived, nothing was
    // cancelled and this test would prove nothing.
    assertFalse(
        sawEnd.get() && delivered.get() >= whole,
        () ->
            "the reader read the whole run ("
                + whole
                + " bytes) before the close arrived, so nothing was cancelled; make newSource()"
                + " produce a larger run");
    checkRun(readToEndAndClose(source.open()));
  }

  @Test
  void aFailedRunIsNeverReportedAsSuccess() throws Exception {
    Source source = newFailingSource();
    IOException failure =
        assertTimeoutPreemptively(
            cancelTimeout(),
            () -> {
              SourceStream stream;
              try {
                stream = source.open();
              } catch (IOException e) {
                return e; // it could not even start
              }
              try {
                ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
                while (stream.read(buffer) >= 0) {
                  buffer.clear();
                }
              } catch (IOException e) {
                closeCancelling(stream);
                return e;
              }
              try {
                stream.close();
              } catch (IOException e) {
                return e;
              }
              return null;
            });
    assertNotNull(
        failure,
        () ->
            "open, a read or close() of a failing run (" + source + ") must throw an IOException");
    assertNotBlank(failure.getMessage(), "the failure's message");
  }

  @Test
  void aSourceClosesIdempotently() throws Exception {
    Source source = newSource();
    source.close();
    source.close();
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
