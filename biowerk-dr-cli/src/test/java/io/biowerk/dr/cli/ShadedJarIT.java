package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The runnable jar is how adapters join the command: every provider that any module on the
 * command's class path registers in {@code META-INF/services} must be in the shaded jar's merged
 * service files, or its URI scheme silently stops working there while it works in tests.
 */
class ShadedJarIT {

  static final String[] SERVICES = {
    "io.biowerk.dr.core.SourceProvider",
    "io.biowerk.dr.core.SinkProvider",
    "io.biowerk.dr.core.RestoreTargetProvider",
    "io.biowerk.dr.core.CodecProvider",
    "io.biowerk.dr.core.NativeVerifier"
  };

  @Test
  void everyModulesProvidersAreMergedIntoTheRunnableJar() throws Exception {
    Path jar = Path.of(System.getProperty("biowerk.jar", "target/biowerk-dr.jar"));
    assertThat(jar).isRegularFile();
    Map<String, TreeSet<String>> expected = new TreeMap<>();
    for (String service : SERVICES) {
      TreeSet<String> providers = new TreeSet<>();
      for (URL url :
          Collections.list(
              getClass().getClassLoader().getResources("META-INF/services/" + service))) {
        if (url.getPath().contains("/test-classes/")) {
          continue;
        }
        try (InputStream in = url.openStream()) {
          providers.addAll(lines(in));
        }
      }
      expected.put(service, providers);
    }
    assertThat(expected.get("io.biowerk.dr.core.SourceProvider"))
        .contains("io.biowerk.dr.core.files.FilesSourceProvider");

    Map<String, TreeSet<String>> shaded = new TreeMap<>();
    try (JarFile file = new JarFile(jar.toFile())) {
      assertThat(file.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo(Main.class.getName());
      for (String service : SERVICES) {
        JarEntry entry = file.getJarEntry("META-INF/services/" + service);
        TreeSet<String> providers = new TreeSet<>();
        if (entry != null) {
          try (InputStream in = file.getInputStream(entry)) {
            providers.addAll(lines(in));
          }
        }
        shaded.put(service, providers);
      }
      for (TreeSet<String> providers : shaded.values()) {
        for (String provider : providers) {
          assertThat(file.getJarEntry(provider.replace('.', '/') + ".class"))
              .as(provider)
              .isNotNull();
        }
      }
    }
    assertThat(shaded).isEqualTo(expected);
  }

  private static SortedSet<String> lines(InputStream in) throws IOException {
    TreeSet<String> lines = new TreeSet<>();
    for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1)) {
      String provider = line.replaceAll("#.*", "").strip();
      if (!provider.isEmpty()) {
        lines.add(provider);
      }
    }
    return lines;
  }
}
