package io.biowerk.dr.storage.gcs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.zip.CRC32C;

/**
 * A TEST DOUBLE of the Cloud Storage JSON API: a small real HTTP server on loopback (the JDK's
 * {@link HttpServer}) that speaks the subset of the API the google-cloud-storage client uses for
 * this sink, so the sink's requests can be checked on the wire where no Cloud Storage emulator can
 * be installed (fake-gcs-server needs Docker or a newer Go). It is not Cloud Storage and not an
 * emulator of all of it: it implements resumable uploads (initiate with {@code
 * uploadType=resumable}, PUT chunks with {@code Content-Range}, 308 with {@code Range}, the final
 * request, status queries, DELETE to cancel), multipart uploads, object metadata and media GET
 * (with {@code Range} and {@code generation}), listing with page tokens, delete, rewrite, patch of
 * holds, the {@code ifGenerationMatch} precondition, CRC32C and MD5 of stored objects (and a check
 * of {@code x-goog-hash} on a final request), holds that refuse deletion with Cloud Storage's 403,
 * and JSON error bodies shaped like Cloud Storage's.
 *
 * <p>Tests inject faults ({@link #failNext}, {@link #dropNext}, {@link #corruptUploads}, {@link
 * #corruptDownloads}) and read the requests it saw ({@link #requests()}). Thread-safe; {@link
 * #close()} stops it. Public (in the test jar) so that the command's tests can reach a {@code
 * gs://} repository from a URI alone ({@code ?endpoint=...&credentials=none}), which {@code
 * LocalStorageHelper}, an in-process fake with no endpoint, cannot offer.
 */
public final class JsonApiTestServer implements AutoCloseable {

  /** One request as the server saw it. */
  record Request(
      String method,
      String path,
      Map<String, String> query,
      Map<String, String> headers,
      int bodyLength) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    boolean isChunk() {
      return method.equals("PUT") && path.startsWith("/upload/");
    }

    boolean isInitiate() {
      return method.equals("POST") && "resumable".equals(query.get("uploadType"));
    }
  }

  /** A fault: answer matching requests with a status (or drop the connection) a number of times. */
  // ArrayRecordComponent: times is the fault's own counter, shared on purpose; faults are never
  // compared.
  @SuppressWarnings("ArrayRecordComponent")
  private record Fault(
      Predicate<Request> matches, int status, String reason, String message, int[] times) {}

  static final class StoredObject {
    final byte[] data;
    final long generation;
    final String storageClass;
    volatile boolean temporaryHold;
    volatile boolean eventBasedHold;
    final Instant created;
    final String crc32c;

    StoredObject(
        byte[] data,
        long generation,
        String storageClass,
        boolean temporaryHold,
        boolean eventBasedHold,
        String crc32c) {
      this.data = data;
      this.generation = generation;
      this.storageClass = storageClass;
      this.temporaryHold = temporaryHold;
      this.eventBasedHold = eventBasedHold;
      this.created = Instant.now();
      this.crc32c = crc32c;
    }
  }

  private static final class Session {
    final String bucket;
    final ObjectNode metadata;
    final Map<String, String> query;

    /**
     * The bytes received, as the chunks came (no doubling buffer: a 1 GiB upload costs 1 GiB here).
     */
    final List<byte[]> chunks = new ArrayList<>();

    long size() {
      long n = 0;
      for (byte[] c : chunks) {
        n += c.length;
      }
      return n;
    }

    byte[] bytes() {
      byte[] all = new byte[Math.toIntExact(size())];
      int at = 0;
      for (byte[] c : chunks) {
        System.arraycopy(c, 0, all, at, c.length);
        at += c.length;
      }
      chunks.clear();
      return all;
    }

    Session(String bucket, ObjectNode metadata, Map<String, String> query) {
      this.bucket = bucket;
      this.metadata = metadata;
      this.query = query;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(8);
  private final Set<String> buckets = ConcurrentHashMap.newKeySet();
  private final Map<String, ObjectNode> bucketResources = new ConcurrentHashMap<>();
  private final Map<String, NavigableMap<String, StoredObject>> objects = new ConcurrentHashMap<>();
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
  private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
  private final List<Fault> faults = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong generations = new AtomicLong(1_700_000_000_000_000L);
  private volatile boolean corruptUploads;
  private volatile boolean corruptDownloads;
  private volatile boolean ignoreClientChecksums;

  /** Starts a server on a free loopback port. */
  public JsonApiTestServer() throws IOException {
    this(0);
  }

  /** On a given loopback port (0: any free one). */
  JsonApiTestServer(int port) throws IOException {
    server =
        HttpServer.create(
            new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port), 0);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /** The endpoint to give the sink ({@code ?endpoint=}). */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Options for a sink on {@code bucket} at this server: no credentials, short retry delays. */
  GcsOptions.Builder options(String bucket) {
    return GcsOptions.builder(bucket)
        .endpoint(endpoint())
        .anonymous(true)
        .initialRetryDelay(Duration.ofMillis(5))
        .maxAttempts(3);
  }

  /** Creates a bucket. */
  public JsonApiTestServer bucket(String name) {
    buckets.add(name);
    objects.computeIfAbsent(name, b -> Collections.synchronizedNavigableMap(new TreeMap<>()));
    return this;
  }

  /** Answers the next {@code times} requests that match with {@code status} and an error body. */
  void failNext(Predicate<Request> matches, int status, String reason, String message, int times) {
    faults.add(new Fault(matches, status, reason, message, new int[] {times}));
  }

  /**
   * The names of the objects in {@code bucket}, in order: what a client of the bucket would see.
   */
  public List<String> names(String bucket) {
    return List.copyOf(objects(bucket).keySet());
  }

  /**
   * A network drop in the middle of every resumable upload: drops the connection of the next {@code
   * times} chunk requests that do not start at byte 0, so the first chunk lands and the rest never
   * do.
   */
  public void dropChunksAfterTheFirst(int times) {
    dropNext(
        r ->
            r.isChunk()
                && r.header("content-range") != null
                && !r.header("content-range").startsWith("bytes 0-"),
        times);
  }

  /** Drops the connection of the next {@code times} requests that match, without an answer. */
  void dropNext(Predicate<Request> matches, int times) {
    faults.add(new Fault(matches, -1, null, null, new int[] {times}));
  }

  /** Flips a byte of every uploaded object as it is stored, as damage in transit would. */
  void corruptUploads(boolean on) {
    corruptUploads = on;
  }

  /**
   * Stores uploads without checking the CRC32C the client sent, as a backend that does not verify
   * would; the sink's own check after the upload must then catch damage.
   */
  void ignoreClientChecksums(boolean on) {
    ignoreClientChecksums = on;
  }

  /** Flips a byte of every object served, as damage in transit would; the metadata stays right. */
  void corruptDownloads(boolean on) {
    corruptDownloads = on;
  }

  /** Every request seen, in order. */
  List<Request> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  void clearRequests() {
    requests.clear();
  }

  /** The committed objects of a bucket, by name. */
  Map<String, StoredObject> objects(String bucket) {
    NavigableMap<String, StoredObject> map = objects.get(bucket);
    synchronized (map) {
      return new TreeMap<>(map);
    }
  }

  /** The bucket's metadata as patched by clients (lifecycle, retentionPolicy), as JSON. */
  ObjectNode bucketResource(String bucket) {
    return bucketResources.get(bucket);
  }

  /** Resumable sessions started and neither finished nor cancelled. */
  int openSessions() {
    return sessions.size();
  }

  /** Sessions the client cancelled with a DELETE. */
  int cancelledSessions() {
    return cancelled.size();
  }

  /** Puts an object directly (for tests of reads and holds). */
  void put(String bucket, String name, byte[] data, String storageClass, boolean temporaryHold) {
    objects
        .get(bucket)
        .put(
            name,
            new StoredObject(
                data,
                generations.incrementAndGet(),
                storageClass,
                temporaryHold,
                false,
                crc32c(data)));
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  // ---- the API
  // ------------------------------------------------------------------------------------------------

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
      if (encoding != null && encoding.contains("gzip")) {
        // The client gzips JSON request bodies (metadata of rewrites and patches); media it sends
        // as is here.
        body =
            new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body))
                .readAllBytes();
      }
      String path = exchange.getRequestURI().getRawPath();
      Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
      Map<String, String> headers = new HashMap<>();
      exchange
          .getRequestHeaders()
          .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
      // The JDK's HTTP client cannot send PATCH; google-http-client sends POST with this header
      // instead.
      String method = headers.getOrDefault("x-http-method-override", exchange.getRequestMethod());
      Request request = new Request(method, path, query, headers, body.length);
      requests.add(request);
      Fault fault = fault(request);
      if (fault != null) {
        if (fault.status() < 0) {
          // No response: closing the exchange now closes the connection, as a network drop would.
          return;
        }
        error(exchange, fault.status(), fault.reason(), fault.message());
        return;
      }
      route(exchange, request, body);
    } catch (RuntimeException | IOException | Error e) {
      System.err.println("JsonApiTestServer: " + e);
      e.printStackTrace();
      throw e;
    }
  }

  private Fault fault(Request request) {
    synchronized (faults) {
      for (Fault fault : faults) {
        if (fault.times()[0] > 0 && fault.matches().test(request)) {
          fault.times()[0]--;
          return fault;
        }
      }
    }
    return null;
  }

  private void route(HttpExchange exchange, Request request, byte[] body) throws IOException {
    String[] p = request.path().split("/", -1);
    String method = request.method();
    // /upload/storage/v1/b/{bucket}/o
    if (request.path().startsWith("/upload/storage/v1/b/") && p.length == 7) {
      String bucket = decode(p[5]);
      if (request.query().containsKey("upload_id")) {
        String id = request.query().get("upload_id");
        if (method.equals("DELETE")) {
          sessions.remove(id);
          cancelled.add(id);
          send(exchange, 499, null);
          return;
        }
        chunk(exchange, request, id, body);
        return;
      }
      if (!buckets.contains(bucket)) {
        noBucket(exchange);
        return;
      }
      String type = request.query().get("uploadType");
      if ("resumable".equals(type)) {
        ObjectNode metadata =
            body.length == 0 ? JSON.createObjectNode() : (ObjectNode) JSON.readTree(body);
        if (request.query().containsKey("name")) {
          metadata.put("name", request.query().get("name"));
        }
        if (!preconditionHolds(bucket, metadata.path("name").asText(), request.query())) {
          error(
              exchange,
              412,
              "conditionNotMet",
              "At least one of the pre-conditions you specified did not hold.");
          return;
        }
        String id = UUID.randomUUID().toString();
        sessions.put(id, new Session(bucket, metadata, request.query()));
        exchange
            .getResponseHeaders()
            .add(
                "Location",
                endpoint()
                    + "/upload/storage/v1/b/"
                    + p[5]
                    + "/o?uploadType=resumable&upload_id="
                    + id);
        send(exchange, 200, null);
        return;
      }
      if ("multipart".equals(type)) {
        multipart(exchange, request, bucket, body);
        return;
      }
      error(exchange, 400, "invalid", "test server: uploadType " + type + " is not implemented");
      return;
    }
    // /storage/v1/b/{bucket}/o[/{object}[/rewriteTo/b/{bucket}/o/{object}]] and
    // /download/storage/v1/...
    int base = request.path().startsWith("/download/") ? 1 : 0;
    if (p.length >= 5 + base && p[1 + base].equals("storage") && p[3 + base].equals("b")) {
      String bucket = decode(p[4 + base]);
      if (!buckets.contains(bucket)) {
        noBucket(exchange);
        return;
      }
      if (p.length == 5 + base) {
        ObjectNode resource =
            bucketResources.computeIfAbsent(
                bucket, b -> JSON.createObjectNode().put("kind", "storage#bucket").put("name", b));
        if (method.equals("PATCH") || method.equals("PUT")) {
          synchronized (resource) {
            resource.setAll((ObjectNode) JSON.readTree(body));
          }
        }
        send(exchange, 200, resource);
        return;
      }
      if (p.length == 6 + base && method.equals("GET")) {
        list(exchange, bucket, request.query());
        return;
      }
      String name = decode(p[6 + base]);
      if (p.length == 12 && p[7].equals("rewriteTo")) {
        rewrite(exchange, request, bucket, name, decode(p[9]), decode(p[11]), body);
        return;
      }
      switch (method) {
        case "GET" -> get(exchange, request, bucket, name);
        case "DELETE" -> delete(exchange, request, bucket, name);
        case "PATCH", "PUT" -> patch(exchange, bucket, name, body);
        default -> error(exchange, 405, "invalid", "test server: " + method + " not implemented");
      }
      return;
    }
    error(exchange, 404, "notFound", "test server: no route for " + method + " " + request.path());
  }

  private void chunk(HttpExchange exchange, Request request, String id, byte[] body)
      throws IOException {
    Session session = sessions.get(id);
    if (session == null) {
      error(exchange, cancelled.contains(id) ? 499 : 404, "notFound", "No such upload session.");
      return;
    }
    String range = request.header("content-range");
    // "bytes a-b/*", "bytes a-b/total", "bytes */total", "bytes */*"
    String spec = range == null ? "*/*" : range.replace("bytes ", "").trim();
    String[] parts = spec.split("/", -1);
    long total = parts[1].equals("*") ? -1 : Long.parseLong(parts[1]);
    synchronized (session) {
      if (!parts[0].equals("*")) {
        long from = Long.parseLong(parts[0].split("-", -1)[0]);
        long have = session.size();
        if (from > have) {
          error(
              exchange,
              400,
              "invalid",
              "test server: chunk starts at " + from + " but " + have + " bytes are stored");
          return;
        }
        int skip = (int) (have - from); // a resent chunk overlaps what is stored
        if (skip < body.length) {
          session.chunks.add(Arrays.copyOfRange(body, skip, body.length));
        }
      }
      long have = session.size();
      if (total >= 0 && have == total) {
        finish(exchange, request, id, session);
        return;
      }
      if (have > 0) {
        exchange.getResponseHeaders().add("Range", "bytes=0-" + (have - 1));
      }
      send(exchange, 308, null);
    }
  }

  private void finish(HttpExchange exchange, Request request, String id, Session session)
      throws IOException {
    byte[] data = session.bytes();
    if (corruptUploads && data.length > 0) {
      data[data.length / 2] ^= 0x5a;
    }
    String hash = request.header("x-goog-hash");
    if (hash != null && !ignoreClientChecksums) {
      for (String h : hash.split(",", -1)) {
        if (h.trim().startsWith("crc32c=") && !h.trim().substring(7).equals(crc32c(data))) {
          sessions.remove(id);
          error(
              exchange,
              400,
              "invalid",
              "Provided CRC32C \""
                  + h.trim().substring(7)
                  + "\" doesn't match calculated CRC32C \""
                  + crc32c(data)
                  + "\".");
          return;
        }
      }
    }
    String name = session.metadata.path("name").asText();
    StoredObject stored = store(session.bucket, name, session.metadata, data, session.query);
    if (stored == PRECONDITION_FAILED) {
      sessions.remove(id);
      error(
          exchange,
          412,
          "conditionNotMet",
          "At least one of the pre-conditions you specified did not hold.");
      return;
    }
    if (stored == null) {
      sessions.remove(id);
      heldError(exchange, session.bucket, name);
      return;
    }
    sessions.remove(id);
    send(exchange, 200, resource(session.bucket, name, stored));
  }

  private void multipart(HttpExchange exchange, Request request, String bucket, byte[] body)
      throws IOException {
    String type = request.header("content-type");
    String boundary =
        type.substring(type.indexOf("boundary=") + 9).replace("\"", "").split(";", -1)[0].trim();
    byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    List<byte[]> parts = new ArrayList<>();
    int at = indexOf(body, delimiter, 0);
    while (at >= 0) {
      int start = at + delimiter.length;
      if (start + 1 < body.length && body[start] == '-' && body[start + 1] == '-') {
        break;
      }
      int next = indexOf(body, delimiter, start);
      if (next < 0) {
        break;
      }
      byte[] part = Arrays.copyOfRange(body, start, next);
      int headerEnd = indexOf(part, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0);
      int contentEnd =
          part.length >= 2 && part[part.length - 2] == '\r' ? part.length - 2 : part.length;
      parts.add(Arrays.copyOfRange(part, headerEnd + 4, contentEnd));
      at = next;
    }
    ObjectNode metadata = (ObjectNode) JSON.readTree(parts.get(0));
    byte[] data = parts.get(1);
    if (corruptUploads && data.length > 0) {
      data[data.length / 2] ^= 0x5a;
    }
    String name = metadata.path("name").asText();
    if (!ignoreClientChecksums
        && metadata.hasNonNull("crc32c")
        && !metadata.get("crc32c").asText().equals(crc32c(data))) {
      error(
          exchange,
          400,
          "invalid",
          "Provided CRC32C \""
              + metadata.get("crc32c").asText()
              + "\" doesn't match calculated CRC32C \""
              + crc32c(data)
              + "\".");
      return;
    }
    StoredObject stored = store(bucket, name, metadata, data, request.query());
    if (stored == PRECONDITION_FAILED) {
      error(
          exchange,
          412,
          "conditionNotMet",
          "At least one of the pre-conditions you specified did not hold.");
      return;
    }
    if (stored == null) {
      heldError(exchange, bucket, name);
      return;
    }
    send(exchange, 200, resource(bucket, name, stored));
  }

  /** What {@link #store} returns when {@code ifGenerationMatch} does not hold. */
  private static final StoredObject PRECONDITION_FAILED =
      new StoredObject(new byte[0], -1, "STANDARD", false, false, "");

  /**
   * Stores a new generation if the request's {@code ifGenerationMatch} holds, checked and stored
   * under one lock as Cloud Storage does atomically; returns {@link #PRECONDITION_FAILED} if it
   * does not, null if a hold keeps the current generation.
   */
  private StoredObject store(
      String bucket, String name, ObjectNode metadata, byte[] data, Map<String, String> query) {
    NavigableMap<String, StoredObject> map = objects.get(bucket);
    synchronized (map) {
      if (!preconditionHolds(bucket, name, query)) {
        return PRECONDITION_FAILED;
      }
      StoredObject old = map.get(name);
      if (old != null && (old.temporaryHold || old.eventBasedHold)) {
        return null;
      }
      StoredObject stored =
          new StoredObject(
              data,
              generations.incrementAndGet(),
              metadata.path("storageClass").asText("STANDARD"),
              metadata.path("temporaryHold").asBoolean(false),
              metadata.path("eventBasedHold").asBoolean(false),
              crc32c(data));
      map.put(name, stored);
      return stored;
    }
  }

  private boolean preconditionHolds(String bucket, String name, Map<String, String> query) {
    String match = query.get("ifGenerationMatch");
    if (match == null) {
      return true;
    }
    StoredObject current = objects.get(bucket).get(name);
    long generation = Long.parseLong(match);
    return generation == 0 ? current == null : current != null && current.generation == generation;
  }

  private void get(HttpExchange exchange, Request request, String bucket, String name)
      throws IOException {
    StoredObject object = objects.get(bucket).get(name);
    String generation = request.query().get("generation");
    if (object == null || (generation != null && Long.parseLong(generation) != object.generation)) {
      error(exchange, 404, "notFound", "No such object: " + bucket + "/" + name);
      return;
    }
    if (!"media".equals(request.query().get("alt"))) {
      send(exchange, 200, resource(bucket, name, object));
      return;
    }
    byte[] data = object.data;
    if (corruptDownloads && data.length > 0) {
      data = data.clone();
      data[data.length / 2] ^= 0x5a;
    }
    int from = 0;
    int to = data.length - 1;
    String range = request.header("range");
    int status = 200;
    if (range != null && range.startsWith("bytes=")) {
      String[] r = range.substring(6).split("-", -1);
      from = Integer.parseInt(r[0]);
      if (!r[1].isEmpty()) {
        to = Math.min(to, Integer.parseInt(r[1]));
      }
      if (from >= data.length) {
        exchange.getResponseHeaders().add("Content-Range", "bytes */" + data.length);
        error(
            exchange,
            416,
            "requestedRangeNotSatisfiable",
            "The requested range cannot be satisfied.");
        return;
      }
      status = 206;
      exchange
          .getResponseHeaders()
          .add("Content-Range", "bytes " + from + "-" + to + "/" + data.length);
    }
    exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
    exchange.getResponseHeaders().add("x-goog-generation", Long.toString(object.generation));
    exchange.getResponseHeaders().add("x-goog-hash", "crc32c=" + object.crc32c);
    exchange
        .getResponseHeaders()
        .add("x-goog-stored-content-length", Integer.toString(data.length));
    int length = to - from + 1;
    exchange.sendResponseHeaders(status, length == 0 ? -1 : length);
    try (OutputStream out = exchange.getResponseBody()) {
      // In pieces: one write of a whole large object overflows an int inside the JDK's HTTP server.
      for (int at = from; at < from + length; at += 1 << 20) {
        out.write(data, at, Math.min(1 << 20, from + length - at));
      }
    }
  }

  private void delete(HttpExchange exchange, Request request, String bucket, String name)
      throws IOException {
    NavigableMap<String, StoredObject> map = objects.get(bucket);
    synchronized (map) {
      StoredObject object = map.get(name);
      String generation = request.query().get("generation");
      if (object == null
          || (generation != null && Long.parseLong(generation) != object.generation)) {
        error(exchange, 404, "notFound", "No such object: " + bucket + "/" + name);
        return;
      }
      if (object.temporaryHold || object.eventBasedHold) {
        heldError(exchange, bucket, name);
        return;
      }
      map.remove(name);
    }
    send(exchange, 204, null);
  }

  private void patch(HttpExchange exchange, String bucket, String name, byte[] body)
      throws IOException {
    StoredObject object = objects.get(bucket).get(name);
    if (object == null) {
      error(exchange, 404, "notFound", "No such object: " + bucket + "/" + name);
      return;
    }
    ObjectNode changes = (ObjectNode) JSON.readTree(body);
    if (changes.has("temporaryHold")) {
      object.temporaryHold = changes.get("temporaryHold").asBoolean();
    }
    if (changes.has("eventBasedHold")) {
      object.eventBasedHold = changes.get("eventBasedHold").asBoolean();
    }
    send(exchange, 200, resource(bucket, name, object));
  }

  private void rewrite(
      HttpExchange exchange,
      Request request,
      String bucket,
      String name,
      String toBucket,
      String toName,
      byte[] body)
      throws IOException {
    StoredObject source = objects.get(bucket).get(name);
    String generation = request.query().get("sourceGeneration");
    if (source == null || (generation != null && Long.parseLong(generation) != source.generation)) {
      error(exchange, 404, "notFound", "No such object: " + bucket + "/" + name);
      return;
    }
    ObjectNode metadata =
        body.length == 0 ? JSON.createObjectNode() : (ObjectNode) JSON.readTree(body);
    StoredObject stored = store(toBucket, toName, metadata, source.data.clone(), request.query());
    if (stored == null) {
      heldError(exchange, toBucket, toName);
      return;
    }
    ObjectNode response =
        JSON.createObjectNode()
            .put("kind", "storage#rewriteResponse")
            .put("totalBytesRewritten", Integer.toString(source.data.length))
            .put("objectSize", Integer.toString(source.data.length))
            .put("done", true);
    response.set("resource", resource(toBucket, toName, stored));
    send(exchange, 200, response);
  }

  private void list(HttpExchange exchange, String bucket, Map<String, String> query)
      throws IOException {
    String prefix = query.getOrDefault("prefix", "");
    int max = Integer.parseInt(query.getOrDefault("maxResults", "1000"));
    String after = query.get("pageToken");
    ObjectNode response = JSON.createObjectNode().put("kind", "storage#objects");
    ArrayNode items = response.putArray("items");
    NavigableMap<String, StoredObject> map = objects.get(bucket);
    synchronized (map) {
      NavigableMap<String, StoredObject> tail = after == null ? map : map.tailMap(after, false);
      String last = null;
      for (Map.Entry<String, StoredObject> e : tail.entrySet()) {
        if (!e.getKey().startsWith(prefix)) {
          if (e.getKey().compareTo(prefix) > 0) {
            break;
          }
          continue;
        }
        if (items.size() == max) {
          response.put("nextPageToken", last);
          break;
        }
        items.add(resource(bucket, e.getKey(), e.getValue()));
        last = e.getKey();
      }
    }
    send(exchange, 200, response);
  }

  private ObjectNode resource(String bucket, String name, StoredObject o) {
    ObjectNode r =
        JSON.createObjectNode()
            .put("kind", "storage#object")
            .put("id", bucket + "/" + name + "/" + o.generation)
            .put("name", name)
            .put("bucket", bucket)
            .put("generation", Long.toString(o.generation))
            .put("metageneration", "1")
            .put("contentType", "application/octet-stream")
            .put("size", Integer.toString(o.data.length))
            .put("storageClass", o.storageClass)
            .put("timeCreated", o.created.toString())
            .put("updated", o.created.toString())
            .put("crc32c", o.crc32c)
            .put("md5Hash", md5(o.data))
            .put("etag", "e" + o.generation);
    if (o.temporaryHold) {
      r.put("temporaryHold", true);
    }
    if (o.eventBasedHold) {
      r.put("eventBasedHold", true);
    }
    return r;
  }

  private void heldError(HttpExchange exchange, String bucket, String name) throws IOException {
    error(
        exchange,
        403,
        "retentionPolicyNotMet",
        "Object '"
            + bucket
            + "/"
            + name
            + "' is under active Temporary hold and cannot be deleted, overwritten or archived until hold is removed.");
  }

  private void noBucket(HttpExchange exchange) throws IOException {
    error(exchange, 404, "notFound", "The specified bucket does not exist.");
  }

  private static void error(HttpExchange exchange, int status, String reason, String message)
      throws IOException {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode error = body.putObject("error").put("code", status).put("message", message);
    error
        .putArray("errors")
        .addObject()
        .put("domain", "global")
        .put("reason", reason)
        .put("message", message);
    send(exchange, status, body);
  }

  private static void send(HttpExchange exchange, int status, ObjectNode body) throws IOException {
    if (body == null) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  static String crc32c(byte[] data) {
    CRC32C crc = new CRC32C();
    crc.update(data);
    return GcsReadChannel.base64(crc.getValue());
  }

  private static String md5(byte[] data) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> query = new LinkedHashMap<>();
    if (raw == null) {
      return query;
    }
    for (String pair : raw.split("&", -1)) {
      int eq = pair.indexOf('=');
      query.put(
          decode(eq < 0 ? pair : pair.substring(0, eq)),
          eq < 0 ? "" : decode(pair.substring(eq + 1)));
    }
    return query;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = from; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
