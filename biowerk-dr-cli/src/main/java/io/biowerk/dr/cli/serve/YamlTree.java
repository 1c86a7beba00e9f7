package io.biowerk.dr.cli.serve;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A YAML document read into maps, lists and scalars that remember their line and dotted key path,
 * so that every configuration error can name both. Read with Jackson's YAML parser (SnakeYAML
 * underneath); duplicate keys are refused rather than silently overwritten.
 */
final class YamlTree {

  private YamlTree() {}

  /** A value in the document. */
  sealed interface Node permits MapNode, ListNode, Scalar {
    /**
     * The dotted key path ({@code sources.orders.backup}; list items as {@code repositories[0]}).
     */
    String path();

    /** The 1-based line the value starts on. */
    int line();

    /** What this node is, for messages. */
    String describe();
  }

  /** A mapping, in document order. */
  record MapNode(String path, int line, Map<String, Node> entries, Map<String, Integer> keyLines)
      implements Node {
    @Override
    public String describe() {
      return "a mapping";
    }

    Optional<Node> get(String key) {
      return Optional.ofNullable(entries.get(key));
    }
  }

  /** A sequence. */
  record ListNode(String path, int line, List<Node> items) implements Node {
    @Override
    public String describe() {
      return "a list";
    }
  }

  /** A scalar; {@code text} is null for YAML's null ({@code ~} or nothing). */
  record Scalar(String path, int line, String text) implements Node {
    @Override
    public String describe() {
      return text == null ? "nothing (null)" : "'" + text + "'";
    }
  }

  /**
   * Reads {@code file}.
   *
   * @throws ConfigException if it is not well-formed YAML, is empty, or repeats a key
   * @throws IOException if it cannot be read
   */
  static MapNode read(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        JsonParser parser = new YAMLFactory().createParser(reader)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        throw new ConfigException(
            file, 0, "", "the file is empty; see deploy/biowerk-dr.yml for an example");
      }
      Node root = read(file, parser, "");
      if (!(root instanceof MapNode map)) {
        throw new ConfigException(
            file,
            root.line(),
            "",
            "the document must be a mapping of settings"
                + " (server, repositories, keys, defaults, sources), not "
                + root.describe());
      }
      return map;
    } catch (JsonProcessingException e) {
      JsonLocation location = e.getLocation();
      throw new ConfigException(
          file,
          location == null ? 0 : location.getLineNr(),
          "",
          "not well-formed YAML: " + e.getOriginalMessage().lines().findFirst().orElse("").strip());
    }
  }

  private static Node read(Path file, JsonParser parser, String path) throws IOException {
    JsonToken token = parser.currentToken();
    int line = parser.currentTokenLocation().getLineNr();
    switch (token) {
      case START_OBJECT -> {
        Map<String, Node> entries = new LinkedHashMap<>();
        Map<String, Integer> keyLines = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String key = parser.currentName();
          int keyLine = parser.currentTokenLocation().getLineNr();
          String childPath = path.isEmpty() ? key : path + "." + key;
          if (entries.containsKey(key)) {
            throw new ConfigException(
                file,
                keyLine,
                childPath,
                "the key appears twice in the same mapping;"
                    + " keep one (the first is on line "
                    + keyLines.get(key)
                    + ")");
          }
          parser.nextToken();
          entries.put(key, read(file, parser, childPath));
          keyLines.put(key, keyLine);
        }
        return new MapNode(
            path,
            line,
            Collections.unmodifiableMap(entries),
            Collections.unmodifiableMap(keyLines));
      }
      case START_ARRAY -> {
        List<Node> items = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          items.add(read(file, parser, path + "[" + items.size() + "]"));
        }
        return new ListNode(path, line, List.copyOf(items));
      }
      case VALUE_NULL -> {
        return new Scalar(path, line, null);
      }
      default -> {
        return new Scalar(path, line, parser.getText());
      }
    }
  }

  /** The keys of {@code map} that are not in {@code known}, refused with the list of known keys. */
  static void checkKeys(Path file, MapNode map, Set<String> known) throws ConfigException {
    for (Map.Entry<String, Node> entry : map.entries().entrySet()) {
      if (!known.contains(entry.getKey())) {
        throw new ConfigException(
            file,
            map.keyLines().get(entry.getKey()),
            entry.getValue().path(),
            "unknown key; expected one of: " + String.join(", ", new TreeSet<>(known)));
      }
    }
  }
}
