package io.biowerk.dr.cli.serve;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.Sink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease that makes one orchestrator the only one running jobs against a repository: a small
 * JSON object at {@value #KEY} created with {@link Sink#putIfAbsent}, renewed by its holder, and
 * broken by another instance only when its holder has not renewed it for the lease's time to live.
 *
 * <p>Breaking a stale lease first claims {@code <key>.break-<token>} with {@code putIfAbsent},
 * where the token is the stale lease's own, so among instances that saw the same stale lease
 * exactly one breaks it; the winner reads the lease once more and deletes it only if it is still
 * that stale one. A holder that finds a different token on renewal has lost the lease (it stalled
 * past the time to live) and stops starting jobs. Staleness is judged with this instance's clock
 * against the holder's renewal time, so the hosts' clocks must agree to well within the time to
 * live.
 *
 * <p>Not thread-safe: the orchestrator's tick calls it from one thread.
 */
final class Lease {

  /** The lease object's key: outside the backup layout, so the catalog never lists or sweeps it. */
  static final String KEY = ".biowerk-dr/serve.lease";

  private static final Logger LOG = LoggerFactory.getLogger(Lease.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Sink sink;
  private final String repository;
  private final String owner;
  private final Duration ttl;
  private final Clock clock;
  private String token;
  private Instant renewedAt;

  Lease(Sink sink, String repository, String owner, Duration ttl, Clock clock) {
    this.sink = requireNonNull(sink, "sink");
    this.repository = requireNonNull(repository, "repository");
    this.owner = requireNonNull(owner, "owner");
    this.ttl = requireNonNull(ttl, "ttl");
    this.clock = requireNonNull(clock, "clock");
  }

  /** Whether this instance held the lease at its last {@link #maintain()}. */
  boolean held() {
    return token != null;
  }

  /** The repository, redacted, for logs and metrics. */
  String repository() {
    return repository;
  }

  /**
   * Takes, keeps or loses the lease: renews it when held and a third of its time to live has
   * passed, takes it when free, breaks it when stale.
   *
   * @return whether this instance holds the lease now
   * @throws IOException if the repository cannot be read or written; the lease counts as not held
   *     then
   */
  boolean maintain() throws IOException {
    Instant now = clock.instant();
    try {
      if (token != null) {
        return renew(now);
      }
      return acquire(now);
    } catch (IOException | RuntimeException e) {
      if (token != null) {
        LOG.warn("serve: lost the lease of {}: {}", repository, e.getMessage());
      }
      token = null;
      throw e;
    }
  }

  private boolean renew(Instant now) throws IOException {
    if (Duration.between(renewedAt, now).compareTo(ttl.dividedBy(3)) < 0) {
      return true;
    }
    JsonNode current = read();
    if (current == null || !token.equals(current.path("token").asText())) {
      LOG.warn(
          "serve: the lease of {} was taken over by {}; this instance stops starting jobs",
          repository,
          current == null ? "nobody (it was deleted)" : current.path("owner").asText());
      token = null;
      return current == null && acquire(now);
    }
    sink.put(KEY, document(token, now));
    renewedAt = now;
    return true;
  }

  private boolean acquire(Instant now) throws IOException {
    String fresh = UUID.randomUUID().toString();
    if (sink.putIfAbsent(KEY, document(fresh, now))) {
      take(fresh, now, null);
      return true;
    }
    JsonNode current = read();
    if (current == null) {
      return false; // released between the two calls: the next tick tries again
    }
    Instant renewed = Instant.parse(current.path("renewedAt").asText("1970-01-01T00:00:00Z"));
    Duration age = Duration.between(renewed, now);
    if (age.compareTo(ttl) <= 0) {
      return false;
    }
    String staleToken = current.path("token").asText();
    String breakKey = KEY + ".break-" + staleToken;
    if (!sink.putIfAbsent(breakKey, document(fresh, now))) {
      return false; // another instance is breaking it
    }
    try {
      JsonNode again = read();
      if (again == null || !staleToken.equals(again.path("token").asText())) {
        return false;
      }
      sink.delete(KEY);
      if (sink.putIfAbsent(KEY, document(fresh, now))) {
        take(fresh, now, current.path("owner").asText() + ", silent for " + age.toSeconds() + "s");
        return true;
      }
      return false;
    } finally {
      sink.delete(breakKey);
    }
  }

  private void take(String fresh, Instant now, String brokenFrom) {
    token = fresh;
    renewedAt = now;
    if (brokenFrom == null) {
      LOG.info("serve: holds the lease of {}", repository);
    } else {
      LOG.warn(
          "serve: broke the stale lease of {} (held by {}) and took it over",
          repository,
          brokenFrom);
    }
  }

  /** Gives the lease up, so another instance can take it at once (on a clean shutdown). */
  void release() {
    if (token == null) {
      return;
    }
    try {
      JsonNode current = read();
      if (current != null && token.equals(current.path("token").asText())) {
        sink.delete(KEY);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("serve: could not release the lease of {}: {}", repository, e.getMessage());
    }
    token = null;
  }

  /** The lease as stored, or null if there is none. */
  private JsonNode read() throws IOException {
    byte[] bytes;
    try {
      bytes = sink.get(KEY);
    } catch (ObjectNotFoundException e) {
      return null;
    }
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      // A damaged lease is not honoured: treated as one renewed at the epoch, so it is stale and
      // broken.
      Map<String, Object> stale = new LinkedHashMap<>();
      stale.put("owner", "unreadable lease");
      stale.put("token", "damaged-" + Integer.toHexString(Arrays.hashCode(bytes)));
      stale.put("renewedAt", Instant.EPOCH.toString());
      return JSON.valueToTree(stale);
    }
  }

  private byte[] document(String token, Instant now) throws IOException {
    Map<String, Object> lease = new LinkedHashMap<>();
    lease.put("owner", owner);
    lease.put("token", token);
    lease.put("renewedAt", now.toString());
    lease.put("expiresAt", now.plus(ttl).toString());
    return JSON.writeValueAsString(lease).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "Lease[" + repository + ", " + owner + (held() ? ", held" : "") + "]";
  }
}
