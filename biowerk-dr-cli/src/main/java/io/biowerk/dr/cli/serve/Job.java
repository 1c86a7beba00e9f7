package io.biowerk.dr.cli.serve;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One job of the orchestrator (a backup with its prune, a verification, a restore test), as {@code
 * GET /jobs/{id}} shows it: queued, running, then succeeded or failed with its result or error.
 * Thread-safe: the worker thread writes it, the HTTP threads read it.
 */
public final class Job {

  /** What a job does. */
  public enum Kind {
    BACKUP("backup"),
    VERIFY("verify"),
    RESTORE_TEST("restore-test"),
    DRILL("drill"),
    KEY_REMINDER("key-reminder");

    private final String id;

    Kind(String id) {
      this.id = id;
    }

    /** The name used in the API, logs and metrics. */
    public String id() {
      return id;
    }
  }

  /** Where a job is in its life. */
  public enum State {
    QUEUED,
    RUNNING,
    SUCCEEDED,
    FAILED;

    boolean finished() {
      return this == SUCCEEDED || this == FAILED;
    }
  }

  private final String id;
  private final Kind kind;
  private final String source;
  private final String trigger;
  private final Map<String, String> options;
  private final Instant queuedAt;
  private final CountDownLatch done = new CountDownLatch(1);
  private State state = State.QUEUED;
  private Instant startedAt;
  private Instant finishedAt;
  private int attempts;
  private Map<String, Object> result;
  private String error;

  Job(
      String id,
      Kind kind,
      String source,
      String trigger,
      Map<String, String> options,
      Instant queuedAt) {
    this.id = requireNonNull(id, "id");
    this.kind = requireNonNull(kind, "kind");
    this.source = requireNonNull(source, "source");
    this.trigger = requireNonNull(trigger, "trigger");
    this.options = Map.copyOf(options);
    this.queuedAt = requireNonNull(queuedAt, "queuedAt");
  }

  public String id() {
    return id;
  }

  public Kind kind() {
    return kind;
  }

  public String source() {
    return source;
  }

  /** Why it runs: {@code schedule}, {@code catch-up}, {@code api}. */
  public String trigger() {
    return trigger;
  }

  /** Options of a verification (level, native verifier options). */
  Map<String, String> options() {
    return options;
  }

  public synchronized State state() {
    return state;
  }

  public synchronized String error() {
    return error;
  }

  public synchronized Map<String, Object> result() {
    return result;
  }

  synchronized void started(Instant at) {
    state = State.RUNNING;
    startedAt = at;
  }

  synchronized void attempt() {
    attempts++;
  }

  synchronized void succeeded(Instant at, Map<String, Object> result) {
    this.result = result;
    finish(State.SUCCEEDED, at);
  }

  synchronized void failed(Instant at, String error, Map<String, Object> result) {
    this.error = error;
    this.result = result;
    finish(State.FAILED, at);
  }

  private void finish(State state, Instant at) {
    this.state = state;
    this.finishedAt = at;
    done.countDown();
  }

  /**
   * Waits until the job has finished.
   *
   * @return whether it finished within {@code millis}
   */
  public boolean await(long millis) throws InterruptedException {
    return done.await(millis, TimeUnit.MILLISECONDS);
  }

  /** The job as JSON-compatible values. */
  public synchronized Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("id", id);
    map.put("kind", kind.id());
    map.put("source", source);
    map.put("trigger", trigger);
    map.put("state", state.name().toLowerCase(java.util.Locale.ROOT));
    map.put("queuedAt", queuedAt.toString());
    map.put("startedAt", startedAt == null ? null : startedAt.toString());
    map.put("finishedAt", finishedAt == null ? null : finishedAt.toString());
    map.put("attempts", attempts);
    map.put("error", error);
    map.put("result", result);
    return map;
  }

  @Override
  public synchronized String toString() {
    return "Job[" + id + " " + kind.id() + " " + source + " " + state + "]";
  }
}
