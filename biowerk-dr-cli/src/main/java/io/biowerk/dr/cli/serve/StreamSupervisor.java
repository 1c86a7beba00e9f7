package io.biowerk.dr.cli.serve;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.cli.serve.ServeConfig.StreamConfig;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogReceiver;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the continuous log streams of {@code serve} (the WAL receiver, the oplog archiver): one
 * thread per stream whose {@code run} is set, each running its {@link LogReceiver} into the log's
 * archive. A receiver that throws, or returns without being stopped, is opened and run again after
 * {@code restart-backoff}, doubled for each failure in a row up to {@code max-backoff}; a receiver
 * that ran longer than {@code max-backoff} before it failed starts over from {@code
 * restart-backoff}. The orchestrator starts the streams while it holds the repository leases and
 * stops them when it loses them or shuts down, so two instances never archive the same log.
 * Thread-safe.
 */
final class StreamSupervisor {

  /** Opens what a stream needs; the orchestrator's does it from the configuration. */
  interface Opener {
    /** A new receiver of the stream's log. */
    LogReceiver receiver(StreamConfig stream) throws IOException;

    /** The archive the receiver writes. */
    LogArchive archive(StreamConfig stream) throws IOException;
  }

  private static final Logger LOG = LoggerFactory.getLogger(StreamSupervisor.class);

  private final List<Runner> runners = new ArrayList<>();
  private final Opener opener;
  private final ServeMetrics metrics;
  private final Clock clock;

  StreamSupervisor(List<StreamConfig> streams, Opener opener, ServeMetrics metrics, Clock clock) {
    this.opener = requireNonNull(opener, "opener");
    this.metrics = requireNonNull(metrics, "metrics");
    this.clock = requireNonNull(clock, "clock");
    for (StreamConfig stream : streams) {
      if (stream.run()) {
        runners.add(new Runner(stream));
      }
    }
  }

  /** Starts every stream not running yet. */
  synchronized void start() {
    for (Runner runner : runners) {
      runner.start();
    }
  }

  /**
   * Stops every stream: closes its receiver, interrupts its thread and waits up to {@code bound}
   * for all of them.
   *
   * @return whether every stream thread ended within {@code bound}
   */
  synchronized boolean stop(Duration bound) {
    for (Runner runner : runners) {
      runner.requestStop();
    }
    long end = System.nanoTime() + bound.toNanos();
    boolean all = true;
    for (Runner runner : runners) {
      all &= runner.join(Math.max(1, (end - System.nanoTime()) / 1_000_000));
    }
    return all;
  }

  /** Each stream the service runs: state, since when, restarts, next backoff and last error. */
  List<Map<String, Object>> status() {
    List<Map<String, Object>> result = new ArrayList<>();
    for (Runner runner : runners) {
      result.add(runner.status());
    }
    return result;
  }

  /** One stream's thread and state. */
  private final class Runner implements Runnable {
    private final StreamConfig stream;
    private final Object lock = new Object();

    // Guarded by lock.
    private Thread thread;
    private boolean stopping;
    private LogReceiver receiver;
    private String state = "stopped";
    private Instant since;
    private int restarts;
    private String lastError;
    private Instant lastErrorAt;
    private Duration backoff;

    Runner(StreamConfig stream) {
      this.stream = stream;
      this.backoff = stream.restartBackoff();
      this.since = clock.instant();
    }

    void start() {
      synchronized (lock) {
        if (thread != null && thread.isAlive()) {
          return;
        }
        stopping = false;
        backoff = stream.restartBackoff();
        thread = new Thread(this, "biowerk-dr-stream-" + stream.source() + "-" + stream.log());
        thread.setDaemon(true);
        set("starting");
        thread.start();
      }
    }

    void requestStop() {
      LogReceiver closing;
      Thread running;
      synchronized (lock) {
        stopping = true;
        closing = receiver;
        running = thread;
        lock.notifyAll();
      }
      if (closing != null) {
        close(closing);
      }
      if (running != null) {
        running.interrupt();
      }
    }

    boolean join(long millis) {
      Thread running;
      synchronized (lock) {
        running = thread;
      }
      if (running == null) {
        return true;
      }
      try {
        running.join(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return !running.isAlive();
    }

    private void set(String newState) {
      state = newState;
      since = clock.instant();
      metrics
          .streamUp
          .labelValues(stream.source(), stream.log())
          .set(newState.equals("running") ? 1 : 0);
    }

    @Override
    public void run() {
      while (true) {
        LogReceiver opened = null;
        long startedNanos = System.nanoTime();
        String error;
        try {
          LogArchive archive = opener.archive(stream);
          opened = opener.receiver(stream);
          synchronized (lock) {
            if (stopping) {
              close(opened);
              break;
            }
            receiver = opened;
            set("running");
          }
          LOG.info("serve: stream {} runs", stream.id());
          opened.run(archive);
          error =
              "serve: the "
                  + stream.log()
                  + " receiver of "
                  + stream.source()
                  + " ended by itself; it is started again";
        } catch (IOException | RuntimeException e) {
          error = Orchestrator.message(e);
        } finally {
          if (opened != null) {
            close(opened);
          }
        }
        synchronized (lock) {
          receiver = null;
          if (stopping) {
            break;
          }
          if (System.nanoTime() - startedNanos > stream.maxBackoff().toNanos()) {
            backoff = stream.restartBackoff(); // it ran well for a while: not a failure in a row
          }
          lastError = error;
          lastErrorAt = clock.instant();
          set("backoff");
          Duration wait = backoff;
          LOG.warn(
              "serve: stream {} failed: {}; restarting in {} s",
              stream.id(),
              error,
              wait.toMillis() / 1000.0);
          long end = System.nanoTime() + wait.toNanos();
          try {
            while (!stopping && System.nanoTime() < end) {
              lock.wait(Math.max(1, (end - System.nanoTime()) / 1_000_000));
            }
          } catch (InterruptedException e) {
            if (!stopping) {
              LOG.warn("serve: stream {} interrupted while waiting to restart", stream.id());
            }
            break;
          }
          if (stopping) {
            break;
          }
          backoff =
              backoff.multipliedBy(2).compareTo(stream.maxBackoff()) > 0
                  ? stream.maxBackoff()
                  : backoff.multipliedBy(2);
          restarts++;
          metrics.streamRestarts.labelValues(stream.source(), stream.log()).inc();
          set("starting");
        }
      }
      synchronized (lock) {
        set("stopped");
        LOG.info("serve: stream {} stopped", stream.id());
      }
    }

    Map<String, Object> status() {
      synchronized (lock) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("source", stream.source());
        map.put("log", stream.log());
        map.put("state", state);
        map.put("since", since.toString());
        map.put("restarts", restarts);
        map.put("nextBackoffSeconds", backoff.toMillis() / 1000.0);
        map.put("lastError", lastError);
        map.put("lastErrorAt", lastErrorAt == null ? null : lastErrorAt.toString());
        return map;
      }
    }
  }

  private static void close(LogReceiver receiver) {
    try {
      receiver.close();
    } catch (IOException | RuntimeException e) {
      LOG.debug("serve: closing a receiver failed: {}", e.getMessage());
    }
  }
}
