package io.biowerk.dr.postgres;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Qualified table names as the manifest records them ({@code public.orders}, {@code "Mixed
 * Case".t}, the form {@code quote_ident} gives), and psql-style name patterns as pg_dump's {@code
 * -n}/{@code -t} take them.
 */
final class PgNames {

  private PgNames() {}

  /** A schema and a relation name, unquoted. */
  record Qualified(String schema, String name) {}

  /** Splits {@code schema.name} in quote_ident form into its two unquoted parts. */
  static Qualified parse(String qualified) {
    List<String> parts = split(qualified);
    checkArgument(parts.size() == 2, "postgresql: table name (%s) is not schema.table", qualified);
    return new Qualified(parts.get(0), parts.get(1));
  }

  /** Splits on dots outside double quotes, unquoting; unquoted parts are kept as written. */
  private static List<String> split(String text) {
    List<String> parts = new ArrayList<>();
    StringBuilder part = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"') {
        if (quoted && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          part.append('"');
          i++;
        } else {
          quoted = !quoted;
        }
      } else if (c == '.' && !quoted) {
        parts.add(part.toString());
        part.setLength(0);
      } else {
        part.append(c);
      }
    }
    parts.add(part.toString());
    return parts;
  }

  /** Quotes an identifier for SQL, always (safe for any name). */
  static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  /**
   * A psql name pattern: {@code *} matches any run, {@code ?} one character, unquoted letters are
   * folded to lower case, double quotes keep case and make the specials literal, and a dot
   * separates schema from name.
   */
  static final class NamePattern {
    private final Pattern schema;
    private final Pattern name;

    private NamePattern(Pattern schema, Pattern name) {
      this.schema = schema;
      this.name = name;
    }

    /** A pattern for a schema name alone ({@code -n}). */
    static NamePattern schema(String pattern) {
      return new NamePattern(null, toRegex(pattern));
    }

    /** A pattern for a table name, optionally schema-qualified ({@code -t}). */
    static NamePattern table(String pattern) {
      int dot = unquotedDot(pattern);
      if (dot < 0) {
        return new NamePattern(null, toRegex(pattern));
      }
      return new NamePattern(
          toRegex(pattern.substring(0, dot)), toRegex(pattern.substring(dot + 1)));
    }

    boolean matchesSchema(String schemaName) {
      return name.matcher(schemaName).matches();
    }

    /**
     * Whether the table matches. An unqualified pattern matches tables in the schemas of the
     * default search path ({@code public} and the one named as the user), as pg_dump's visibility
     * rule does there.
     */
    boolean matchesTable(String schemaName, String tableName, String user) {
      if (schema == null) {
        return (schemaName.equals("public") || schemaName.equals(user))
            && name.matcher(tableName).matches();
      }
      return schema.matcher(schemaName).matches() && name.matcher(tableName).matches();
    }

    private static int unquotedDot(String pattern) {
      boolean quoted = false;
      for (int i = 0; i < pattern.length(); i++) {
        char c = pattern.charAt(i);
        if (c == '"') {
          quoted = !quoted;
        } else if (c == '.' && !quoted) {
          return i;
        }
      }
      return -1;
    }

    private static Pattern toRegex(String pattern) {
      StringBuilder regex = new StringBuilder();
      boolean quoted = false;
      for (int i = 0; i < pattern.length(); i++) {
        char c = pattern.charAt(i);
        if (c == '"') {
          if (quoted && i + 1 < pattern.length() && pattern.charAt(i + 1) == '"') {
            regex.append(Pattern.quote("\""));
            i++;
          } else {
            quoted = !quoted;
          }
        } else if (!quoted && c == '*') {
          regex.append(".*");
        } else if (!quoted && c == '?') {
          regex.append('.');
        } else {
          String literal = quoted ? String.valueOf(c) : String.valueOf(c).toLowerCase(Locale.ROOT);
          regex.append(Pattern.quote(literal));
        }
      }
      return Pattern.compile(regex.toString());
    }
  }
}
