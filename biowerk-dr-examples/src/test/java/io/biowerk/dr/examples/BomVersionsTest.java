package io.biowerk.dr.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The BOM manages the third-party libraries a user's build needs at the versions the project is
 * built and tested with: the BOM has no parent (it must not bring the parent's management into a
 * user's build), so its versions are written out, and this test keeps them equal to the parent's
 * properties.
 */
class BomVersionsTest {

  /** BOM artifact id -> the parent POM property that holds the version the build uses. */
  private static final Map<String, String> PROPERTIES =
      Map.of(
          "commons-compress", "commons-compress.version",
          "zstd-jni", "zstd-jni.version",
          "slf4j-api", "slf4j.version",
          "guava", "guava.version",
          "jackson-bom", "jackson.version");

  @Test
  void theBomManagesTheThirdPartyVersionsTheBuildUses() throws Exception {
    Path root = Path.of("..").toAbsolutePath().normalize();
    Document parent = parse(root.resolve("pom.xml"));
    Document bom = parse(root.resolve("biowerk-dr-bom/pom.xml"));
    Map<String, String> managed = new LinkedHashMap<>();
    NodeList dependencies = bom.getElementsByTagName("dependency");
    for (int i = 0; i < dependencies.getLength(); i++) {
      Element dependency = (Element) dependencies.item(i);
      managed.put(text(dependency, "artifactId"), text(dependency, "version"));
    }
    PROPERTIES.forEach(
        (artifact, property) ->
            assertThat(managed.get(artifact))
                .as("%s in biowerk-dr-bom/pom.xml, against ${%s} in pom.xml", artifact, property)
                .isEqualTo(
                    text((Element) parent.getElementsByTagName("properties").item(0), property)));
  }

  private static Document parse(Path pom) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
  }

  private static String text(Element element, String tag) {
    NodeList found = element.getElementsByTagName(tag);
    return found.getLength() == 0 ? null : found.item(0).getTextContent().strip();
  }
}
