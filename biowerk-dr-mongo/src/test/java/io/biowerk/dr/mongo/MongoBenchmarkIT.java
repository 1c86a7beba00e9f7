package io.biowerk.dr.mongo;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.InsertManyOptions;
import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.SourceStream;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The figures for docs/benchmarks.md ({@code ## mongodb}), against anchors on the same server in
 * the same run, interleaved: backup (our source read to its end, no codecs) against a plain driver
 * scan of the same collections reading raw BSON to nowhere with the same parallelism; restore (our
 * target, from the archive) against plain unordered {@code insertMany} batches of 1000 with the
 * same parallelism; and a backup and a restore in a separate {@code -Xmx64m} JVM of a collection
 * larger than that heap. Prints a markdown block; asserts only that the runs did what they claim
 * (counts, bytes), never a speed.
 *
 * <p>Run: {@code mvn -o -pl biowerk-dr-mongo -am verify -Pslow -Dtest=NoSuch
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=MongoBenchmarkIT -Dbench.docs=60000
 * -Dbench.pad=2000}
 */
@Tag("slow")
class MongoBenchmarkIT {

  @TempDir Path dir;

  static final int JOBS = 4;

  @Test
  void backupAndRestoreAgainstPlainDriverAnchors() throws Exception {
    int docs = Integer.getInteger("bench.docs", 60_000);
    int rounds = Integer.getInteger("bench.rounds", 2);
    StringBuilder report = new StringBuilder();
    try (MongoServers servers = MongoServers.start();
        // Timeouts for a loaded machine: with the default 3 s the in-process server, on the same
        // two cores as everything else, missed the driver's handshake at a load average of 50.
        MongoClient client =
            com.mongodb.client.MongoClients.create(servers.uri("", 120_000).toString())) {
      String db = servers.db("bench");
      byte[] pad = new byte[Integer.getInteger("bench.pad", 2000)];
      Arrays.fill(pad, (byte) 7);
      long loadStart = System.nanoTime();
      for (int c = 0; c < JOBS; c++) {
        MongoCollection<BsonDocument> coll =
            client.getDatabase(db).getCollection("c" + c, BsonDocument.class);
        List<BsonDocument> batch = new ArrayList<>();
        for (int i = 0; i < docs / JOBS; i++) {
          batch.add(
              new BsonDocument("_id", new BsonInt32(i))
                  .append("name", new BsonString("user-" + i))
                  .append("pad", new BsonBinary(pad)));
          if (batch.size() == 5000) {
            coll.insertMany(batch);
            batch.clear();
          }
        }
        if (!batch.isEmpty()) {
          coll.insertMany(batch);
        }
      }
      progress(report)
          .append(
              String.format(
                  "loaded %d documents in %d collections in %.1f s%n",
                  docs, JOBS, (System.nanoTime() - loadStart) / 1e9));

      // Backup: our source against a plain raw scan, interleaved.
      List<Double> scan = new ArrayList<>();
      List<Double> ours = new ArrayList<>();
      for (int r = 0; r <= rounds; r++) {
        long t0 = System.nanoTime();
        long scanned = rawScan(client, db);
        double a = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        // Read to nowhere, as the anchor does: what is measured is the source, not a consumer.
        Map<String, Object> facts;
        SourceStream stream =
            MongoSource.of(servers.uri("jobs=" + JOBS + "&include=" + db, 120_000)).open();
        try (stream) {
          ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
          while (stream.read(buffer) >= 0) {
            buffer.clear();
          }
        }
        facts = stream.facts();
        double b = (System.nanoTime() - t0) / 1e9;
        if (r > 0) { // round 0 warms up
          scan.add(scanned / 1e6 / a);
          ours.add(scanned / 1e6 / b);
        }
        assertThat(facts.get("collections").toString()).contains("c0=" + docs / JOBS);
      }
      byte[] archive =
          Runs.backup(MongoSource.of(servers.uri("jobs=" + JOBS + "&include=" + db, 120_000)))
              .bytes();
      record(
          report,
          line(
              "backup (MB/s of document bytes)",
              "plain raw driver scan",
              scan,
              "mongodb source",
              ours));

      // Restore: our target against plain unordered insertMany, interleaved, into fresh databases.
      List<RawBsonDocument> decoded = new ArrayList<>();
      List<String> names = new ArrayList<>();
      TestArchives.Parsed parsed = TestArchives.parse(archive);
      long docBytes = 0;
      for (var e : parsed.documents().entrySet()) {
        for (byte[] d : e.getValue()) {
          decoded.add(new RawBsonDocument(d));
          names.add(e.getKey().collection());
          docBytes += d.length;
        }
      }
      List<Double> insert = new ArrayList<>();
      List<Double> restore = new ArrayList<>();
      for (int r = 0; r <= rounds; r++) {
        String plainDb = servers.db("plain" + r);
        long t0 = System.nanoTime();
        plainInsert(client, plainDb, decoded, names);
        double a = (System.nanoTime() - t0) / 1e9;
        client.getDatabase(plainDb).drop();
        String ourDb = servers.db("ours" + r);
        t0 = System.nanoTime();
        try (PendingWrite write =
            MongoRestoreTarget.of(
                    servers.uri(
                        "jobs=" + JOBS + "&nsFrom=" + db + ".*&nsTo=" + ourDb + ".*", 120_000),
                    false)
                .open(Runs.manifest(Map.of()))) {
          var in = Channels.newChannel(new ByteArrayInputStream(archive));
          ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
          while (in.read(buffer) >= 0) {
            buffer.flip();
            write.write(buffer);
            buffer.clear();
          }
          write.commit();
        }
        double b = (System.nanoTime() - t0) / 1e9;
        assertThat(client.getDatabase(ourDb).getCollection("c0").countDocuments())
            .isEqualTo(docs / JOBS);
        client.getDatabase(ourDb).drop();
        if (r > 0) {
          insert.add(docBytes / 1e6 / a);
          restore.add(docBytes / 1e6 / b);
        }
      }
      record(
          report,
          line(
              "restore (MB/s of document bytes)",
              "plain insertMany x" + JOBS,
              insert,
              "mongodb restore target",
              restore));

      // Memory: a separate -Xmx64m JVM backs up and restores more data than its heap.
      Path file = dir.resolve("bench.archive");
      for (String mode : List.of("backup", "restore")) {
        String uri =
            mode.equals("backup")
                ? servers.uri("include=" + db, 120_000).toString()
                : servers
                    .uri("nsFrom=" + db + ".*&nsTo=" + servers.db("probe") + ".*", 120_000)
                    .toString();
        Process p =
            new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx64m",
                    "-cp",
                    System.getProperty("java.class.path"),
                    MemoryProbe.class.getName(),
                    mode,
                    uri,
                    file.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        String probe = out.lines().filter(l -> l.startsWith("PROBE")).findFirst().orElseThrow();
        progress(report).append("-Xmx64m ").append(probe).append(System.lineSeparator());
      }
      assertThat(Files.size(file)).isGreaterThan(64L << 20);
      assertThat(client.getDatabase(servers.db("probe")).getCollection("c3").countDocuments())
          .isEqualTo(docs / JOBS);
      progress(report)
          .append("load average: ")
          .append(Files.readString(Path.of("/proc/loadavg")).trim());
      System.out.println("BENCH\n" + report);
    }
  }

  /**
   * The report, after printing its last line so far (a run that fails late still shows its
   * figures).
   */
  private static StringBuilder progress(StringBuilder report) {
    String text = report.toString();
    if (!text.isEmpty()) {
      String[] lines = text.strip().split("\n", -1);
      System.out.println("BENCH-PROGRESS " + lines[lines.length - 1]);
    }
    return report;
  }

  /** Appends {@code line} to the report and prints it at once. */
  private static void record(StringBuilder report, String line) {
    report.append(line);
    System.out.print("BENCH-LINE " + line);
    System.out.flush();
  }

  private static long rawScan(MongoClient client, String db) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(JOBS);
    AtomicLong bytes = new AtomicLong();
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int c = 0; c < JOBS; c++) {
        MongoCollection<RawBsonDocument> coll =
            client.getDatabase(db).getCollection("c" + c, RawBsonDocument.class);
        futures.add(
            pool.submit(
                () -> {
                  for (RawBsonDocument d : coll.find().batchSize(2000)) {
                    bytes.addAndGet(d.getByteBuffer().remaining());
                  }
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    return bytes.get();
  }

  private static void plainInsert(
      MongoClient client, String db, List<RawBsonDocument> docs, List<String> names)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(JOBS);
    try {
      List<Future<?>> futures = new ArrayList<>();
      int from = 0;
      while (from < docs.size()) {
        int to = from;
        while (to < docs.size() && to - from < 1000 && names.get(to).equals(names.get(from))) {
          to++;
        }
        List<RawBsonDocument> batch = docs.subList(from, to);
        MongoCollection<RawBsonDocument> coll =
            client.getDatabase(db).getCollection(names.get(from), RawBsonDocument.class);
        futures.add(
            pool.submit(() -> coll.insertMany(batch, new InsertManyOptions().ordered(false))));
        from = to;
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  private static String line(
      String what, String anchorName, List<Double> anchor, String oursName, List<Double> ours) {
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < anchor.size(); i++) {
      ratios.add(ours.get(i) / anchor.get(i));
    }
    return String.format(
        "%s: %s %s, %s %s, ratio median %.3f (range %.3f-%.3f)%n",
        what,
        anchorName,
        fmt(anchor),
        oursName,
        fmt(ours),
        median(ratios),
        ratios.stream().mapToDouble(d -> d).min().orElse(0),
        ratios.stream().mapToDouble(d -> d).max().orElse(0));
  }

  private static String fmt(List<Double> values) {
    StringBuilder s = new StringBuilder("[");
    for (double v : values) {
      s.append(s.length() > 1 ? ", " : "").append(String.format("%.1f", v));
    }
    return s.append("]").toString();
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
