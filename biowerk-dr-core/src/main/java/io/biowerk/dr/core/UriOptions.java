package io.biowerk.dr.core;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The options an adapter reads from the query of its URI ({@code s3://b/p?region=eu-west-1&
 * path-style}), parsed by the one grammar every adapter shares.
 *
 * <p>The grammar:
 *
 * <ul>
 *   <li>The raw query is split on {@code &}; empty pieces ({@code a=1&&b=2}) are skipped.
 *   <li>Each piece is {@code name=value} or a bare {@code name}; a bare name means {@code "true"}
 *       ({@code ?path-style} is {@code path-style=true}). {@code name=} is the empty string.
 *   <li>Names and values are percent-decoded as UTF-8 (RFC 3986): {@code +} is a plus, not a space
 *       (write a space as {@code %20}). A malformed escape or bytes that are not UTF-8 are refused.
 *   <li>Names are case-insensitive: they are lower-cased (ASCII) before anything else.
 *   <li>A name the adapter does not know is refused, and the message lists the ones it knows. A
 *       name given twice is refused unless the adapter declared it {@linkplain Spec#repeatable
 *       repeatable} ({@code table=a&table=b}).
 * </ul>
 *
 * <p>Values of names declared {@linkplain Spec#secret secret} never appear in {@link #toString()}
 * or in a message. Use {@link #spec(String)} to declare what an adapter accepts, then {@link
 * Spec#parse(URI)}. Immutable and thread-safe.
 */
public final class UriOptions {

  private final Spec spec;
  private final Map<String, List<String>> values;

  private UriOptions(Spec spec, Map<String, List<String>> values) {
    this.spec = spec;
    this.values = values;
  }

  /**
   * Starts declaring the options of {@code component}, which prefixes every message ({@code "s3
   * sink"} gives {@code "s3 sink: unknown option 'x' ..."}).
   */
  public static Spec spec(String component) {
    checkArgument(
        component != null && !component.isBlank(), "component (%s) may not be blank", component);
    return new Spec(component);
  }

  /**
   * The declaration of which options an adapter accepts: a builder until {@link #parse} is first
   * called. Not thread-safe while being built; share it (as a constant) only once built.
   */
  public static final class Spec {
    private final String component;
    private final TreeSet<String> known = new TreeSet<>();
    private final TreeSet<String> repeatable = new TreeSet<>();
    private final TreeSet<String> secret = new TreeSet<>();
    private final Map<String, String> refused = new TreeMap<>();

    private Spec(String component) {
      this.component = component;
    }

    /** Accepts {@code names}, each at most once. */
    public Spec known(String... names) {
      for (String name : names) {
        known.add(normalise(name));
      }
      return this;
    }

    /** Accepts {@code names}, each any number of times ({@link UriOptions#all}). */
    public Spec repeatable(String... names) {
      for (String name : names) {
        known.add(normalise(name));
        repeatable.add(normalise(name));
      }
      return this;
    }

    /** Accepts {@code names} once each and keeps their values out of every text. */
    public Spec secret(String... names) {
      for (String name : names) {
        known.add(normalise(name));
        secret.add(normalise(name));
      }
      return this;
    }

    /**
     * Refuses {@code name} with {@code why} instead of the generic "unknown option" message: {@code
     * refuse("password", "a password in the query ends up in logs; use PGPASSWORD")}. The value is
     * never shown.
     */
    public Spec refuse(String name, String why) {
      refused.put(normalise(name), requireNonNull(why, "why"));
      return this;
    }

    /** The names this spec accepts, sorted. */
    public Set<String> names() {
      return Collections.unmodifiableSet(known);
    }

    /**
     * Parses the query of {@code uri}.
     *
     * @throws IllegalArgumentException if an option is unknown, refused, given twice, or not
     *     well-formed; the message starts with the component and lists the known options
     */
    public UriOptions parse(URI uri) {
      return parseQuery(requireNonNull(uri, "uri").getRawQuery());
    }

    /**
     * Parses a raw (still percent-encoded) query, without the {@code ?}; null or empty for none.
     *
     * @throws IllegalArgumentException as {@link #parse(URI)}
     */
    public UriOptions parseQuery(String rawQuery) {
      Map<String, List<String>> values = new LinkedHashMap<>();
      if (rawQuery != null && !rawQuery.isEmpty()) {
        for (String piece : rawQuery.split("&", -1)) {
          if (piece.isEmpty()) {
            continue;
          }
          int eq = piece.indexOf('=');
          String name = normalise(decode(eq < 0 ? piece : piece.substring(0, eq), "option name"));
          checkArgument(
              !name.isEmpty(), "%s: an option has a value but no name ('=...')", component);
          if (refused.containsKey(name)) {
            throw new IllegalArgumentException(
                component + ": option '" + name + "' is refused: " + refused.get(name));
          }
          checkArgument(
              known.contains(name),
              "%s: unknown option '%s'; known options: %s",
              component,
              name,
              known.isEmpty() ? "none" : String.join(", ", known));
          String value = eq < 0 ? "true" : decode(piece.substring(eq + 1), "value of " + name);
          List<String> list = values.computeIfAbsent(name, n -> new ArrayList<>());
          checkArgument(
              list.isEmpty() || repeatable.contains(name),
              "%s: option '%s' is given twice; give it once",
              component,
              name);
          list.add(value);
        }
      }
      Map<String, List<String>> frozen = new LinkedHashMap<>();
      values.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
      return new UriOptions(this, Collections.unmodifiableMap(frozen));
    }

    private String decode(String raw, String what) {
      try {
        return UriOptions.decode(raw);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            component
                + ": "
                + what
                + " is not well-formed percent-encoded UTF-8: "
                + e.getMessage(),
            e);
      }
    }

    private static String normalise(String name) {
      return requireNonNull(name, "name").toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Percent-decodes {@code raw} as UTF-8 by RFC 3986: {@code %41} is {@code A}, {@code +} stays a
   * plus. Adapters use it for the other parts of their URI too (user info, path segments).
   *
   * @throws IllegalArgumentException if an escape is malformed or the bytes are not UTF-8
   */
  public static String decode(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        checkArgument(i + 2 < raw.length(), "'%' at index %s needs two hex digits", i);
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        checkArgument(hi >= 0 && lo >= 0, "'%' at index %s needs two hex digits", i);
        out.write(hi << 4 | lo);
        i += 2;
      } else {
        out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(out.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("the decoded bytes are not UTF-8", e);
    }
  }

  /** Whether the option was given. */
  public boolean has(String name) {
    return values.containsKey(checkKnown(name));
  }

  /**
   * The option's value, if given.
   *
   * @throws IllegalArgumentException if {@code name} is not declared in the spec (a programmer
   *     error)
   */
  public Optional<String> get(String name) {
    List<String> list = values.get(checkKnown(name));
    return list == null ? Optional.empty() : Optional.of(list.get(0));
  }

  /** The option's value, or {@code fallback} if it was not given. */
  public String get(String name, String fallback) {
    return get(name).orElse(fallback);
  }

  /** Every value of a repeatable option in the order given; empty if it was not given. */
  public List<String> all(String name) {
    return values.getOrDefault(checkKnown(name), List.of());
  }

  /**
   * A boolean option: {@code true} or {@code false} (any case), a bare name being {@code true}.
   *
   * @throws IllegalArgumentException if the value is neither
   */
  public boolean flag(String name, boolean fallback) {
    Optional<String> value = get(name);
    if (value.isEmpty()) {
      return fallback;
    }
    String v = value.get();
    if (v.equalsIgnoreCase("true")) {
      return true;
    }
    if (v.equalsIgnoreCase("false")) {
      return false;
    }
    throw new IllegalArgumentException(
        spec.component
            + ": option '"
            + name
            + "' must be true or false, not '"
            + shown(name, v)
            + "'");
  }

  /**
   * An integer option.
   *
   * @throws IllegalArgumentException if the value is not an integer
   */
  public long integer(String name, long fallback) {
    Optional<String> value = get(name);
    if (value.isEmpty()) {
      return fallback;
    }
    try {
      return Long.parseLong(value.get().trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          spec.component
              + ": option '"
              + name
              + "' must be an integer, not '"
              + shown(name, value.get())
              + "'",
          e);
    }
  }

  /** The names given, in the order first given. */
  public Set<String> names() {
    return Collections.unmodifiableSet(values.keySet());
  }

  /** The options as a map of each name to its first value, in the order given. */
  public Map<String, String> asMap() {
    Map<String, String> map = new LinkedHashMap<>();
    values.forEach((k, v) -> map.put(k, v.get(0)));
    return Collections.unmodifiableMap(map);
  }

  /** Whether no option was given. */
  public boolean isEmpty() {
    return values.isEmpty();
  }

  private String checkKnown(String name) {
    String n = requireNonNull(name, "name").toLowerCase(Locale.ROOT);
    checkArgument(
        spec.known.contains(n), "option '%s' is not declared in the spec of %s", n, spec.component);
    return n;
  }

  private String shown(String name, String value) {
    return spec.secret.contains(name.toLowerCase(Locale.ROOT)) ? "***" : value;
  }

  /** The options as a query, secret values replaced by {@code ***}: {@code region=eu&token=***}. */
  @Override
  public String toString() {
    StringBuilder text = new StringBuilder();
    values.forEach(
        (name, list) -> {
          for (String value : list) {
            if (text.length() > 0) {
              text.append('&');
            }
            text.append(name).append('=').append(shown(name, value));
          }
        });
    return text.toString();
  }
}
