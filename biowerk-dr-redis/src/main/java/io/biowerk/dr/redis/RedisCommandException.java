package io.biowerk.dr.redis;

import java.io.IOException;

/**
 * A Redis server answered a command with an error reply ({@code -ERR ...}, {@code -WRONGPASS ...}):
 * the connection is fine, the server refused what was asked.
 */
public class RedisCommandException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String reply;

  public RedisCommandException(String message, String reply) {
    super(message);
    this.reply = reply;
  }

  /** The server's error reply, without the leading {@code -}. */
  public String reply() {
    return reply;
  }
}
