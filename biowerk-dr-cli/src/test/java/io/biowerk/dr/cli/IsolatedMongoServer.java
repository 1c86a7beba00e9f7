package io.biowerk.dr.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * An in-process MongoDB server ({@code mongo-java-server}, memory backend, oplog enabled) on a
 * loopback port of its own, loaded in a class loader of its own from the jars the build copies to
 * {@code target/mongo-server} (system property {@code mongo.server.jars}): it needs netty 4.2,
 * while the CLI's storage adapters bring netty 4.1. Clients talk to it over the wire protocol.
 */
public final class IsolatedMongoServer implements AutoCloseable {

  private final URLClassLoader loader;
  private final Object server;
  private final int port;

  private IsolatedMongoServer(URLClassLoader loader, Object server, int port) {
    this.loader = loader;
    this.server = server;
    this.port = port;
  }

  /** Starts a server on a free loopback port. */
  public static IsolatedMongoServer start() throws Exception {
    String dir = System.getProperty("mongo.server.jars");
    if (dir == null || !Files.isDirectory(Path.of(dir))) {
      throw new IllegalStateException(
          "mongo.server.jars ("
              + dir
              + ") names no directory: run the test through Maven (failsafe), which copies the"
              + " server's jars to target/mongo-server");
    }
    List<Path> jars;
    try (Stream<Path> files = Files.list(Path.of(dir))) {
      jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
    }
    URL[] urls = new URL[jars.size()];
    for (int i = 0; i < urls.length; i++) {
      urls[i] = jars.get(i).toUri().toURL();
    }
    URLClassLoader loader = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
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
      return new IsolatedMongoServer(loader, server, address.getPort());
    } catch (Exception | Error e) {
      loader.close();
      throw e;
    }
  }

  /** {@code mongodb://127.0.0.1:PORT/?serverSelectionTimeoutMS=3000}. */
  public String uri() {
    return "mongodb://127.0.0.1:" + port + "/?serverSelectionTimeoutMS=3000";
  }

  @Override
  public void close() throws IOException {
    try {
      server.getClass().getMethod("shutdownNow").invoke(server);
    } catch (ReflectiveOperationException e) {
      throw new IOException("stopping the in-process MongoDB server failed: " + e, e);
    } finally {
      loader.close();
    }
  }
}
