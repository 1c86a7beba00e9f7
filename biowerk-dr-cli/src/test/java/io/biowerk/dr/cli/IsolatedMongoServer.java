package io.biowerk.dr.cli;

import io.biowerk.dr.testkit.InProcessMongoServer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CLI tests' in-process MongoDB server: the test kit's {@link InProcessMongoServer} (the set-up
 * the MongoDB adapter's tests use too), loaded in a class loader of its own from the jars the build
 * copies to {@code target/mongo-server} (system property {@code mongo.server.jars}): it needs netty
 * 4.2, while the CLI's storage adapters bring netty 4.1. Clients talk to it over the wire protocol.
 */
public final class IsolatedMongoServer implements AutoCloseable {

  private final InProcessMongoServer server;

  private IsolatedMongoServer(InProcessMongoServer server) {
    this.server = server;
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
    return new IsolatedMongoServer(InProcessMongoServer.startIsolated(Path.of(dir)));
  }

  /** {@code mongodb://127.0.0.1:PORT/?serverSelectionTimeoutMS=3000}. */
  public String uri() {
    return server.uri() + "?serverSelectionTimeoutMS=3000";
  }

  @Override
  public void close() {
    server.close();
  }
}
