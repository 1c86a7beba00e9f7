package io.biowerk.dr.redis;

import java.io.IOException;

/**
 * Receives what {@link RdbParser} finds, in stream order. Every method has an empty default, so a
 * visitor overrides only what it needs. Called on the parsing thread.
 */
public interface RdbVisitor {

  /** The RDB version from the {@code REDIS00NN} header. */
  default void header(int version) throws IOException {}

  /** An auxiliary field ({@code redis-ver}, {@code ctime}, {@code repl-id}...). */
  default void aux(String key, byte[] value) throws IOException {}

  /**
   * A function library ({@code FUNCTION2} record): its source code, as {@code FUNCTION LOAD} takes
   * it.
   */
  default void function(byte[] code) throws IOException {}

  /** The following keys belong to database {@code db}. */
  default void selectDb(int db) throws IOException {}

  /**
   * Whether {@link #key} should receive each key's {@code DUMP} payload (costs a copy of every
   * value).
   */
  default boolean wantsPayloads() {
    return false;
  }

  /**
   * Whether {@link #key} is wanted at all: a visitor that only needs the summary's counts says
   * false, and the parser then skips key names instead of copying them (a tenth of the parse time
   * on small keys).
   */
  default boolean wantsKeys() {
    return true;
  }

  /** A visitor that needs nothing but the {@link RdbSummary}. */
  RdbVisitor SUMMARY_ONLY =
      new RdbVisitor() {
        @Override
        public boolean wantsKeys() {
          return false;
        }
      };

  /** One key. */
  default void key(RdbKey key) throws IOException {}
}
