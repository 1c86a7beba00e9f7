package io.biowerk.dr.core.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LocalSink#delete} removes the directories it empties, so a delete in a directory races
 * with a create in it by another thread or process: two backups of one source each create and
 * delete their in-progress marker in {@code <source>/.in-progress/}. Every create must still land
 * and every delete must still succeed, whichever order the directory operations take; on real
 * files, with writers racing in one directory many times over.
 */
class LocalSinkDirectoryRaceTest {

  private static final int ROUNDS = 1500;

  @TempDir Path dir;

  @Test
  void createsAndDeletesInOneDirectoryFromSeveralThreadsNeverFail() throws Exception {
    LocalSink sink = LocalSink.open(dir);
    int threads = 4;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        Callable<Integer> work =
            () -> {
              start.await();
              byte[] body = ("thread " + thread).getBytes(StandardCharsets.UTF_8);
              for (int i = 0; i < ROUNDS; i++) {
                // as a backup's marker: claimed, renewed, removed
                String marker = "src/.in-progress/run-" + thread;
                assertThat(sink.putIfAbsent(marker, body)).isTrue();
                sink.put(marker, body);
                // as a data object written and dropped again, and a server-side copy
                String data = "src/daily/obj-" + thread;
                var write = sink.openWrite(data);
                write.write(ByteBuffer.wrap(body));
                write.commit();
                sink.copy(data, "src/weekly/obj-" + thread);
                assertThat(sink.list("src/")).isNotEmpty();
                sink.delete("src/weekly/obj-" + thread);
                sink.delete(data);
                sink.delete(marker);
              }
              return ROUNDS;
            };
        results.add(pool.submit(work));
      }
      start.countDown();
      for (Future<Integer> result : results) {
        assertThat(result.get(240, TimeUnit.SECONDS)).isEqualTo(ROUNDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(sink.list("")).isEmpty();
    assertThat(sink.abandonedWrites()).isEmpty();
    try (var left = Files.list(dir)) {
      assertThat(left).as("emptied directories are removed").isEmpty();
    }
  }
}
