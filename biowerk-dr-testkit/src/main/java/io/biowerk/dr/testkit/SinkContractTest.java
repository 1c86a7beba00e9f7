package io.biowerk.dr.testkit;

import static io.biowerk.dr.testkit.Checks.assertMatches;
import static io.biowerk.dr.testkit.Checks.assertThrowsContaining;
import static io.biowerk.dr.testkit.Checks.assertUtf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  private static List<Long> sizes(List<StoredObject> objects) {
    return objects.stream().map(StoredObject::size).toList();
  }

  private static void assertSameBytes(byte[] actual, byte[] expected, String what) {
    int mismatch = Arrays.mismatch(actual, expected);
    assertEquals(
        -1,
        mismatch,
        () ->
            what
                + ": "
                + actual.length
                + " bytes read back, "
                + expected.length
                + " written; first difference at index "
                + mismatch);
  }

  private static void assertEmpty(List<StoredObject> listed, String what) {
    assertEquals(List.of(), keys(listed), what);
  }

  private static void assertNotFound(Sink sink, String key) {
    assertThrows(
        ObjectNotFoundException.class,
        () -> sink.openRead(key).close(),
        () -> "openRead(" + key + ")");
  }

  // ---- the contract
  // --------------------------------------------------------------------------------------

  @Test
  void aNewSinkIsEmpty() throws Exception {
    assertEmpty(sink().list(""), "newSink() must return an empty sink");
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
                      List<StoredObject> listed = sink().list(key);
                      assertEquals(List.of(key), keys(listed), "keys listed under " + key);
                      assertEquals(
                          List.of((long) data.length), sizes(listed), "size listed for " + key);
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
      assertEmpty(sink().list(""), "listing while the write is pending");
      assertNotFound(sink(), key);
      out.commit();
    }
    assertEquals(List.of(key), keys(sink().list("")), "keys after the commit");
    assertSameBytes(read(sink(), key), DataShapes.SEGMENT_PLUS_ONE.bytes(), "committed object");
  }

  @Test
  void aPendingOverwriteLeavesTheOldObjectReadableUntilCommitted() throws Exception {
    String key = "replace/object.txt";
    write(sink(), key, utf8("old content"));
    try (PendingWrite out = sink().openWrite(key)) {
      ByteChannels.writeFully(out, ByteBuffer.wrap(utf8("new content, longer than the old")));
      assertUtf8("old content", read(sink(), key), "the object while its overwrite is pending");
      out.commit();
    }
    assertUtf8(
        "new content, longer than the old", read(sink(), key), "the object after the commit");
  }

  @Test
  void anAbortedWriteLeavesNothing() throws Exception {
    PendingWrite out = sink().openWrite("aborted/object.bin");
    HostileChannels.HEAP.writeAll(out, DataShapes.RANDOM_1MIB.bytes());
    out.abort();
    out.abort(); // idempotent
    out.close(); // after abort: nothing more to do
    assertFalse(out.isOpen(), "isOpen() after abort");
    assertEmpty(sink().list(""), "listing after abort");
    assertNotFound(sink(), "aborted/object.bin");
    assertThrowsContaining(
        IllegalStateException.class,
        () -> out.write(ByteBuffer.wrap(new byte[1])),
        "closed",
        "write after abort");
    assertThrows(IllegalStateException.class, out::commit, "commit after abort");
    assertEmpty(sink().list(""), "listing after commit after abort");
  }

  @Test
  void anAbortedOverwriteKeepsTheOldObject() throws Exception {
    write(sink(), "keep/object.txt", utf8("committed"));
    try (PendingWrite out = sink().openWrite("keep/object.txt")) {
      ByteChannels.writeFully(out, ByteBuffer.wrap(utf8("never committed")));
      out.abort();
    }
    assertUtf8(
        "committed", read(sink(), "keep/object.txt"), "the object after an aborted overwrite");
  }

  @Test
  void closingWithoutCommitAborts() throws Exception {
    try (PendingWrite out = sink().openWrite("unclosed/object.bin")) {
      HostileChannels.HEAP.writeAll(out, DataShapes.SEGMENT_EXACT.bytes());
    }
    assertEmpty(sink().list(""), "listing after close without commit");
    assertNotFound(sink(), "unclosed/object.bin");
  }

  @Test
  void closingOrAbortingAfterCommitKeepsTheObject() throws Exception {
    PendingWrite out = sink().openWrite("kept/object.txt");
    ByteChannels.writeFully(out, ByteBuffer.wrap(utf8("kept")));
    out.commit();
    out.abort();
    out.close();
    assertUtf8("kept", read(sink(), "kept/object.txt"), "the object after commit, abort and close");
  }

  @Test
  void writingOrCommittingAgainAfterCommitThrowsIllegalStateException() throws Exception {
    try (PendingWrite out = sink().openWrite("done/object.txt")) {
      ByteChannels.writeFully(out, ByteBuffer.wrap(utf8("done")));
      out.commit();
      assertFalse(out.isOpen(), "isOpen() after commit");
      assertThrowsContaining(
          IllegalStateException.class,
          () -> out.write(ByteBuffer.wrap(utf8("more"))),
          "closed",
          "write after commit");
      assertThrowsContaining(IllegalStateException.class, out::commit, "closed", "a second commit");
    }
    assertUtf8("done", read(sink(), "done/object.txt"), "the committed object");
  }

  @Test
  void committingReplacesAnExistingObject() throws Exception {
    write(sink(), "over/object.bin", DataShapes.RANDOM_1MIB.bytes());
    write(sink(), "over/object.bin", utf8("short"));
    assertUtf8("short", read(sink(), "over/object.bin"), "the replaced object");
    assertEquals(List.of(5L), sizes(sink().list("over/")), "the replaced object's listed size");
  }

  @Test
  void listingIsByStringPrefixAndSortedByKey() throws Exception {
    List<String> all =
        List.of(
            "p/ab.txt", "p/ab/y", "p/abc/x", "p/a/b", "p/b", "q/ab", "p/ab-z/deep/down/here.bin");
    for (String key : all) {
      sink().put(key, utf8(key));
    }
    assertEquals(all.stream().sorted().toList(), keys(sink().list("")), "list(\"\")");
    assertEquals(
        List.of("p/ab-z/deep/down/here.bin", "p/ab.txt", "p/ab/y", "p/abc/x"),
        keys(sink().list("p/ab")),
        "list(\"p/ab\")");
    assertEquals(List.of("p/ab/y"), keys(sink().list("p/ab/")), "list(\"p/ab/\")");
    List<String> underP = keys(sink().list("p/"));
    assertEquals(6, underP.size(), () -> "list(\"p/\"): " + underP);
    assertEmpty(sink().list("nothing/here/"), "list(\"nothing/here/\")");
    assertEmpty(sink().list("p/zzz"), "list(\"p/zzz\")");
  }

  @Test
  void listingReportsSizeAndCommitTime() throws Exception {
    java.time.Instant before = java.time.Instant.now().minus(Duration.ofMinutes(10));
    sink().put("sized/empty", new byte[0]);
    sink().put("sized/three", utf8("abc"));
    List<StoredObject> objects = sink().list("sized/");
    assertEquals(List.of("sized/empty", "sized/three"), keys(objects), "listed keys");
    assertEquals(List.of(0L, 3L), sizes(objects), "listed sizes");
    java.time.Instant after = java.time.Instant.now().plus(Duration.ofMinutes(10));
    for (StoredObject o : objects) {
      assertNotNull(o.lastModified(), () -> "lastModified of " + o.key());
      assertFalse(
          o.lastModified().isBefore(before) || o.lastModified().isAfter(after),
          () ->
              "lastModified of "
                  + o.key()
                  + " ("
                  + o.lastModified()
                  + ") is not between "
                  + before
                  + " and "
                  + after);
    }
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
    assertEquals(expected, keys(listed), "list(\"many/\")");
    assertEquals(
        Math.min(10, Math.max(0, count - 10)),
        sink().list("many/0001").size(),
        "objects listed under many/0001");
    assertEquals(count + 1, sink().list("").size(), "objects listed under \"\"");
  }

  @Test
  void deletingRemovesTheObjectAndIsIdempotent() throws Exception {
    sink().put("gone/object", utf8("bye"));
    sink().put("gone/neighbour", utf8("stays"));
    sink().delete("gone/object");
    assertNotFound(sink(), "gone/object");
    sink().delete("gone/object");
    assertEquals(List.of("gone/neighbour"), keys(sink().list("")), "keys after the deletes");
  }

  @Test
  void deletingAMissingObjectDoesNothing() throws Exception {
    sink().put("present/object", utf8("here"));
    sink().delete("never/was/there");
    sink().delete("present/other");
    assertEquals(List.of("present/object"), keys(sink().list("")), "keys after the deletes");
  }

  @Test
  void aKeyThatIsOnlyAPrefixOfOthersIsNoObject() throws Exception {
    sink().put("dir/inside/object", utf8("inside"));
    assertNotFound(sink(), "dir/inside");
    assertNotFound(sink(), "dir");
    sink().delete("dir/inside");
    sink().delete("dir");
    assertEquals(List.of("dir/inside/object"), keys(sink().list("")), "keys after the deletes");
    assertUtf8("inside", read(sink(), "dir/inside/object"), "the object under the prefixes");
  }

  @Test
  void copyDuplicatesTheBytes() throws Exception {
    byte[] data = DataShapes.SEGMENT_PLUS_ONE.bytes();
    write(sink(), "copy/from.bin", data);
    sink().copy("copy/from.bin", "copy/elsewhere/to.bin");
    assertSameBytes(read(sink(), "copy/elsewhere/to.bin"), data, "copy");
    assertSameBytes(read(sink(), "copy/from.bin"), data, "copy source");
    assertEquals(
        List.of("copy/elsewhere/to.bin", "copy/from.bin"),
        keys(sink().list("copy/")),
        "keys after the copy");
    assertEquals(
        List.of((long) data.length), sizes(sink().list("copy/elsewhere/")), "the copy's size");
  }

  @Test
  void copyReplacesAnExistingTarget() throws Exception {
    sink().put("copy/a", utf8("a"));
    sink().put("copy/b", utf8("bbbbbb"));
    sink().copy("copy/a", "copy/b");
    assertUtf8("a", read(sink(), "copy/b"), "the copy's target");
  }

  @Test
  void copyOfAMissingObjectIsObjectNotFoundAndCreatesNothing() throws Exception {
    assertThrowsContaining(
        ObjectNotFoundException.class,
        () -> sink().copy("copy/missing", "copy/target"),
        "copy/missing",
        "copy of a missing object");
    assertEmpty(sink().list(""), "listing after the failed copy");
  }

  @Test
  void readingAMissingObjectIsObjectNotFoundNamingTheKey() throws Exception {
    String key = "missing/postgres_20240115_020000.dump.zst.enc";
    ObjectNotFoundException e =
        assertThrowsContaining(
            ObjectNotFoundException.class,
            () -> sink().openRead(key).close(),
            key,
            "openRead of a missing object");
    assertEquals(key, e.key(), "the exception's key");
    assertThrowsContaining(
        ObjectNotFoundException.class, () -> sink().get(key), key, "get of a missing object");
  }

  @Test
  void putAndGetSmallObjects() throws Exception {
    sink().put("small/manifest.json", utf8("{\"schema\":1}"));
    sink().put("small/empty", new byte[0]);
    sink().put("small/binary", new byte[] {0, -1, 127, -128, 10, 13});
    assertUtf8("{\"schema\":1}", sink().get("small/manifest.json"), "get(small/manifest.json)");
    assertArrayEquals(new byte[0], sink().get("small/empty"), "get(small/empty)");
    assertArrayEquals(
        new byte[] {0, -1, 127, -128, 10, 13}, sink().get("small/binary"), "get(small/binary)");
  }

  @Test
  void aReadChannelClosesIdempotently() throws Exception {
    sink().put("close/me", utf8("x"));
    ReadableByteChannel in = sink().openRead("close/me");
    in.close();
    in.close();
    assertFalse(in.isOpen(), "isOpen() after close");
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
      assertEquals(writers, shared.list("concurrent/").size(), "objects written concurrently");
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
          assertEquals(size, read, "bytes read back");
          assertEquals(
              source.sha256(), Sha256.hex(digest.digest()), "SHA-256 of the bytes read back");
          assertEquals(List.of(size), sizes(sink().list("large/")), "the listed size");
        });
  }

  @Test
  void putIfAbsentCreatesOnceAndKeepsTheFirstObject() throws Exception {
    assertTrue(sink().putIfAbsent("claims/one", utf8("first")), "putIfAbsent of a new key");
    assertFalse(sink().putIfAbsent("claims/one", utf8("second")), "putIfAbsent of a taken key");
    assertUtf8("first", sink().get("claims/one"), "the object after the second putIfAbsent");
    write(sink(), "claims/written", utf8("streamed"));
    assertFalse(
        sink().putIfAbsent("claims/written", utf8("other")),
        "putIfAbsent of a key written by openWrite");
    assertUtf8("streamed", sink().get("claims/written"), "the streamed object");
    sink().delete("claims/one");
    assertTrue(sink().putIfAbsent("claims/one", utf8("again")), "putIfAbsent after delete");
    assertUtf8("again", sink().get("claims/one"), "the object after delete and putIfAbsent");
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
          assertEquals(
              1,
              winners.size(),
              () -> "winners " + winners + " of " + key + " on a sink declaring atomic creates");
          assertEquals(
              "writer " + winners.get(0) + " of round " + round, stored, "the winner's object");
        } else {
          assertFalse(winners.isEmpty(), () -> "no writer won " + key);
          assertMatches("writer [0-7] of round " + round, stored, "the object at " + key);
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
                      assertFalse(ObjectKeys.isValidKey(key), "ObjectKeys.isValidKey");
                      Sink s = sink();
                      List<ThrowingCall> calls =
                          List.of(
                              () -> s.openWrite(key).close(),
                              () -> s.openRead(key).close(),
                              () -> s.put(key, new byte[1]),
                              () -> s.putIfAbsent(key, new byte[1]),
                              () -> s.get(key),
                              () -> s.delete(key));
                      List<String> names =
                          List.of("openWrite", "openRead", "put", "putIfAbsent", "get", "delete");
                      for (int i = 0; i < calls.size(); i++) {
                        assertThrowsContaining(
                            IllegalArgumentException.class,
                            calls.get(i)::call,
                            "object key",
                            names.get(i) + " of an invalid key");
                      }
                      assertEmpty(s.list(""), "nothing was created");
                    }));
  }

  @Test
  void listingRefusesPrefixesThatBreakTheRules() throws Exception {
    for (String prefix : List.of("/", "/abs", "a//", "../", "a/../")) {
      assertThrowsContaining(
          IllegalArgumentException.class,
          () -> sink().list(prefix),
          "object key",
          "list(" + prefix + ")");
    }
  }

  @Test
  void capabilitiesAreStableAndUnmodifiable() throws Exception {
    Set<SinkCapability> first = sink().capabilities();
    assertNotNull(first, "capabilities()");
    assertEquals(first, sink().capabilities(), "capabilities() called again");
    assertThrows(
        UnsupportedOperationException.class,
        () -> first.add(SinkCapability.RANGED_READ),
        "adding to capabilities()");
  }

  /** A sink call for the key-rule tests. */
  @FunctionalInterface
  private interface ThrowingCall {
    void call() throws Exception;
  }
}
