package io.biowerk.dr.storage.azure;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A FAKE fault injector, not a storage service: a loopback HTTP proxy in front of Azurite that
 * forwards every request unchanged, except that it can answer the next requests with a throttling
 * status (503 {@code ServerBusy}, or 429) as Azure does under load, and can drop the connection in
 * the middle of a Put Block upload, as a network failure does. Azurite can do neither. Requests are
 * signed for the account's path, not the host, so shared-key signatures stay valid through it.
 */
final class FaultyBlobProxy implements AutoCloseable {

  // Headers the JDK client sets itself. The Date header is signed by shared-key requests, so it
  // must pass.
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "host",
          "content-length",
          "connection",
          "expect",
          "upgrade",
          "transfer-encoding",
          "keep-alive");

  static {
    // The JDK client refuses to send a Date header of the caller's unless allowed (read once, at
    // first use).
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "date");
  }

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final URI upstream;
  private final AtomicInteger throttleNext = new AtomicInteger();
  private final AtomicInteger throttled = new AtomicInteger();
  private final AtomicInteger dropped = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicBoolean dropBlockUploads = new AtomicBoolean();
  private volatile String heldFragment;
  private volatile int throttleStatus = 503;
  private volatile String errorCode = "ServerBusy";
  private volatile String errorMessage = "";

  /** Proxies to {@code upstream} (scheme, host and port of the Blob service). */
  FaultyBlobProxy(URI upstream) {
    this.upstream = upstream;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The proxy's Blob endpoint for {@code account}: {@code http://127.0.0.1:<port>/<account>}. */
  URI endpoint(String account) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + account);
  }

  /**
   * Answers the next {@code count} requests with {@code status} (503 or 429) instead of forwarding
   * them.
   */
  void throttleNext(int count, int status) {
    answerNext(count, status, "ServerBusy", "Ingress is over the account limit.");
  }

  /** Answers the next {@code count} requests with an Azure error instead of forwarding them. */
  void answerNext(int count, int status, String code, String message) {
    throttleStatus = status;
    errorCode = code;
    errorMessage = message;
    throttleNext.set(count);
  }

  /**
   * From now on, a Delete Blob of a blob whose path contains {@code fragment} is refused as Azure
   * refuses it for a blob under a legal hold (409 {@code BlobImmutableDueToLegalHold}); null lifts
   * the fake hold. Azurite has no version-level immutability, so this is how a held blob is shown.
   */
  void holdBlobsContaining(String fragment) {
    heldFragment = fragment;
  }

  /** From now on, every Put Block loses its connection half-way through its body. */
  void dropBlockUploads(boolean drop) {
    dropBlockUploads.set(drop);
  }

  int throttled() {
    return throttled.get();
  }

  int dropped() {
    return dropped.get();
  }

  int requests() {
    return requests.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    try (exchange) {
      String query = exchange.getRequestURI().getRawQuery();
      if (throttleNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        throttled.incrementAndGet();
        exchange.getRequestBody().readAllBytes();
        byte[] body =
            ("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>"
                    + errorCode
                    + "</Code><Message>"
                    + errorMessage
                    + " (fake, from FaultyBlobProxy)</Message></Error>")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("x-ms-error-code", errorCode);
        exchange.getResponseHeaders().set("Content-Type", "application/xml");
        exchange.sendResponseHeaders(throttleStatus, body.length);
        exchange.getResponseBody().write(body);
        return;
      }
      String held = heldFragment;
      if (held != null
          && exchange.getRequestMethod().equals("DELETE")
          && exchange.getRequestURI().getRawPath().contains(held)) {
        throttled.incrementAndGet();
        byte[] body =
            ("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>BlobImmutableDueToLegalHold"
                    + "</Code><Message>This operation is not permitted as the blob is immutable due"
                    + " to a legal hold. (fake, from FaultyBlobProxy)</Message></Error>")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("x-ms-error-code", "BlobImmutableDueToLegalHold");
        exchange.getResponseHeaders().set("Content-Type", "application/xml");
        exchange.sendResponseHeaders(409, body.length);
        exchange.getResponseBody().write(body);
        return;
      }
      if (dropBlockUploads.get()
          && query != null
          && query.contains("comp=block")
          && !query.contains("comp=blocklist")) {
        dropped.incrementAndGet();
        InputStream in = exchange.getRequestBody();
        in.readNBytes(Math.max(1, contentLength(exchange) / 2));
        // Leaving without a response makes the server close the connection: the client sees it
        // drop.
        throw new IOException("FaultyBlobProxy dropped the connection mid-upload (injected)");
      }
      forward(exchange, query);
    }
  }

  private static int contentLength(HttpExchange exchange) {
    String length = exchange.getRequestHeaders().getFirst("Content-Length");
    return length == null ? 2 : Integer.parseInt(length);
  }

  private void forward(HttpExchange exchange, String query) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    URI target =
        URI.create(
            upstream + exchange.getRequestURI().getRawPath() + (query == null ? "" : "?" + query));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(target)
            .timeout(Duration.ofMinutes(2))
            .method(
                exchange.getRequestMethod(),
                body.length == 0
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
      if (!HOP_BY_HOP.contains(header.getKey().toLowerCase(Locale.ROOT))) {
        header.getValue().forEach(v -> request.header(header.getKey(), v));
      }
    }
    HttpResponse<byte[]> response;
    try {
      response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    response
        .headers()
        .map()
        .forEach(
            (name, values) -> {
              String lower = name.toLowerCase(Locale.ROOT);
              boolean head = exchange.getRequestMethod().equals("HEAD");
              if ((!HOP_BY_HOP.contains(lower) && !lower.equals("date"))
                  || (head && lower.equals("content-length"))) {
                values.forEach(v -> exchange.getResponseHeaders().add(name, v));
              }
            });
    byte[] payload = response.body();

    boolean noBody =
        exchange.getRequestMethod().equals("HEAD")
            || response.statusCode() == 204
            || response.statusCode() == 304
            || payload.length == 0;
    exchange.sendResponseHeaders(response.statusCode(), noBody ? -1 : payload.length);
    if (!noBody) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(payload);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
