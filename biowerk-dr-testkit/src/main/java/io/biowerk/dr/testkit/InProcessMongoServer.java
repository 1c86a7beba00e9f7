package io.biowerk.dr.testkit;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.InetSocketAddress;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * An in-process MongoDB server for tests: {@code mongo-java-server} (memory backend, oplog enabled,
 * so {@code local.oplog.rs} and tailable cursors exist) on a loopback port of its own, spoken to
 * over the wire protocol like a real {@code mongod}. The one set-up shared by the MongoDB adapter's
 * tests and the CLI's: the server is started by reflection from a class loader the caller picks, so
 * the test kit does not depend on it, and a module whose class path brings a netty the server
 * cannot use (the CLI's storage adapters) loads it apart with {@link #startIsolated(Path)}.
 *
 * <p>What the server cannot show (transactions, views, time-series, authentication) is listed in
 * docs/mongodb.md. Thread-safe; {@link #close()} is idempotent and stops the server with its open
 * connections.
 */
public final class InProcessMongoServer implements AutoCloseable {

  private final URLClassLoader ownLoader;
  private final Object server;
  private final int port;
  private volatile boolean closed;

  private InProcessMongoServer(URLClassLoader ownLoader, Object server, int port) {
    this.ownLoader = ownLoader;
    this.server = server;
    this.port = port;
  }

  /**
   * Starts a server whose classes {@code loader} loads (usually the test's own class loader, with
   * {@code de.bwaldvogel:mongo-java-server} on the test class path).
   *
   * @throws IllegalStateException if {@code loader} cannot load the server or it does not start
   */
  public static InProcessMongoServer start(ClassLoader loader) {
    return start(loader, null);
  }

  /**
   * Starts a server loaded in a class loader of its own from the jars in {@code jarDirectory} (the
   * server's jars and netty's; the build copies them there), closed with the server.
   *
   * @throws IOException if the directory cannot be listed
   * @throws IllegalStateException if it holds no jars, or the server does not start from them
   */
  public static InProcessMongoServer startIsolated(Path jarDirectory) throws IOException {
    List<Path> jars;
    try (Stream<Path> files = Files.list(jarDirectory)) {
      jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
    }
    if (jars.isEmpty()) {
      throw new IllegalStateException(
          "in-process MongoDB server: "
              + jarDirectory
              + " holds no jars; the build copies mongo-java-server's jars there (run the test"
              + " through Maven)");
    }
    URL[] urls = new URL[jars.size()];
    for (int i = 0; i < urls.length; i++) {
      urls[i] = jars.get(i).toUri().toURL();
    }
    URLClassLoader loader = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
    try {
      return start(loader, loader);
    } catch (RuntimeException | Error e) {
      loader.close();
      throw e;
    }
  }

  private static InProcessMongoServer start(ClassLoader loader, URLClassLoader own) {
    try {
      Class<?> backendType = loader.loadClass("de.bwaldvogel.mongo.MongoBackend");
      Object backend =
          loader
              .loadClass("de.bwaldvogel.mongo.backend.memory.MemoryBackend")
              .getConstructor()
              .newInstance();
      Class<?> serverType = loader.loadClass("de.bwaldvogel.mongo.MongoServer");
      Object server = serverType.getConstructor(backendType).newInstance(backend);
      serverType.getMethod("enableOplog").invoke(server);
      serverType.getMethod("bind", String.class, int.class).invoke(server, "127.0.0.1", 0);
      InetSocketAddress address =
          (InetSocketAddress) serverType.getMethod("getLocalAddress").invoke(server);
      return new InProcessMongoServer(own, server, address.getPort());
    } catch (InvocationTargetException e) {
      throw new IllegalStateException(
          "in-process MongoDB server: starting it failed: " + e.getCause(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "in-process MongoDB server: "
              + e
              + "; put de.bwaldvogel:mongo-java-server (and its memory backend) on the test class"
              + " path",
          e);
    }
  }

  /** The loopback port the server listens on. */
  public int port() {
    return port;
  }

  /** {@code mongodb://127.0.0.1:PORT/}, without options. */
  public String uri() {
    return "mongodb://127.0.0.1:" + port + "/";
  }

  /**
   * Stops the server at once, open connections included (a crash, as a test sees it); the same as
   * {@link #close()}.
   */
  public void kill() {
    close();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      server.getClass().getMethod("shutdownNow").invoke(server);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("in-process MongoDB server: stopping it failed: " + e, e);
    } finally {
      if (ownLoader != null) {
        try {
          ownLoader.close();
        } catch (IOException e) {
          // Only the jar handles of a test's class loader: nothing a test could act on.
        }
      }
    }
  }

  @Override
  public String toString() {
    return "in-process MongoDB server (mongo-java-server) on " + uri();
  }
}
