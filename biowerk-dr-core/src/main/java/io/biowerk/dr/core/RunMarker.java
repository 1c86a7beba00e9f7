package io.biowerk.dr.core;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.biowerk.dr.core.internal.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The body of a backup run's in-progress marker ({@code <source>/.in-progress/<id>}): the run's id,
 * when it started, the host and process that own it, and a lease the run renews while it works.
 * From it a later run tells at once that the owner is dead: on the same host, its process is gone;
 * anywhere, its lease ran out. A dead run's marker no longer freezes retention, and what it left is
 * removed by the next backup or {@code prune}.
 *
 * <p>Stateless; the host name is looked up once.
 */
public final class RunMarker {

  /** How long a marker's lease lasts; a run renews it every {@link #RENEW_EVERY}. */
  public static final Duration LEASE = Duration.ofMinutes(5);

  /** How often a running backup renews its marker's lease. */
  public static final Duration RENEW_EVERY = Duration.ofMinutes(1);

  /**
   * The field of a prune's marker that lists the ids of the backups it deletes; a marker with it is
   * a prune's, not a backup's.
   */
  public static final String DELETES = "deletes";

  private static volatile String host;

  private RunMarker() {}

  /**
   * {@code {"host":...,"id":...,"leaseUntil":...,"pid":...,"startedAt":...}}: keys sorted, compact,
   * owned by this process, with a lease of {@link #LEASE} from {@code now}.
   */
  public static byte[] body(String id, Instant startedAt, Instant now) throws IOException {
    TreeMap<String, Object> body = new TreeMap<>();
    body.put("host", localHost());
    body.put("id", requireNonNull(id, "id"));
    body.put("leaseUntil", now.plus(LEASE).toString());
    body.put("pid", ProcessHandle.current().pid());
    body.put("startedAt", startedAt.toString());
    return Json.compact(body);
  }

  /**
   * The marker of a prune run ({@code <source>/.in-progress/<pruneId>}), written once before it
   * deletes anything: the same owner identity and lease as {@link #body}, and {@value #DELETES},
   * the ids of the backups of that source it is about to delete. It holds nothing busy; once its
   * owner is dead, what is left of those backups (their manifests already gone) is removed by the
   * next prune or backup at once instead of after the 24 h grace. It is not renewed, so the
   * repository's time of the marker object stays the time it was written: only objects written
   * before it are taken for the prune's leftovers.
   */
  public static byte[] pruneBody(String id, Instant startedAt, List<String> deletes)
      throws IOException {
    TreeMap<String, Object> body = new TreeMap<>();
    body.put(DELETES, List.copyOf(deletes));
    body.put("host", localHost());
    body.put("id", requireNonNull(id, "id"));
    body.put("leaseUntil", startedAt.plus(LEASE).toString());
    body.put("pid", ProcessHandle.current().pid());
    body.put("startedAt", startedAt.toString());
    return Json.compact(body);
  }

  /**
   * Why the run that wrote marker {@code body} is dead at {@code now}, or empty if it may be alive:
   * its process on this host is gone, or its lease ran out. A marker without host, pid or lease (an
   * older biowerk-dr) says nothing here; the catalog's age limit still applies to it.
   */
  // "exports": the JsonNode parameter serves core's Catalog, which parsed the marker already; core
  // does not re-export Jackson on purpose (issue 12), and no caller outside core needs this method.
  @SuppressWarnings("exports")
  public static Optional<String> deadOwner(JsonNode body, Instant now) {
    if (body == null || !body.isObject()) {
      return Optional.empty();
    }
    if (body.path("host").asText("").equals(localHost()) && body.path("pid").canConvertToLong()) {
      long pid = body.get("pid").asLong();
      boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
      if (!alive) {
        return Optional.of("its process " + pid + " on this host (" + localHost() + ") is gone");
      }
      return Optional.empty();
    }
    if (body.hasNonNull("leaseUntil")) {
      try {
        Instant until = Instant.parse(body.get("leaseUntil").asText());
        if (until.isBefore(now)) {
          return Optional.of(
              "its lease ran out at "
                  + until
                  + " (owner "
                  + body.path("host").asText("?")
                  + " pid "
                  + body.path("pid").asText("?")
                  + ")");
        }
      } catch (DateTimeParseException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /** Work that renews a lease. */
  @FunctionalInterface
  public interface Renewal {
    /** Rewrites the markers with a fresh lease. */
    void renew() throws IOException;
  }

  /**
   * Runs {@code renewal} every {@link #RENEW_EVERY} on a daemon thread until {@link #stop} is
   * called with the returned executor. A renewal that fails is logged by nobody and retried at the
   * next tick: the lease is long enough to miss a few.
   */
  public static java.util.concurrent.ScheduledExecutorService renewing(Renewal renewal) {
    java.util.concurrent.ScheduledExecutorService timer =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "biowerk-dr-lease");
              thread.setDaemon(true);
              return thread;
            });
    long every = RENEW_EVERY.toMillis();
    // The task catches its own failures; the caller stops the timer. The future adds nothing.
    var unused =
        timer.scheduleWithFixedDelay(
            () -> {
              try {
                renewal.renew();
              } catch (IOException | RuntimeException e) {
                // The next tick tries again; a lease outlives several missed renewals.
              }
            },
            every,
            every,
            java.util.concurrent.TimeUnit.MILLISECONDS);
    return timer;
  }

  /**
   * Stops renewing and waits for a renewal in flight, so that no renewal re-creates a marker after
   * it is deleted.
   */
  public static void stop(java.util.concurrent.ScheduledExecutorService timer) {
    timer.shutdown();
    boolean interrupted = false;
    try {
      while (true) {
        try {
          if (timer.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)) {
            return;
          }
          timer.shutdownNow();
        } catch (InterruptedException e) {
          interrupted = true;
          timer.shutdownNow();
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** This machine's host name, or {@code localhost} if it cannot be found. */
  public static String localHost() {
    String name = host;
    if (name == null) {
      try {
        name = InetAddress.getLocalHost().getHostName();
      } catch (IOException | RuntimeException e) {
        name = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("localhost");
      }
      host = name;
    }
    return name;
  }
}
