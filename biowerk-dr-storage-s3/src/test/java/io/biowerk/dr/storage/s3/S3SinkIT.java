package io.biowerk.dr.storage.s3;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.SinkCapability;
import io.biowerk.dr.core.Sinks;
import io.biowerk.dr.core.StoredObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.StorageClass;

/**
 * The S3 sink against S3Proxy: keys under the prefix, listing, deleting, copying, discovery by URI
 * scheme.
 */
@ExtendWith(S3ProxyExtension.class)
class S3SinkIT {

  private final S3ProxyServer server;
  private String bucket;
  private S3Sink sink;

  S3SinkIT(S3ProxyServer server) {
    this.server = server;
  }

  @BeforeEach
  void open() throws IOException {
    bucket = server.newBucket("sink");
    sink = S3Sink.open(server.options(bucket).prefix("/backups/prod/").build());
  }

  @AfterEach
  void close() {
    sink.close();
  }

  @Test
  void keysLiveUnderThePrefixWithTheStorageClass() throws IOException {
    sink.put("postgres/daily/a.dump", "hello".getBytes(StandardCharsets.UTF_8));
    var head =
        server.admin().headObject(r -> r.bucket(bucket).key("backups/prod/postgres/daily/a.dump"));
    assertThat(head.contentLength()).isEqualTo(5);
    assertThat(head.storageClass()).isEqualTo(StorageClass.STANDARD_IA);
    assertThat(new String(sink.get("postgres/daily/a.dump"), StandardCharsets.UTF_8))
        .isEqualTo("hello");
    assertThat(sink.objectKey("postgres/daily/a.dump"))
        .isEqualTo("backups/prod/postgres/daily/a.dump");
  }

  @Test
  void putIfAbsentCreatesOnceAndNeverReplaces() throws IOException {
    assertThat(
            sink.putIfAbsent("redis/.in-progress/redis_20240115_020000", "first".getBytes(UTF_8)))
        .isTrue();
    assertThat(
            sink.putIfAbsent("redis/.in-progress/redis_20240115_020000", "second".getBytes(UTF_8)))
        .isFalse();
    assertThat(new String(sink.get("redis/.in-progress/redis_20240115_020000"), UTF_8))
        .isEqualTo("first");
  }

  @Test
  void commitReplacesAnExistingObject() throws IOException {
    sink.put("k", new byte[] {1, 2, 3});
    sink.put("k", new byte[] {4});
    assertThat(sink.get("k")).containsExactly(4);
  }

  @Test
  void listIsSortedFilteredByPrefixAndDeletesInBatches() throws Exception {
    // Pagination beyond 1,000 keys is covered by the contract test (1,200 objects); here the prefix
    // mapping.
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> puts = new ArrayList<>();
      for (int i = 0; i < 105; i++) {
        String key = String.format("redis/daily/r%04d.rdb", 104 - i);
        puts.add(
            pool.submit(
                () -> {
                  sink.put(key, new byte[] {1});
                  return null;
                }));
      }
      for (Future<?> put : puts) {
        put.get();
      }
    } finally {
      pool.shutdown();
    }
    sink.put("redis/weekly/w.rdb", new byte[] {1, 2});
    sink.put("redisx/other", new byte[] {1});
    // an object outside the prefix and a console "folder" marker inside it are not listed
    server
        .admin()
        .putObject(r -> r.bucket(bucket).key("elsewhere/redis/x"), RequestBody.fromString("x"));
    server
        .admin()
        .putObject(r -> r.bucket(bucket).key("backups/prod/redis/folder/"), RequestBody.empty());

    List<StoredObject> daily = sink.list("redis/daily/");
    assertThat(daily).hasSize(105);
    assertThat(daily.get(0).key()).isEqualTo("redis/daily/r0000.rdb");
    assertThat(daily).extracting(StoredObject::key).isSorted();
    assertThat(sink.list("redis/"))
        .extracting(StoredObject::key)
        .hasSize(106)
        .contains("redis/weekly/w.rdb")
        .doesNotContain("redis/folder/", "redisx/other");
    assertThat(sink.list("")).hasSize(107);

    // 2,500 keys, most of them missing (which S3 ignores): three DeleteObjects requests of at most
    // 1,000
    List<String> keys = new ArrayList<>(daily.stream().map(StoredObject::key).toList());
    for (int i = 0; keys.size() < 2500; i++) {
      keys.add("redis/daily/missing-" + i);
    }
    List<Integer> batches = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (S3Sink counting =
        S3Sink.open(
            server.options(bucket).prefix("/backups/prod/").build(),
            b ->
                b.overrideConfiguration(
                    o ->
                        o.addExecutionInterceptor(
                            new ExecutionInterceptor() {
                              @Override
                              public void beforeExecution(
                                  Context.BeforeExecution context, ExecutionAttributes attributes) {
                                if (context.request() instanceof DeleteObjectsRequest delete) {
                                  batches.add(delete.delete().objects().size());
                                }
                              }
                            })))) {
      counting.deleteAll(keys);
    }
    assertThat(batches).containsExactly(1000, 1000, 500);
    assertThat(sink.list("redis/daily/")).isEmpty();
    assertThat(sink.list("redis/"))
        .extracting(StoredObject::key)
        .containsExactly("redis/weekly/w.rdb");
  }

  @Test
  void deleteRemovesAndIgnoresMissing() throws IOException {
    sink.put("a/b", new byte[] {1});
    sink.delete("a/b");
    sink.delete("a/b");
    sink.delete("never/there");
    assertThat(sink.list("a/")).isEmpty();
    assertThatThrownBy(() -> sink.get("a/b"))
        .isInstanceOf(ObjectNotFoundException.class)
        .hasMessage(
            "s3: no object 'a/b' in bucket '" + bucket + "' (s3://" + bucket + "/backups/prod/a/b)")
        .extracting(e -> ((ObjectNotFoundException) e).key())
        .isEqualTo("a/b");
  }

  @Test
  void copyHappensInTheStore() throws IOException {
    byte[] data = TestData.bytes(100_000, 3);
    sink.put("postgres/daily/p.dump", data);
    sink.copy("postgres/daily/p.dump", "postgres/weekly/p.dump");
    sink.copy(
        "postgres/weekly/p.dump",
        "postgres/weekly/p.dump"); // self-copy is a no-op, not an S3 error
    assertThat(sink.get("postgres/weekly/p.dump")).isEqualTo(data);
    assertThat(sink.get("postgres/daily/p.dump")).isEqualTo(data);
    assertThatThrownBy(() -> sink.copy("postgres/daily/missing", "x"))
        .isInstanceOf(ObjectNotFoundException.class)
        .hasMessageContaining("s3: no object 'postgres/daily/missing'");
    assertThat(sink.list("x")).isEmpty();
  }

  @Test
  void capabilities() throws IOException {
    assertThat(sink.capabilities())
        .containsExactlyInAnyOrder(
            SinkCapability.SERVER_SIDE_COPY,
            SinkCapability.STORAGE_CLASS,
            SinkCapability.SERVER_SIDE_ENCRYPTION,
            SinkCapability.RANGED_READ,
            SinkCapability.ATOMIC_PUT_IF_ABSENT);
  }

  @Test
  void foundByUriSchemeThroughServiceLoader() throws IOException {
    // Credentials through the SDK's default chain (system properties stand in for AWS_ACCESS_KEY_ID
    // / ..._SECRET_
    // ACCESS_KEY, which a running JVM cannot set), never through the URI.
    String oldId = System.setProperty("aws.accessKeyId", server.accessKey());
    String oldSecret = System.setProperty("aws.secretAccessKey", server.secretKey());
    try {
      assertThat(Sinks.schemes()).contains("s3", "file");
      Sink found =
          Sinks.forUri(server.uri(bucket, "via-uri", "storage-class=STANDARD&part-size=5MiB"));
      try {
        assertThat(found).isInstanceOf(S3Sink.class);
        assertThat(found.toString())
            .startsWith("s3://" + bucket + "/via-uri?")
            .contains("storage-class=STANDARD")
            .doesNotContain(server.secretKey())
            .doesNotContain(server.accessKey());
        found.put("k", new byte[] {7});
        assertThat(sink.list("")).isEmpty(); // other prefix
        // AWS leaves the header out for STANDARD; S3Proxy sends it
        assertThat(server.admin().headObject(r -> r.bucket(bucket).key("via-uri/k")).storageClass())
            .isIn(null, StorageClass.STANDARD);
        assertThat(found.get("k")).containsExactly(7);
      } finally {
        ((S3Sink) found).close();
      }
    } finally {
      restore("aws.accessKeyId", oldId);
      restore("aws.secretAccessKey", oldSecret);
    }
  }

  @Test
  void createsTheBucketOnlyWhenAsked() throws IOException {
    String fresh =
        "biowerk-created-" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 100000;
    assertThatThrownBy(() -> S3Sink.open(server.options(fresh).build()))
        .isInstanceOfSatisfying(
            io.biowerk.dr.core.StorageException.class,
            e ->
                assertThat(e.reason())
                    .isEqualTo(io.biowerk.dr.core.StorageException.Reason.NO_SUCH_CONTAINER))
        .hasMessageContaining("s3: bucket '" + fresh + "' does not exist")
        .hasMessageContaining("add create-bucket=true to create it");
    assertThat(server.admin().listBuckets().buckets()).noneMatch(b -> b.name().equals(fresh));
    try (S3Sink created = S3Sink.open(server.options(fresh).createBucket(true).build())) {
      created.put("k", new byte[] {1});
      assertThat(created.get("k")).containsExactly(1);
    }
    assertThat(server.admin().listBuckets().buckets()).anyMatch(b -> b.name().equals(fresh));
  }

  @Test
  void useAfterCloseIsAnError() throws IOException {
    S3Sink other = S3Sink.open(server.options(bucket).build());
    other.close();
    other.close();
    assertThatThrownBy(() -> other.openWrite("k"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("closed");
  }

  @Test
  void openWriteWritesNothingUntilCommit() throws IOException {
    try (PendingWrite write = sink.openWrite("pending")) {
      TestData.write(write, 1000, 1, 10);
      assertThat(sink.list("")).isEmpty();
      write.commit();
    }
    assertThat(sink.list(""))
        .extracting(StoredObject::key, StoredObject::size)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("pending", 1000L));
  }

  private static void restore(String property, String old) {
    if (old == null) {
      System.clearProperty(property);
    } else {
      System.setProperty(property, old);
    }
  }
}
