package io.biowerk.dr.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.verify.Verifier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two (or more) {@link BackupJob}s of the same source into the same file repository at the same
 * time, started in the same second, each held mid-stream until the others are too, so they truly
 * overlap: both complete with distinct ids, both verify by decoding, nothing is left in progress
 * and nothing is an orphan. Once in threads of one JVM, once in two separate JVM processes (whose
 * run markers name different processes, as two {@code biowerk-dr backup} commands' do).
 */
class ConcurrentBackupsTest {

  private static final Instant T = Instant.parse("2026-12-07T23:45:00Z");
  private static final int SIZE = 3 * (1 << 20) + 5;

  @TempDir Path dir;

  @Test
  void twoJobsOfOneSourceInOneSecondBothCompleteAndVerify() throws Exception {
    List<BackupManifest> made = runTogether(2, Clock.fixed(T, ZoneOffset.UTC));
    assertAllDistinctCompleteAndVerified(made, 2);
    assertThat(made)
        .extracting(BackupManifest::id)
        .containsExactlyInAnyOrder("race_20261207_234500", "race_20261207_234500-2");
  }

  @Test
  void fourJobsOfOneSourceOnTheRealClockBothCompleteAndVerify() throws Exception {
    List<BackupManifest> made = runTogether(4, Clock.systemUTC());
    assertAllDistinctCompleteAndVerified(made, 4);
  }

  @Test
  void twoProcessesBackingUpOneSourceAtOnceBothCompleteAndVerify() throws Exception {
    Path repo = Files.createDirectories(dir.resolve("repo"));
    Path gate = Files.createDirectories(dir.resolve("gate"));
    List<Process> processes = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      processes.add(
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  OneBackupProcess.class.getName(),
                  repo.toString(),
                  gate.toString(),
                  String.valueOf(i),
                  "2")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("process-" + i + ".log").toFile())
              .start());
    }
    for (int i = 0; i < processes.size(); i++) {
      Process p = processes.get(i);
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("process %s finished", i).isTrue();
      assertThat(p.exitValue())
          .as("process %s: %s", i, Files.readString(dir.resolve("process-" + i + ".log")))
          .isZero();
    }
    List<BackupManifest> made = new ArrayList<>();
    for (BackupRecord record : Catalog.of(LocalSink.open(repo)).list("race")) {
      made.add(record.manifest());
    }
    this.repo = repo;
    assertAllDistinctCompleteAndVerified(made, 2);
  }

  private Path repo;

  private List<BackupManifest> runTogether(int jobs, Clock clock) throws Exception {
    repo = Files.createDirectories(dir.resolve("repo"));
    CyclicBarrier midStream = new CyclicBarrier(jobs);
    ExecutorService pool = Executors.newFixedThreadPool(jobs);
    try {
      List<Future<BackupManifest>> futures = new ArrayList<>();
      for (int i = 0; i < jobs; i++) {
        Source source = new HeldSource(i, () -> await(midStream));
        futures.add(
            pool.submit(
                () ->
                    BackupJob.of(source)
                        .codecs(ZstdCodec.of(3, 0, 0))
                        .sinks(LocalSink.open(repo))
                        .clock(clock)
                        .build()
                        .run()));
      }
      List<BackupManifest> made = new ArrayList<>();
      for (Future<BackupManifest> f : futures) {
        made.add(f.get(120, TimeUnit.SECONDS));
      }
      return made;
    } finally {
      pool.shutdownNow();
    }
  }

  private void assertAllDistinctCompleteAndVerified(List<BackupManifest> made, int jobs)
      throws IOException {
    LocalSink sink = LocalSink.open(repo);
    assertThat(made).extracting(BackupManifest::id).doesNotHaveDuplicates().hasSize(jobs);
    assertThat(made).extracting(BackupManifest::rawSize).containsOnly((long) SIZE);
    assertThat(made)
        .extracting(BackupManifest::rawSha256)
        .as("each job's own bytes were stored")
        .doesNotHaveDuplicates();
    Catalog catalog = Catalog.of(sink);
    assertThat(catalog.list("race")).hasSize(jobs);
    for (BackupManifest manifest : made) {
      VerificationResult result =
          Verifier.verify(
              sink,
              manifest,
              KeyRing.empty(),
              VerificationLevel.DECODE,
              Map.of(),
              Clock.systemUTC());
      assertThat(result.passed()).as("%s: %s", manifest.id(), result).isTrue();
    }
    assertThat(sink.list("race/" + BackupLayout.IN_PROGRESS)).isEmpty();
    assertThat(catalog.orphans()).isEmpty();
    try (Stream<Path> files = Files.walk(repo)) {
      assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
          .as("no temp files")
          .allMatch(n -> n.startsWith("race_"))
          .hasSize(3 * jobs);
    }
  }

  private static void await(CyclicBarrier barrier) throws IOException {
    try {
      barrier.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted at the barrier");
    } catch (BrokenBarrierException | TimeoutException e) {
      throw new IOException("the other jobs did not reach the middle of their streams", e);
    }
  }

  /** Something a source does once, in the middle of its stream. */
  @FunctionalInterface
  interface MidStream {
    void run() throws IOException;
  }

  /**
   * Source {@code race}: {@value #SIZE} pseudo-random bytes seeded by {@code seed} (so each job's
   * backup differs), calling {@code midStream} once after the first megabyte.
   */
  static final class HeldSource implements Source {
    private final int seed;
    private final MidStream midStream;

    HeldSource(int seed, MidStream midStream) {
      this.seed = seed;
      this.midStream = midStream;
    }

    @Override
    public String kind() {
      return "test";
    }

    @Override
    public String name() {
      return "race";
    }

    @Override
    public String format() {
      return "bin";
    }

    @Override
    public SourceStream open() {
      byte[] data = new byte[SIZE];
      new Random(seed).nextBytes(data);
      ByteBuffer left = ByteBuffer.wrap(data);
      return new SourceStream() {
        private boolean held;
        private boolean open = true;

        @Override
        public Map<String, Object> facts() {
          return Map.of("seed", seed);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
          if (!left.hasRemaining()) {
            return -1;
          }
          if (!held && left.position() >= (1 << 20)) {
            held = true;
            midStream.run();
          }
          int n = Math.min(Math.min(dst.remaining(), left.remaining()), 64 * 1024);
          dst.put(left.array(), left.position(), n);
          left.position(left.position() + n);
          return n;
        }

        @Override
        public boolean isOpen() {
          return open;
        }

        @Override
        public void close() {
          open = false;
        }
      };
    }
  }

  /**
   * One backup in its own process: {@code <repo> <gate dir> <index> <processes>}. Mid-stream it
   * writes {@code <gate>/<index>} and waits until every process has, so the runs overlap.
   */
  static final class OneBackupProcess {
    private OneBackupProcess() {}

    public static void main(String[] args) throws Exception {
      Path repo = Path.of(args[0]);
      Path gate = Path.of(args[1]);
      int index = Integer.parseInt(args[2]);
      int processes = Integer.parseInt(args[3]);
      Source source =
          new HeldSource(
              index,
              () -> {
                Files.write(
                    gate.resolve(String.valueOf(index)), "here".getBytes(StandardCharsets.UTF_8));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (true) {
                  try (Stream<Path> here = Files.list(gate)) {
                    if (here.count() >= processes) {
                      return;
                    }
                  }
                  if (System.nanoTime() > deadline) {
                    throw new IOException("the other processes did not reach the gate");
                  }
                  try {
                    Thread.sleep(20);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                  }
                }
              });
      BackupManifest made =
          BackupJob.of(source)
              .codecs(ZstdCodec.of(3, 0, 0))
              .sinks(LocalSink.open(repo))
              .clock(Clock.fixed(T, ZoneOffset.UTC))
              .build()
              .run();
      System.out.println("made " + made.id());
    }
  }
}
