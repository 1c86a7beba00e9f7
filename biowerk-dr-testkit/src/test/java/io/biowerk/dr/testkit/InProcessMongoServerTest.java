package io.biowerk.dr.testkit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared MongoDB test server's refusals say what is missing; starting it for real is what the
 * MongoDB adapter's and the CLI's integration tests do.
 */
class InProcessMongoServerTest {

  @TempDir Path dir;

  @Test
  void aJarDirectoryWithoutJarsIsRefusedSayingWhereTheJarsComeFrom() {
    assertThatThrownBy(() -> InProcessMongoServer.startIsolated(dir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(dir + " holds no jars")
        .hasMessageContaining("run the test through Maven");
  }

  @Test
  void aClassLoaderWithoutTheServerIsRefusedNamingTheArtifactToAdd() throws Exception {
    try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
      assertThatThrownBy(() -> InProcessMongoServer.start(empty))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("de.bwaldvogel.mongo.MongoBackend")
          .hasMessageContaining("put de.bwaldvogel:mongo-java-server");
    }
  }
}
