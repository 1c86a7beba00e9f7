package io.biowerk.dr.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.files.FilesSource;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An old commons-compress on a user's class path fails a files backup with a message naming the
 * library and the version needed (it used to be a NoSuchMethodError and a hint to check file
 * permissions).
 */
class LibraryVersionTest {

  @TempDir Path dir;

  @Test
  void theFilesSourceNamesTheOldCommonsCompressAndTheVersionNeeded() throws Exception {
    Path old = Path.of("target/old-libs/commons-compress-1.23.0.jar");
    assertThat(old).as("copied by the core pom's maven-dependency-plugin").exists();
    List<URL> urls = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator, -1)) {
      if (!entry.contains("commons-compress")) {
        urls.add(Path.of(entry).toUri().toURL());
      }
    }
    urls.add(old.toUri().toURL());
    Path tree = Files.createDirectories(dir.resolve("tree"));
    Files.writeString(tree.resolve("f"), "x");
    // A loader of its own, with the platform loader as parent: core and commons-compress 1.23 as a
    // user's build would put them together.
    try (URLClassLoader loader =
        new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
      Class<?> files = loader.loadClass(FilesSource.class.getName());
      Object source = files.getMethod("of", Path.class, String.class).invoke(null, tree, "t");
      Throwable thrown = null;
      try {
        Object stream = files.getMethod("open").invoke(source);
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        Class<?> channel = loader.loadClass(SourceStream.class.getName());
        while ((int) channel.getMethod("read", ByteBuffer.class).invoke(stream, buffer) >= 0) {
          buffer.clear();
        }
        channel.getMethod("close").invoke(stream);
      } catch (InvocationTargetException e) {
        thrown = e.getCause();
      }
      assertThat(thrown).isNotNull();
      assertThat(thrown.getClass().getName()).isEqualTo(LibraryVersionException.class.getName());
      assertThat(thrown.getClass().getClassLoader()).isSameAs(loader);
      assertThat(thrown)
          .hasMessage(
              "files: org.apache.commons:commons-compress 1.23.0 is on the class path, but BIOwerk"
                  + " DR needs 1.26.0 or newer; manage its version in your build (importing"
                  + " io.biowerk:biowerk-dr-bom does) or remove the older copy (mvn"
                  + " dependency:tree -Dincludes=org.apache.commons:commons-compress shows who"
                  + " brings it)");
    }
  }

  @Test
  void theAccessorsSayWhatWasFoundAndWhatIsNeeded() {
    LibraryVersionException e =
        new LibraryVersionException("files", "org.example:lib", "1.0", "2.0");
    assertThat(e.library()).isEqualTo("org.example:lib");
    assertThat(e.found()).isEqualTo("1.0");
    assertThat(e.needed()).isEqualTo("2.0");
    assertThat(e).hasMessageStartingWith("files: org.example:lib 1.0 is on the class path");
  }
}
