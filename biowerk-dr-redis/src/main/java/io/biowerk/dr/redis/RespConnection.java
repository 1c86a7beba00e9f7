package io.biowerk.dr.redis;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A minimal RESP2 client over one socket (TLS for {@code rediss://}): enough for AUTH, INFO,
 * REPLCONF, PSYNC, SCAN, DUMP, PTTL, RESTORE and FUNCTION, with pipelining (write many commands,
 * flush, read the replies).
 *
 * <p>Replies are returned as Java values: {@code String} (status), {@code Long}, {@code byte[]}
 * (bulk, or {@code null}), {@code List<Object>} (array), or {@link ErrorReply} for an error reply,
 * so a pipeline can read past one failed command. Not thread-safe, except {@link #close()}, which
 * may be called from another thread to unblock a read.
 */
final class RespConnection implements AutoCloseable {

  /** An error reply, returned instead of thrown so pipelines keep their place. */
  record ErrorReply(String text) {}

  private static final byte[] CRLF = {'\r', '\n'};

  private final RedisEndpoint endpoint;
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private volatile boolean closed;

  private RespConnection(RedisEndpoint endpoint, Socket socket) throws IOException {
    this.endpoint = endpoint;
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream(), 256 * 1024);
    this.out = new BufferedOutputStream(socket.getOutputStream(), 256 * 1024);
  }

  /**
   * Connects and, when the endpoint has credentials, authenticates.
   *
   * @throws RedisCommandException if authentication was refused
   * @throws IOException if the server cannot be reached
   */
  static RespConnection open(RedisEndpoint endpoint) throws IOException {
    int timeout = (int) Math.min(Integer.MAX_VALUE, endpoint.timeout().toMillis());
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setReceiveBufferSize(1 << 20);
      socket.connect(
          new InetSocketAddress(endpoint.host(), endpoint.port()), Math.min(timeout, 10_000));
      socket.setSoTimeout(timeout);
      if (endpoint.tls()) {
        SSLSocket tls =
            (SSLSocket)
                tlsFactory(endpoint).createSocket(socket, endpoint.host(), endpoint.port(), true);
        var params = tls.getSSLParameters();
        // Check that the certificate names the host we dialled, as HTTPS does.
        params.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(params);
        tls.startHandshake();
        socket = tls;
      }
    } catch (IOException e) {
      closeQuietly(socket);
      throw new IOException(
          "redis: cannot connect to "
              + endpoint.address()
              + ": "
              + e.getMessage()
              + "; check host, port"
              + (endpoint.tls() ? ", TLS (rediss://) and the trust store" : "")
              + " and that redis-server is running",
          e);
    }
    RespConnection connection = new RespConnection(endpoint, socket);
    try {
      if (endpoint.password().isPresent()) {
        Object reply =
            endpoint.user().isPresent()
                ? connection.call("AUTH", endpoint.user().get(), endpoint.password().get())
                : connection.call("AUTH", endpoint.password().get());
        if (reply instanceof ErrorReply error) {
          throw new RedisCommandException(
              "redis: authentication to "
                  + endpoint.redacted()
                  + " failed ("
                  + error.text()
                  + "); check the user and password in the URI",
              error.text());
        }
      }
      return connection;
    } catch (IOException | RuntimeException e) {
      connection.close();
      throw e;
    }
  }

  /**
   * The JDK's default TLS socket factory, or with {@code tls-ca=/path/ca.pem} one that trusts the
   * certificates in that PEM file (a private CA, as managed Redis and self-run TLS setups use).
   */
  private static SSLSocketFactory tlsFactory(RedisEndpoint endpoint) throws IOException {
    if (endpoint.option("tls-ca").isEmpty()) {
      return (SSLSocketFactory) SSLSocketFactory.getDefault();
    }
    java.nio.file.Path file = java.nio.file.Path.of(endpoint.option("tls-ca").get());
    try (InputStream pem = java.nio.file.Files.newInputStream(file)) {
      java.security.KeyStore trust =
          java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
      trust.load(null, null);
      int n = 0;
      for (java.security.cert.Certificate cert :
          java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(pem)) {
        trust.setCertificateEntry("ca-" + n++, cert);
      }
      if (n == 0) {
        throw new IOException("redis: tls-ca file " + file + " holds no certificate");
      }
      javax.net.ssl.TrustManagerFactory factory =
          javax.net.ssl.TrustManagerFactory.getInstance(
              javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      factory.init(trust);
      javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
      context.init(null, factory.getTrustManagers(), null);
      return context.getSocketFactory();
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException("redis: cannot use tls-ca file " + file + ": " + e.getMessage(), e);
    }
  }

  RedisEndpoint endpoint() {
    return endpoint;
  }

  /** Sends one command and reads its reply. */
  Object call(Object... args) throws IOException {
    send(args);
    flush();
    return read();
  }

  /**
   * Sends one command and reads its reply, throwing an error reply as {@link
   * RedisCommandException}.
   */
  Object callOk(Object... args) throws IOException {
    Object reply = call(args);
    if (reply instanceof ErrorReply error) {
      throw new RedisCommandException(
          "redis: " + endpoint.address() + " refused " + args[0] + ": " + error.text(),
          error.text());
    }
    return reply;
  }

  /**
   * Queues one command; {@link #flush()} sends the queue. Arguments are {@code String}, {@code
   * byte[]} or numbers.
   */
  void send(Object... args) throws IOException {
    writeHeader('*', args.length);
    for (Object arg : args) {
      if (arg instanceof byte[] bytes) {
        writeBulk(bytes, 0, bytes.length);
      } else {
        byte[] bytes = String.valueOf(arg).getBytes(StandardCharsets.UTF_8);
        writeBulk(bytes, 0, bytes.length);
      }
    }
  }

  /** Queues a bulk argument of a command whose header was written with {@link #sendArrayHeader}. */
  void writeBulk(byte[] bytes, int off, int len) throws IOException {
    writeHeader('$', len);
    out.write(bytes, off, len);
    out.write(CRLF);
  }

  void sendArrayHeader(int count) throws IOException {
    writeHeader('*', count);
  }

  private void writeHeader(char kind, long n) throws IOException {
    out.write(kind);
    out.write(Long.toString(n).getBytes(StandardCharsets.US_ASCII));
    out.write(CRLF);
  }

  void flush() throws IOException {
    out.flush();
  }

  /** Reads one reply. */
  Object read() throws IOException {
    int kind = in.read();
    if (kind < 0) {
      throw new EOFException("redis: " + endpoint.address() + " closed the connection");
    }
    switch (kind) {
      case '+' -> {
        return readLine();
      }
      case '-' -> {
        return new ErrorReply(readLine());
      }
      case ':' -> {
        return Long.parseLong(readLine());
      }
      case '$' -> {
        int len = Integer.parseInt(readLine());
        if (len < 0) {
          return null;
        }
        byte[] bytes = in.readNBytes(len);
        if (bytes.length < len || in.read() != '\r' || in.read() != '\n') {
          throw new EOFException(
              "redis: " + endpoint.address() + " closed the connection inside a reply");
        }
        return bytes;
      }
      case '*' -> {
        int count = Integer.parseInt(readLine());
        if (count < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          items.add(read());
        }
        return items;
      }
      default ->
          throw new IOException(
              "redis: "
                  + endpoint.address()
                  + " sent an unexpected reply byte 0x"
                  + Integer.toHexString(kind)
                  + "; is this a Redis server?");
    }
  }

  /** Reads a CRLF-terminated line (without it). */
  String readLine() throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("redis: " + endpoint.address() + " closed the connection");
      }
      if (b == '\r') {
        int next = in.read();
        if (next != '\n') {
          throw new IOException("redis: " + endpoint.address() + " sent a malformed line");
        }
        return line.toString();
      }
      line.append((char) b);
    }
  }

  /** The raw input, positioned after the last reply read; for the replication stream. */
  InputStream input() {
    return in;
  }

  /** Reads {@code INFO section} as a map of its {@code key:value} lines. */
  Map<String, String> info(String section) throws IOException {
    Object reply = callOk("INFO", section);
    Map<String, String> fields = new LinkedHashMap<>();
    String text = new String((byte[]) reply, StandardCharsets.UTF_8);
    for (String line : text.split("\r\n", -1)) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("#")) {
        fields.put(line.substring(0, colon), line.substring(colon + 1));
      }
    }
    return fields;
  }

  /** Keys per database from {@code INFO keyspace}, in database order. */
  Map<Integer, Long> keyspace() throws IOException {
    Map<Integer, Long> counts = new java.util.TreeMap<>();
    for (Map.Entry<String, String> field : info("keyspace").entrySet()) {
      if (field.getKey().startsWith("db")) {
        int db = Integer.parseInt(field.getKey().substring(2));
        for (String part : field.getValue().split(",", -1)) {
          if (part.startsWith("keys=")) {
            counts.put(db, Long.parseLong(part.substring(5)));
          }
        }
      }
    }
    return counts;
  }

  void setTimeout(int millis) throws IOException {
    socket.setSoTimeout(millis);
  }

  static boolean isTimeout(Throwable e) {
    return e instanceof SocketTimeoutException;
  }

  boolean isClosed() {
    return closed;
  }

  /** Closes the socket; safe from any thread, idempotent, never throws. */
  @Override
  public void close() {
    closed = true;
    closeQuietly(socket);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Nothing to do: the connection is gone either way.
    }
  }

  static String text(Object reply) {
    if (reply instanceof byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
    if (reply instanceof ErrorReply error) {
      return "-" + error.text();
    }
    return String.valueOf(reply);
  }
}
