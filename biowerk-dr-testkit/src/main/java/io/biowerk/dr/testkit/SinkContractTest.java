package io.biowerk.dr.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.biowerk.dr.core.ObjectKeys;
import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.SinkCapability;
import io.biowerk.dr.core.StoredObject;
import io.biowerk.dr.core.codec.Sha256;
import io.biowerk.dr.core.internal.ByteChannels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The contract every {@link Sink} passes: what is written is invisible until committed and then
 * reads back byte for byte; abort and close-without-commit leave nothing; commits replace; listing
 * is by string prefix, sorted, complete beyond one page; delete is idempotent; copy duplicates;
 * missing objects are {@link ObjectNotFoundException}s naming the key; concurrent, hostile and
 * large writes work; {@link Sink#putIfAbsent} creates once and keeps the first object, and for a
 * sink that declares {@link SinkCapability#ATOMIC_PUT_IF_ABSENT}, exactly one of 8 racing writers
 * wins; every method refuses keys that break the {@link ObjectKeys} rules with an {@link
 * IllegalArgumentException}; capabilities are stable; close is idempotent.
 *
 * <p>Extend it and implement {@link #newSink()}; the other hooks have defaults. Each test gets its
 * own sink from {@link #sink()}, created on first use (after the subclass's own {@code @BeforeEach}
 * methods ran).
 */
public abstract class SinkContractTest {

  private Sink sink;

  /**
   * A new, empty sink for one test. Called at most once per test.
   *
   * @throws Exception if the sink cannot be made (the test then fails)
   */
  protected abstract Sink newSink() throws Exception;

  /**
   * The size at which the sink changes how it writes (a multipart upload's part size), or 0 if it
   * has none; objects of one byte less, exactly, and one byte more are then written and read back
   * too.
   */
  protected long partSizeHint() {
    return 0;
  }

  /** The size of the large streaming object, generated on the fly; 64 MiB by default. */
  protected long largeObjectSize() {
    return 64L << 20;
  }

  /**
   * How many objects the listing test writes; more than one page of a paginated listing (1,200 by
   * default).
   */
  protected int listingObjectCount() {
    return 1200;
  }

  /** Closes the test's sink, if one was made (twice: close is idempotent). */
  @AfterEach
  void closeSink() throws Exception {
    if (sink != null) {
      sink.close();
      sink.close();
    }
  }

  /** The sink of the running test, made by {@link #newSink()} on first use. */
  protected final Sink sink() throws Exception {
    if (sink == null) {
      sink = newSink();
    }
    return sink;
  }

  // ---- helpers
  // -------------------------------------------------------------------------------------------

  /** Writes {@code bytes} to {@code key} and commits. */
  protected static void write(Sink sink, String key, byte[] bytes) throws IOException {
    try (PendingWrite out = sink.openWrite(key)) {
      HostileChannels.HEAP.writeAll(out, bytes);
      out.commit();
    }
  }

  /** Reads {@code key} whole. */
  protected static byte[] read(Sink sink, String key) throws IOException {
    try (ReadableByteChannel in = sink.openRead(key)) {
      return HostileChannels.HEAP.readAll(in);
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static List<String> keys(List<StoredObject> objects) {
    return objects.stream().map(StoredObject::key).toList();
  }

  private static void assertSameBytes(byte[] actual, byte[] expected, String what) {
    int mismatch = Arrays.mismatch(actual, expected);
    assertThat(mismatch)
        .as(
            "%s: %s bytes read back, %s written; first difference at index %s",
            what, actual.length, expected.length, mismatch)
        .isEqualTo(-1);
  }

  // ---- the contract
  // --------------------------------------------------------------------------------------

  @Test
  void aNewSinkIsEmpty() throws Exception {
    assertThat(sink().list("")).as("newSink() must return an empty sink").isEmpty();
  }

  @TestFactory
  Stream<DynamicTest> writtenObjectsReadBackByteForByte() throws Exception {
    List<DataShapes.Shape> shapes = new ArrayList<>(DataShapes.all());
    if (partSizeHint() > 0) {
      shapes.addAll(DataShapes.around("part size", Math.toIntExact(partSizeHint())));
    }
    return shapes.stream()
        .map(
            shape ->
                DynamicTest.dynamicTest(
                    shape.name(),
                    () -> {
                      byte[] data = shape.bytes();
                      String key = "shapes/" + shape.size() + ".bin";
                      write(sink(), key, data);
                      assertSameBytes(read(sink(), key), data, shape.name());
                      assertThat(sink().list(key))
                          .extracting(StoredObject::key, StoredObject::size)
                          .containsExactly(
                              org.assertj.core.groups.Tuple.tuple(key, (long) data.length));
                      // Read back through the hostile reader too: the channel must cope with tiny
                      // and odd-sized buffers.
                      try (ReadableByteChannel in = sink().openRead(key)) {
                        assertSameBytes(
                            HostileChannels.RANDOM_SHORT.readAll(in),
                            data,
                            shape.name() + " (random short reads)");
                      }
                    }));
  }

  @Test
  void aWriteIsInvisibleUntilCommitted() throws Exception {
    String key = "pending/object.bin";
    try (PendingWrite out = sink().openWrite(key)) {
      HostileChannels.HEAP.writeAll(out, DataShapes.SEGMENT_PLUS_ONE.bytes());
      assertThat(sink().list("")).as("listing while the write is pending").isEmpty();
      assertThatThrownBy(() -> sink().openRead(key)).isInstanceOf(ObjectNotFoundException.class);
      out.commit();
    }
    assertThat(keys(sink().list(""))).containsExactly(key);
    assertSameBytes(read(sink(), key), DataShapes.SEGMENT_PLUS_ONE.bytes(), "committed object");
  }

  @Test
  void aPendingOverwriteLeavesTheOldObjectReadableUntilCommitted() throws Exception {
    String key = "replace/object.txt";
    write(sink(), key, utf8("old content"));
    try (PendingWrite out = sink().openWrite(key)) {
      ByteChannels.writeFully(out, ByteBuffer.wrap(utf8("new content, longer than the old")));
      assertThat(read(sink(), key)).asString(StandardCharsets.UTF_8).isEqualTo("old content");
      out.commit();
    }
    assertThat(read(sink(), key))
        .asString(StandardCharsets.UTF_8)
        .isEqualTo("new content, longer than the old");
  }

  @Test
  void anAbortedWriteLeavesNothing() throws Exception {
    PendingWrite out = sink().openWrite("aborted/object.bin");
    HostileChannels.HEAP.writeAll(out, DataShapes.RANDOM_1MIB.bytes());
    out.abort();
    out.abort(); // idempotent
    out.close(); // after abort: nothing more to do
    assertThat(out.isOpen()).isFalse();
    assertThat(sink().list("")).isEmpty();
    assertThatThrownBy(() -> sink().openRead("aborted/object.bin"))
        .isInstanceOf(ObjectNotFoundException.class);
    assertThatThrownBy(() -> out.write(ByteBuffer.wrap(new byte[1])))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(out::commit)
        .as("commit after abort")
        .isInstanceOf(IllegalStateException.class);
    assertThat(sink().list("")).isEmpty();
  }

  @Test
  void anAbortedOverwriteKeepsTheOldObject() throws Exception {
    write(sink(), "keep/object.txt", utf8("committed"));
    try (PendingWrite out = sink().openWrite("keep/object.txt")) {
      ByteChannels.writeFully(out, ByteBuffer.wrap(utf8("never committed")));
      out.abort();
    }
    assertThat(read(sink(), "keep/object.txt"))
        .asString(StandardCharsets.UTF_8)
        .isEqualTo("committed");
  }

  @Test
  void closingWithoutCommitAborts() throws Exception {
    try (PendingWrite out = sink().openWrite("unclosed/object.bin")) {
      HostileChannels.HEAP.writeAll(out, DataShapes.SEGMENT_EXACT.bytes());
    }
    assertThat(sink().list("")).isEmpty();
    assertThatThrownBy(() -> sink().openRead("unclosed/object.bin"))
        .isInstanceOf(ObjectNotFoundException.class);
  }

  @Test
  void closingOrAbortingAfterCommitKeepsTheObject() throws Exception {
    PendingWrite out = sink().openWrite("kept/object.txt");
    ByteChannels.writeFully(out, ByteBuffer.wrap(utf8("kept")));
    out.commit();
    out.abort();
    out.close();
    assertThat(read(sink(), "kept/object.txt")).asString(StandardCharsets.UTF_8).isEqualTo("kept");
  }

  @Test
  void writingOrCommittingAgainAfterCommitThrowsIllegalStateException() throws Exception {
    try (PendingWrite out = sink().openWrite("done/object.txt")) {
      ByteChannels.writeFully(out, ByteBuffer.wrap(utf8("done")));
      out.commit();
      assertThat(out.isOpen()).isFalse();
      assertThatThrownBy(() -> out.write(ByteBuffer.wrap(utf8("more"))))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closed");
      assertThatThrownBy(out::commit)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closed");
    }
    assertThat(read(sink(), "done/object.txt")).asString(StandardCharsets.UTF_8).isEqualTo("done");
  }

  @Test
  void committingReplacesAnExistingObject() throws Exception {
    write(sink(), "over/object.bin", DataShapes.RANDOM_1MIB.bytes());
    write(sink(), "over/object.bin", utf8("short"));
    assertThat(read(sink(), "over/object.bin")).asString(StandardCharsets.UTF_8).isEqualTo("short");
    assertThat(sink().list("over/")).extracting(StoredObject::size).containsExactly(5L);
  }

  @Test
  void listingIsByStringPrefixAndSortedByKey() throws Exception {
    List<String> all =
        List.of(
            "p/ab.txt", "p/ab/y", "p/abc/x", "p/a/b", "p/b", "q/ab", "p/ab-z/deep/down/here.bin");
    for (String key : all) {
      sink().put(key, utf8(key));
    }
    assertThat(keys(sink().list(""))).containsExactlyElementsOf(all.stream().sorted().toList());
    assertThat(keys(sink().list("p/ab")))
        .containsExactly("p/ab-z/deep/down/here.bin", "p/ab.txt", "p/ab/y", "p/abc/x");
    assertThat(keys(sink().list("p/ab/"))).containsExactly("p/ab/y");
    assertThat(keys(sink().list("p/"))).hasSize(6);
    assertThat(sink().list("nothing/here/")).isEmpty();
    assertThat(sink().list("p/zzz")).isEmpty();
  }

  @Test
  void listingReportsSizeAndCommitTime() throws Exception {
    java.time.Instant before = java.time.Instant.now().minus(Duration.ofMinutes(10));
    sink().put("sized/empty", new byte[0]);
    sink().put("sized/three", utf8("abc"));
    List<StoredObject> objects = sink().list("sized/");
    assertThat(objects)
        .extracting(StoredObject::key, StoredObject::size)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("sized/empty", 0L),
            org.assertj.core.groups.Tuple.tuple("sized/three", 3L));
    assertThat(objects)
        .allSatisfy(
            o ->
                assertThat(o.lastModified())
                    .isBetween(before, java.time.Instant.now().plus(Duration.ofMinutes(10))));
  }

  @Test
  void listingReturnsEveryObjectBeyondOnePage() throws Exception {
    int count = listingObjectCount();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String key = String.format("many/%05d.txt", i);
      sink().put(key, utf8(Integer.toString(i)));
      expected.add(key);
    }
    sink().put("many-other/x", utf8("x"));
    List<StoredObject> listed = sink().list("many/");
    assertThat(keys(listed)).containsExactlyElementsOf(expected);
    assertThat(keys(sink().list("many/0001"))).hasSize(Math.min(10, Math.max(0, count - 10)));
    assertThat(sink().list("")).hasSize(count + 1);
  }

  @Test
  void deletingRemovesTheObjectAndIsIdempotent() throws Exception {
    sink().put("gone/object", utf8("bye"));
    sink().put("gone/neighbour", utf8("stays"));
    sink().delete("gone/object");
    assertThatThrownBy(() -> sink().openRead("gone/object"))
        .isInstanceOf(ObjectNotFoundException.class);
    sink().delete("gone/object");
    assertThat(keys(sink().list(""))).containsExactly("gone/neighbour");
  }

  @Test
  void deletingAMissingObjectDoesNothing() throws Exception {
    sink().put("present/object", utf8("here"));
    sink().delete("never/was/there");
    sink().delete("present/other");
    assertThat(keys(sink().list(""))).containsExactly("present/object");
  }

  @Test
  void aKeyThatIsOnlyAPrefixOfOthersIsNoObject() throws Exception {
    sink().put("dir/inside/object", utf8("inside"));
    assertThatThrownBy(() -> sink().openRead("dir/inside"))
        .isInstanceOf(ObjectNotFoundException.class);
    assertThatThrownBy(() -> sink().openRead("dir")).isInstanceOf(ObjectNotFoundException.class);
    sink().delete("dir/inside");
    sink().delete("dir");
    assertThat(keys(sink().list(""))).containsExactly("dir/inside/object");
    assertThat(read(sink(), "dir/inside/object"))
        .asString(StandardCharsets.UTF_8)
        .isEqualTo("inside");
  }

  @Test
  void copyDuplicatesTheBytes() throws Exception {
    byte[] data = DataShapes.SEGMENT_PLUS_ONE.bytes();
    write(sink(), "copy/from.bin", data);
    sink().copy("copy/from.bin", "copy/elsewhere/to.bin");
    assertSameBytes(read(sink(), "copy/elsewhere/to.bin"), data, "copy");
    assertSameBytes(read(sink(), "copy/from.bin"), data, "copy source");
    assertThat(keys(sink().list("copy/")))
        .containsExactly("copy/elsewhere/to.bin", "copy/from.bin");
    assertThat(sink().list("copy/elsewhere/"))
        .extracting(StoredObject::size)
        .containsExactly((long) data.length);
  }

  @Test
  void copyReplacesAnExistingTarget() throws Exception {
    sink().put("copy/a", utf8("a"));
    sink().put("copy/b", utf8("bbbbbb"));
    sink().copy("copy/a", "copy/b");
    assertThat(read(sink(), "copy/b")).asString(StandardCharsets.UTF_8).isEqualTo("a");
  }

  @Test
  void copyOfAMissingObjectIsObjectNotFoundAndCreatesNothing() throws Exception {
    assertThatThrownBy(() -> sink().copy("copy/missing", "copy/target"))
        .isInstanceOf(ObjectNotFoundException.class)
        .hasMessageContaining("copy/missing");
    assertThat(sink().list("")).isEmpty();
  }

  @Test
  void readingAMissingObjectIsObjectNotFoundNamingTheKey() throws Exception {
    String key = "missing/postgres_20240115_020000.dump.zst.enc";
    assertThatThrownBy(() -> sink().openRead(key))
        .isInstanceOfSatisfying(
            ObjectNotFoundException.class, e -> assertThat(e.key()).isEqualTo(key))
        .hasMessageContaining(key);
    assertThatThrownBy(() -> sink().get(key))
        .isInstanceOf(ObjectNotFoundException.class)
        .hasMessageContaining(key);
  }

  @Test
  void putAndGetSmallObjects() throws Exception {
    sink().put("small/manifest.json", utf8("{\"schema\":1}"));
    sink().put("small/empty", new byte[0]);
    sink().put("small/binary", new byte[] {0, -1, 127, -128, 10, 13});
    assertThat(sink().get("small/manifest.json"))
        .asString(StandardCharsets.UTF_8)
        .isEqualTo("{\"schema\":1}");
    assertThat(sink().get("small/empty")).isEmpty();
    assertThat(sink().get("small/binary")).containsExactly(0, -1, 127, -128, 10, 13);
  }

  @Test
  void aReadChannelClosesIdempotently() throws Exception {
    sink().put("close/me", utf8("x"));
    ReadableByteChannel in = sink().openRead("close/me");
    in.close();
    in.close();
    assertThat(in.isOpen()).isFalse();
  }

  @Test
  void concurrentWritesToDifferentKeysAllLand() throws Exception {
    int writers = 8;
    Sink shared = sink();
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<byte[]>> results = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int id = w;
        Callable<byte[]> job =
            () -> {
              byte[] data =
                  GeneratedBytes.of(GeneratedBytes.Kind.RANDOM, 100 + id)
                      .bytes(200_000 + id * 1000);
              try (PendingWrite out = shared.openWrite("concurrent/" + id + ".bin")) {
                HostileChannels.RANDOM_SHORT.writeAll(out, data);
                out.commit();
              }
              return data;
            };
        results.add(pool.submit(job));
      }
      for (int w = 0; w < writers; w++) {
        byte[] data = results.get(w).get();
        assertSameBytes(read(shared, "concurrent/" + w + ".bin"), data, "writer " + w);
      }
      assertThat(shared.list("concurrent/")).hasSize(writers);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aHostileWriterOneByteAtATimeIsStoredWhole() throws Exception {
    byte[] data = DataShapes.SEGMENT_PLUS_ONE.bytes();
    try (PendingWrite out = sink().openWrite("hostile/one-byte.bin")) {
      HostileChannels.ONE_BYTE.writeAll(out, data);
      out.commit();
    }
    try (PendingWrite out = sink().openWrite("hostile/random.bin")) {
      HostileChannels.RANDOM_SHORT.writeAll(out, data);
      out.commit();
    }
    assertSameBytes(read(sink(), "hostile/one-byte.bin"), data, "one byte at a time");
    assertSameBytes(read(sink(), "hostile/random.bin"), data, "random short writes");
  }

  @Test
  void aLargeObjectStreamsThroughWithItsSha256Intact() throws Exception {
    long size = largeObjectSize();
    GeneratedSource source = GeneratedSource.random(size, 64);
    assertTimeoutPreemptively(
        Duration.ofMinutes(5),
        () -> {
          ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
          try (var in = source.open();
              PendingWrite out = sink().openWrite("large/object.bin")) {
            while (in.read(buffer) >= 0) {
              buffer.flip();
              ByteChannels.writeFully(out, buffer);
              buffer.clear();
            }
            out.commit();
          }
          MessageDigest digest = Sha256.newDigest();
          long read = 0;
          try (ReadableByteChannel in = sink().openRead("large/object.bin")) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
              buffer.flip();
              digest.update(buffer);
              buffer.clear();
              read += n;
            }
          }
          assertThat(read).isEqualTo(size);
          assertThat(Sha256.hex(digest.digest())).isEqualTo(source.sha256());
          assertThat(sink().list("large/")).extracting(StoredObject::size).containsExactly(size);
        });
  }

  @Test
  void putIfAbsentCreatesOnceAndKeepsTheFirstObject() throws Exception {
    assertThat(sink().putIfAbsent("claims/one", utf8("first"))).isTrue();
    assertThat(sink().putIfAbsent("claims/one", utf8("second"))).isFalse();
    assertThat(sink().get("claims/one")).asString(StandardCharsets.UTF_8).isEqualTo("first");
    write(sink(), "claims/written", utf8("streamed"));
    assertThat(sink().putIfAbsent("claims/written", utf8("other"))).isFalse();
    assertThat(sink().get("claims/written")).asString(StandardCharsets.UTF_8).isEqualTo("streamed");
    sink().delete("claims/one");
    assertThat(sink().putIfAbsent("claims/one", utf8("again"))).isTrue();
    assertThat(sink().get("claims/one")).asString(StandardCharsets.UTF_8).isEqualTo("again");
  }

  /**
   * 8 writers race to create each of 5 keys. A sink that declares {@link
   * SinkCapability#ATOMIC_PUT_IF_ABSENT} must let exactly one win each key, and the object must be
   * the winner's. Any sink must let at least one win, and the object must be one writer's whole.
   */
  @Test
  void racingPutIfAbsentWritersHaveOneWinnerOnAtomicSinks() throws Exception {
    int writers = 8;
    Sink shared = sink();
    boolean atomic = shared.capabilities().contains(SinkCapability.ATOMIC_PUT_IF_ABSENT);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      for (int round = 0; round < 5; round++) {
        String key = "race/" + round + ".lock";
        CyclicBarrier start = new CyclicBarrier(writers);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
          byte[] mine = utf8("writer " + w + " of round " + round);
          results.add(
              pool.submit(
                  () -> {
                    start.await();
                    return shared.putIfAbsent(key, mine);
                  }));
        }
        List<Integer> winners = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
          if (results.get(w).get()) {
            winners.add(w);
          }
        }
        String stored = new String(shared.get(key), StandardCharsets.UTF_8);
        if (atomic) {
          assertThat(winners)
              .as("winners of %s on a sink declaring atomic creates", key)
              .hasSize(1);
          assertThat(stored).isEqualTo("writer " + winners.get(0) + " of round " + round);
        } else {
          assertThat(winners).as("winners of %s", key).isNotEmpty();
          assertThat(stored).matches("writer [0-7] of round " + round);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Keys that break the {@link ObjectKeys} rules ({@code a//b} among them). */
  static final List<String> INVALID_KEYS =
      List.of("", "/abs", "dir/", "a//b", "./a", "a/../b", "a/.", "a\\b", "nul\0byte");

  @TestFactory
  Stream<DynamicTest> everyMethodRefusesKeysThatBreakTheRules() {
    return INVALID_KEYS.stream()
        .map(
            key ->
                DynamicTest.dynamicTest(
                    "'" + key.replace("\0", "\\0") + "'",
                    () -> {
                      assertThat(ObjectKeys.isValidKey(key)).isFalse();
                      Sink s = sink();
                      List<ThrowingCall> calls =
                          List.of(
                              () -> s.openWrite(key).close(),
                              () -> s.openRead(key).close(),
                              () -> s.put(key, new byte[1]),
                              () -> s.putIfAbsent(key, new byte[1]),
                              () -> s.get(key),
                              () -> s.delete(key));
                      for (ThrowingCall call : calls) {
                        assertThatThrownBy(call::call)
                            .isInstanceOf(IllegalArgumentException.class)
                            .hasMessageContaining("object key");
                      }
                      assertThat(s.list("")).as("nothing was created").isEmpty();
                    }));
  }

  @Test
  void listingRefusesPrefixesThatBreakTheRules() throws Exception {
    for (String prefix : List.of("/", "/abs", "a//", "../", "a/../")) {
      assertThatThrownBy(() -> sink().list(prefix))
          .as("list(%s)", prefix)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("object key");
    }
  }

  @Test
  void capabilitiesAreStableAndUnmodifiable() throws Exception {
    Set<SinkCapability> first = sink().capabilities();
    assertThat(first).isNotNull().isEqualTo(sink().capabilities());
    assertThatThrownBy(() -> first.add(SinkCapability.RANGED_READ))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  /** A sink call for the key-rule tests. */
  @FunctionalInterface
  private interface ThrowingCall {
    void call() throws Exception;
  }
}
