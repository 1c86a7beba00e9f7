package io.biowerk.dr.cli.serve;

import static java.util.Objects.requireNonNull;

import io.biowerk.dr.cli.serve.Job.Kind;
import io.biowerk.dr.cli.serve.ServeConfig.Check;
import io.biowerk.dr.cli.serve.ServeConfig.SourceConfig;
import io.biowerk.dr.cli.serve.ServeConfig.StreamConfig;
import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.RetentionPlan;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.Sinks;
import io.biowerk.dr.core.Source;
import io.biowerk.dr.core.Sources;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.WrappingKey;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.Recipient;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.keys.KeyRecords;
import io.biowerk.dr.core.log.LogArchive;
import io.biowerk.dr.core.log.LogReceiver;
import io.biowerk.dr.core.log.LogSegment;
import io.biowerk.dr.core.log.Logs;
import io.biowerk.dr.core.report.ObjectivesReport;
import io.biowerk.dr.core.report.ObjectivesReport.SourceObjectives;
import io.biowerk.dr.core.retention.ApplyResult;
import io.biowerk.dr.core.retention.Retention;
import io.biowerk.dr.core.verify.Verifier;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backup orchestrator behind {@code biowerk-dr serve}: runs each source's backups (each
 * followed by a prune under the source's retention), verifications and restore tests on their cron
 * schedules, and the jobs asked for over HTTP, built on the library's {@link BackupJob}, {@link
 * Verifier}, {@link Retention} and {@link Catalog}.
 *
 * <p>Rules it keeps:
 *
 * <ul>
 *   <li>One job at a time per source (jobs of a busy source wait in order); a job asked for while
 *       the same kind of job of that source is queued or running is that job (no duplicates).
 *   <li>At most {@code max-concurrent-jobs} jobs at once across all sources.
 *   <li>A failed attempt is tried again {@code retries} times, after {@code retry-backoff} doubled
 *       each time; an attempt longer than {@code timeout} is interrupted (a backup then aborts its
 *       writes, so nothing partial is kept). A verification that finds a damaged backup is a
 *       result, not retried.
 *   <li>Catch-up: when it starts or takes over a repository, a slot missed while no instance ran
 *       (the newest backup, or verification at that level, is older than the schedule's last slot)
 *       runs once at once, however many slots were missed.
 *   <li>Jobs run only while this instance holds the {@link Lease} of every repository.
 * </ul>
 *
 * <p>Time comes from the {@link Clock} given, and schedules are evaluated by {@link #tick()}:
 * {@link #start()} calls it every second; tests call it themselves under a clock they move.
 * Thread-safe.
 */
public final class Orchestrator implements AutoCloseable {

  /** Waits between retries; tests pass one that does not really wait. */
  public interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  private static final Logger LOG = LoggerFactory.getLogger(Orchestrator.class);
  private static final Pattern DATED_KEY_ID = Pattern.compile("k(\\d{8})-.*");
  private static final Duration REFRESH = Duration.ofSeconds(30);
  private static final int KEEP_FINISHED_JOBS = 500;

  /** The name a scheduled drill runs under: it cannot be a source's name. */
  static final String DRILL = "(drill)";

  /** The name the key-rotation reminder runs under: it cannot be a source's name. */
  static final String KEYS = "(keys)";

  private final ServeConfig config;
  private final Map<String, String> variables;
  private final Clock clock;
  private final KeyRing keys;
  private final Function<URI, String> redactor;
  private final Sleeper sleeper;
  private final ServeMetrics metrics;
  private final StreamSupervisor streams;
  private final List<Sink> sinks = new ArrayList<>();
  private final List<Lease> leases = new ArrayList<>();
  private final ExecutorService workers;
  private final ScheduledExecutorService timers;
  private final AtomicInteger jobNumber = new AtomicInteger();
  private final AtomicBoolean stopping = new AtomicBoolean();

  // Guarded by this.
  private final ArrayDeque<Job> pending = new ArrayDeque<>();
  private final Set<String> busy = new HashSet<>();
  private final Map<String, Job> jobs = new LinkedHashMap<>();
  private final Map<String, Instant> lastHandled = new HashMap<>();
  private final Set<String> evaluated = new HashSet<>();
  private int running;
  private boolean leader;
  private Instant lastRefresh = Instant.EPOCH;
  private ScheduledFuture<?> ticker;

  /**
   * An orchestrator over {@code config}; nothing runs until {@link #start()} or {@link #tick()}.
   *
   * @param variables the process environment, for secrets given as {@code {env: ...}}
   * @param keys the key ring backups are encrypted with and verifications decrypt with
   * @param redactor turns a URI into text without its secrets, for results and logs
   * @param instance this instance's name in the repository lease (host and process id)
   * @throws IOException if a repository cannot be opened
   */
  public Orchestrator(
      ServeConfig config,
      Map<String, String> variables,
      Clock clock,
      KeyRing keys,
      Function<URI, String> redactor,
      String instance,
      Sleeper sleeper)
      throws IOException {
    this.config = requireNonNull(config, "config");
    this.variables = Map.copyOf(variables);
    this.clock = requireNonNull(clock, "clock");
    this.keys = requireNonNull(keys, "keys");
    this.redactor = requireNonNull(redactor, "redactor");
    this.sleeper = requireNonNull(sleeper, "sleeper");
    this.metrics = new ServeMetrics();
    for (URI uri : config.repositories()) {
      if ("file".equalsIgnoreCase(uri.getScheme())) {
        Files.createDirectories(Path.of(uri));
      }
      Sink sink = Sinks.forUri(uri);
      sinks.add(sink);
      leases.add(new Lease(sink, redactor.apply(uri), instance, config.server().leaseTtl(), clock));
    }
    int max = config.server().maxConcurrentJobs();
    this.workers = Executors.newFixedThreadPool(max, threads("biowerk-dr-job"));
    this.timers = Executors.newScheduledThreadPool(1, threads("biowerk-dr-timer"));
    metrics.up.set(1);
    metrics.keyRotation.set((double) config.keys().rotation().toDays());
    for (SourceConfig source : config.sources()) {
      String name = source.name();
      metrics.failures.labelValues(name);
      metrics.backups.labelValues(name, "success");
      metrics.backups.labelValues(name, "failure");
      metrics.rpoTarget.labelValues(name).set((double) source.rpo().toSeconds());
      metrics.rtoTarget.labelValues(name).set((double) source.rto().toSeconds());
      metrics.interval.labelValues(name).set((double) longestGap(source.backup()).toSeconds());
      metrics.grace.labelValues(name).set((double) source.grace().toSeconds());
      source
          .verify()
          .ifPresent(c -> metrics.verificationFailures.labelValues(name, c.level().id()));
      source
          .restoreTest()
          .ifPresent(c -> metrics.verificationFailures.labelValues(name, c.level().id()));
    }
    for (Lease lease : leases) {
      metrics.leaseHeld.labelValues(lease.repository()).set(0);
    }
    this.streams =
        new StreamSupervisor(
            config.streams(),
            new StreamSupervisor.Opener() {
              @Override
              public LogReceiver receiver(StreamConfig stream) throws IOException {
                return openReceiver(stream);
              }

              @Override
              public LogArchive archive(StreamConfig stream) throws IOException {
                return logArchive(stream);
              }
            },
            metrics,
            clock);
    for (StreamConfig stream : config.streams()) {
      metrics
          .logLagTarget
          .labelValues(stream.source(), stream.log())
          .set((double) stream.maxLag().toSeconds());
      if (stream.run()) {
        metrics.streamUp.labelValues(stream.source(), stream.log()).set(0);
        metrics.streamRestarts.labelValues(stream.source(), stream.log());
      }
    }
  }

  /** The metrics, for {@code GET /metrics}. */
  public ServeMetrics metrics() {
    return metrics;
  }

  /** The configuration. */
  public ServeConfig config() {
    return config;
  }

  /** Starts evaluating the schedules every second. */
  public synchronized void start() {
    if (ticker == null) {
      ticker = timers.scheduleWithFixedDelay(this::safeTick, 0, 1, TimeUnit.SECONDS);
    }
  }

  private void safeTick() {
    try {
      tick();
    } catch (RuntimeException e) {
      LOG.error("serve: the scheduler tick failed; it runs again in a second", e);
    }
  }

  /**
   * Keeps the leases and starts whatever is due at the clock's time: scheduled slots that have
   * come, and (when this instance has just become the one running jobs) runs missed while no
   * instance ran.
   */
  public void tick() {
    if (stopping.get()) {
      return;
    }
    Instant now = clock.instant();
    boolean held = true;
    for (Lease lease : leases) {
      boolean this1;
      try {
        this1 = lease.maintain();
      } catch (IOException | RuntimeException e) {
        LOG.warn("serve: cannot keep the lease of {}: {}", lease.repository(), e.getMessage());
        this1 = false;
      }
      metrics.leaseHeld.labelValues(lease.repository()).set(this1 ? 1 : 0);
      held &= this1;
    }
    boolean refresh;
    synchronized (this) {
      if (!held) {
        if (leader) {
          LOG.warn(
              "serve: no longer holds every repository lease; stops starting jobs and stops its"
                  + " streams");
          streams.stop(config.server().shutdownGrace());
        }
        leader = false;
        return;
      }
      if (!leader) {
        leader = true;
        LOG.info("serve: runs the jobs of {} source(s)", config.sources().size());
        baseline();
        streams.start();
      }
      for (SourceConfig source : config.sources()) {
        due(source, Kind.BACKUP, source.backup(), Map.of(), now);
        if (source.verify().isPresent()) {
          Check check = source.verify().get();
          due(source, Kind.VERIFY, check.schedule(), options(check), now);
        }
        if (source.restoreTest().isPresent()) {
          Check check = source.restoreTest().get();
          due(source, Kind.RESTORE_TEST, check.schedule(), options(check), now);
        }
      }
      config.server().drillSchedule().ifPresent(schedule -> dueDrill(schedule, now));
      config.keys().reminder().ifPresent(schedule -> dueReminder(schedule, now));
      refresh = Duration.between(lastRefresh, now).compareTo(REFRESH) >= 0;
      if (refresh) {
        lastRefresh = now;
      }
    }
    if (refresh) {
      refreshMetrics();
    }
  }

  private static Map<String, String> options(Check check) {
    Map<String, String> options = new LinkedHashMap<>(check.options());
    options.put("level", check.level().id());
    return options;
  }

  private void due(
      SourceConfig source, Kind kind, Schedule schedule, Map<String, String> options, Instant now) {
    String key = source.name() + "/" + kind.id();
    Optional<Instant> slot = schedule.previous(now);
    if (slot.isEmpty()) {
      return;
    }
    Instant handled = lastHandled.get(key);
    boolean first = evaluated.add(key);
    if (handled == null || slot.get().isAfter(handled)) {
      lastHandled.put(key, slot.get());
      // The first look after start or takeover finds slots no instance ran: catch-up, once.
      String trigger = first ? "catch-up" : "schedule";
      if (first) {
        LOG.info(
            "serve: {} of {} missed its slot at {} while no instance ran; runs it once now",
            kind.id(),
            source.name(),
            slot.get());
      }
      enqueue(kind, source.name(), trigger, options);
    }
  }

  private void dueDrill(Schedule schedule, Instant now) {
    Optional<Instant> slot = schedule.previous(now);
    if (slot.isEmpty()) {
      return;
    }
    String key = DRILL;
    if (evaluated.add(key)) {
      lastDrillReport().ifPresent(t -> lastHandled.put(key, t));
    }
    Instant handled = lastHandled.get(key);
    if (handled == null || slot.get().isAfter(handled)) {
      lastHandled.put(key, slot.get());
      enqueue(Kind.DRILL, DRILL, handled == null ? "catch-up" : "schedule", Map.of());
    }
  }

  /** The key reminder's slots: once per slot that comes while running; none is caught up. */
  private void dueReminder(Schedule schedule, Instant now) {
    Optional<Instant> slot = schedule.previous(now);
    if (slot.isEmpty()) {
      return;
    }
    if (evaluated.add(KEYS)) {
      lastHandled.put(KEYS, slot.get()); // a reminder missed while down is not worth catching up
      return;
    }
    if (slot.get().isAfter(lastHandled.get(KEYS))) {
      lastHandled.put(KEYS, slot.get());
      enqueue(Kind.KEY_REMINDER, KEYS, "schedule", Map.of());
    }
  }

  /** When the newest drill report was written, if there is one. */
  private Optional<Instant> lastDrillReport() {
    Path dir = config.server().drillReportDir();
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    try (var files = Files.list(dir)) {
      return files
          .filter(p -> p.getFileName().toString().matches("drill-\\d{8}-\\d{6}\\.json"))
          .map(
              p ->
                  java.time.LocalDateTime.parse(
                          p.getFileName().toString().substring(6, 21),
                          DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                      .toInstant(ZoneOffset.UTC))
          .max(Instant::compareTo);
    } catch (IOException e) {
      LOG.warn("serve: cannot read the drill reports in {}: {}", dir, e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * What has been done already, from the repository: the newest backup's start and the newest
   * verification at each scheduled level. A schedule whose last slot is newer runs once (catch-up).
   */
  private void baseline() {
    lastHandled.clear();
    evaluated.clear();
    Catalog catalog = Catalog.of(sinks.get(0)).withClock(clock);
    for (SourceConfig source : config.sources()) {
      List<BackupRecord> read;
      try {
        read = catalog.list(source.name());
      } catch (IOException | RuntimeException e) {
        LOG.warn(
            "serve: cannot read the backups of {} for catch-up: {}", source.name(), e.getMessage());
        read = List.of();
      }
      List<BackupRecord> backups = read;
      Optional<Instant> newest =
          backups.stream().map(b -> b.manifest().startedAt()).max(Instant::compareTo);
      newest.ifPresent(t -> lastHandled.put(source.name() + "/" + Kind.BACKUP.id(), t));
      source
          .verify()
          .ifPresent(
              c ->
                  verified(backups, c.level())
                      .ifPresent(t -> lastHandled.put(source.name() + "/" + Kind.VERIFY.id(), t)));
      source
          .restoreTest()
          .ifPresent(
              c ->
                  verified(backups, c.level())
                      .ifPresent(
                          t -> lastHandled.put(source.name() + "/" + Kind.RESTORE_TEST.id(), t)));
    }
  }

  private static Optional<Instant> verified(List<BackupRecord> backups, VerificationLevel level) {
    return backups.stream()
        .flatMap(b -> b.verifications().stream())
        .filter(v -> v.level() == level)
        .map(VerificationResult::at)
        .max(Instant::compareTo);
  }

  /**
   * Asks for a job: {@code kind} of {@code source}. If the same kind of job of that source is
   * queued or running, that job is returned instead of a second one.
   *
   * @throws IllegalArgumentException if there is no such source
   * @throws IllegalStateException if the service is stopping
   */
  public synchronized Job enqueue(
      Kind kind, String source, String trigger, Map<String, String> options) {
    if (config.source(source).isEmpty() && kind != Kind.DRILL && kind != Kind.KEY_REMINDER) {
      throw new IllegalArgumentException("serve: no source named '" + source + "'");
    }
    if (stopping.get()) {
      throw new IllegalStateException("serve: the service is shutting down; no job is started");
    }
    for (Job job : jobs.values()) {
      if (job.kind() == kind
          && job.source().equals(source)
          && !job.state().finished()
          && job.options().equals(options)) {
        return job;
      }
    }
    String id =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss")
                .withZone(ZoneOffset.UTC)
                .format(clock.instant())
            + "-"
            + jobNumber.incrementAndGet();
    Job job = new Job(id, kind, source, trigger, options, clock.instant());
    jobs.put(id, job);
    pending.add(job);
    trimJobs();
    LOG.info("serve: queued {} of {} ({}), job {}", kind.id(), source, trigger, id);
    dispatch();
    return job;
  }

  private void trimJobs() {
    Iterator<Job> it = jobs.values().iterator();
    while (jobs.size() > KEEP_FINISHED_JOBS && it.hasNext()) {
      if (it.next().state().finished()) {
        it.remove();
      }
    }
  }

  private void dispatch() {
    while (running < config.server().maxConcurrentJobs() && !stopping.get()) {
      Job next = null;
      for (Iterator<Job> it = pending.iterator(); it.hasNext(); ) {
        Job candidate = it.next();
        if (!busy.contains(candidate.source())) {
          next = candidate;
          it.remove();
          break;
        }
      }
      if (next == null) {
        break;
      }
      busy.add(next.source());
      running++;
      Job job = next;
      workers.execute(() -> run(job));
    }
    metrics.jobsRunning.set(running);
    metrics.jobsQueued.set(pending.size());
  }

  /**
   * The job with this id, while it is kept (the last 500 finished ones and all unfinished ones).
   */
  public synchronized Optional<Job> job(String id) {
    return Optional.ofNullable(jobs.get(id));
  }

  /** Every job kept, oldest first. */
  public synchronized List<Job> jobs() {
    return List.copyOf(jobs.values());
  }

  /**
   * Waits until no job is queued or running.
   *
   * @return whether that happened within {@code timeout}
   */
  boolean awaitIdle(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      synchronized (this) {
        if (running == 0 && pending.isEmpty()) {
          return true;
        }
      }
      Thread.sleep(10);
    }
    return false;
  }

  /** Whether this instance holds every repository lease and runs jobs. */
  public synchronized boolean leader() {
    return leader;
  }

  /** Whether it is accepting work: started, not stopping. */
  public boolean stopping() {
    return stopping.get();
  }

  // ---- running a job

  private void run(Job job) {
    if (job.kind() == Kind.DRILL) {
      runDrill(job);
      return;
    }
    if (job.kind() == Kind.KEY_REMINDER) {
      runReminder(job);
      return;
    }
    SourceConfig source = config.source(job.source()).orElseThrow();
    job.started(clock.instant());
    Map<String, Object> result = null;
    String error = null;
    boolean passed = false;
    int attempts = 1 + source.retries();
    for (int attempt = 0; attempt < attempts; attempt++) {
      job.attempt();
      Thread worker = Thread.currentThread();
      AtomicBoolean timedOut = new AtomicBoolean();
      ScheduledFuture<?> watchdog =
          timers.schedule(
              () -> {
                timedOut.set(true);
                worker.interrupt();
              },
              source.timeout().toMillis(),
              TimeUnit.MILLISECONDS);
      try {
        result = runOnce(job, source);
        passed = !Boolean.FALSE.equals(result.get("passed"));
        error = passed ? null : String.valueOf(result.get("detail"));
        break;
      } catch (IOException | RuntimeException e) {
        error =
            timedOut.get()
                ? "serve: "
                    + job.kind().id()
                    + " of "
                    + job.source()
                    + " timed out after "
                    + source.timeout().toSeconds()
                    + " s and was aborted; nothing partial was kept; raise the source's timeout if"
                    + " it needs longer"
                : message(e);
        LOG.warn(
            "serve: {} of {} failed (attempt {} of {}): {}",
            job.kind().id(),
            job.source(),
            attempt + 1,
            attempts,
            error);
      } finally {
        watchdog.cancel(false);
        if (timedOut.get() || stopping.get()) {
          Thread
              .interrupted(); // the watchdog's interrupt is handled; a shutdown's ends the retries
          // below
        }
      }
      if (stopping.get() || attempt + 1 == attempts) {
        break;
      }
      try {
        sleeper.sleep(source.retryBackoff().multipliedBy(1L << Math.min(attempt, 20)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    finished(job, source, passed, result, error);
  }

  /**
   * Runs the DR drill over every source and writes its reports; the job fails when the drill does.
   */
  private void runDrill(Job job) {
    job.started(clock.instant());
    job.attempt();
    try {
      Optional<URI> metricsUri =
          config.server().port() == 0
              ? Optional.empty()
              : Optional.of(
                  URI.create(
                      "http://"
                          + config.server().host()
                          + ":"
                          + config.server().port()
                          + "/metrics"));
      Map<String, Object> report =
          new Drill(config, keys, clock, redactor, config.server().drillRules(), metricsUri)
              .run(List.of());
      List<Path> files = Drill.write(report, config.server().drillReportDir(), clock.instant());
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("ok", report.get("ok"));
      result.put("markdown", files.get(1).toString());
      result.put("json", files.get(0).toString());
      result.put("checklist", report.get("checklist"));
      if (Boolean.TRUE.equals(report.get("ok"))) {
        job.succeeded(clock.instant(), result);
      } else {
        job.failed(
            clock.instant(),
            "serve: the DR drill failed a check or missed a target; see " + files.get(1),
            result);
      }
    } catch (IOException | RuntimeException e) {
      job.failed(clock.instant(), "serve: the DR drill could not run: " + message(e), null);
    } finally {
      LOG.info("serve: drill {} (job {})", job.state(), job.id());
      synchronized (this) {
        busy.remove(job.source());
        running--;
        dispatch();
      }
    }
  }

  /**
   * The key-rotation reminder: the active key's age against the rotation period. It succeeds while
   * rotation is not yet due within {@link ServeConfig.Keys#REMIND_BEFORE} (logging a warning when
   * it is), and fails when the key is past the period or its age cannot be told, so the reminder
   * shows in {@code GET /jobs} and the log.
   */
  private void runReminder(Job job) {
    job.started(clock.instant());
    job.attempt();
    try {
      Instant now = clock.instant();
      Duration rotation = config.keys().rotation();
      Map<String, Object> result = new LinkedHashMap<>();
      Optional<Map.Entry<String, Instant>> key = activeKeyCreated();
      if (key.isEmpty()) {
        job.failed(
            now,
            "serve: the active key's age cannot be told (no active key, or its id carries no date);"
                + " rotate it with biowerk-dr keys rotate, which gives new keys dated ids",
            null);
        return;
      }
      Instant due = key.get().getValue().plus(rotation);
      long ageDays = Duration.between(key.get().getValue(), now).toDays();
      long daysLeft = Duration.between(now, due).toDays();
      result.put("keyId", key.get().getKey());
      result.put("ageDays", ageDays);
      result.put("rotationDays", rotation.toDays());
      result.put("rotationDueAt", due.toString());
      result.put("daysLeft", daysLeft);
      String advice =
          "rotate it with biowerk-dr keys rotate"
              + config.keys().file().map(f -> " --key-file " + f).orElse("")
              + " and store the new key in the vault";
      if (now.isAfter(due)) {
        result.put("status", "overdue");
        job.failed(
            now,
            "serve: the active key "
                + key.get().getKey()
                + " is "
                + ageDays
                + " days old, past its "
                + rotation.toDays()
                + "-day rotation period; "
                + advice,
            result);
        LOG.error("serve: key rotation OVERDUE: {}", job.error());
      } else if (!now.isBefore(due.minus(ServeConfig.Keys.REMIND_BEFORE))) {
        result.put("status", "due");
        result.put(
            "reminder", "the active key is due for rotation in " + daysLeft + " day(s); " + advice);
        job.succeeded(now, result);
        LOG.warn(
            "serve: key rotation due: the active key {} is {} days old and must be rotated by {};"
                + " {}",
            key.get().getKey(),
            ageDays,
            due,
            advice);
      } else {
        result.put("status", "ok");
        job.succeeded(now, result);
        LOG.info(
            "serve: the active key {} is {} days old; rotation is due by {}",
            key.get().getKey(),
            ageDays,
            due);
      }
    } catch (RuntimeException e) {
      job.failed(clock.instant(), "serve: the key reminder could not run: " + message(e), null);
    } finally {
      synchronized (this) {
        busy.remove(job.source());
        running--;
        dispatch();
      }
    }
  }

  /** The active key's id and the day it was made (from its dated id), if both can be told. */
  private Optional<Map.Entry<String, Instant>> activeKeyCreated() {
    try {
      String active = keys.active().id();
      // The creation time recorded beside the key file beats the date in a generated id.
      if (config.keys().file().isPresent()) {
        Optional<Instant> recorded = KeyRecords.beside(config.keys().file().get()).created(active);
        if (recorded.isPresent()) {
          return Optional.of(Map.entry(active, recorded.get()));
        }
      }
      Matcher matcher = DATED_KEY_ID.matcher(active);
      if (matcher.matches()) {
        LocalDate created = LocalDate.parse(matcher.group(1), DateTimeFormatter.BASIC_ISO_DATE);
        return Optional.of(Map.entry(active, created.atStartOfDay(ZoneOffset.UTC).toInstant()));
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("serve: no active key to tell the age of: {}", e.getMessage());
    }
    return Optional.empty();
  }

  private void finished(
      Job job, SourceConfig source, boolean passed, Map<String, Object> result, String error) {
    Instant now = clock.instant();
    String name = source.name();
    if (job.kind() == Kind.BACKUP) {
      metrics.lastAttempt.labelValues(name).set(ServeMetrics.seconds(now));
      metrics.lastResult.labelValues(name).set(passed ? 1 : 0);
      metrics.backups.labelValues(name, passed ? "success" : "failure").inc();
      if (!passed) {
        metrics.failures.labelValues(name).inc();
      }
    } else {
      String level = job.options().getOrDefault("level", VerificationLevel.DECODE.id());
      metrics.verificationAt.labelValues(name, level).set(ServeMetrics.seconds(now));
      metrics.verificationResult.labelValues(name, level).set(passed ? 1 : 0);
      if (!passed) {
        metrics.verificationFailures.labelValues(name, level).inc();
      }
    }
    if (passed) {
      job.succeeded(now, result);
      LOG.info("serve: {} of {} done (job {})", job.kind().id(), name, job.id());
    } else {
      job.failed(now, error, result);
      LOG.error("serve: {} of {} FAILED (job {}): {}", job.kind().id(), name, job.id(), error);
    }
    synchronized (this) {
      busy.remove(name);
      running--;
      dispatch();
    }
    refreshMetrics();
  }

  private Map<String, Object> runOnce(Job job, SourceConfig source) throws IOException {
    if (Thread.interrupted()) {
      throw new InterruptedIOException("serve: interrupted before it started");
    }
    return switch (job.kind()) {
      case BACKUP -> backup(source);
      case VERIFY, RESTORE_TEST -> verify(job, source);
      case DRILL, KEY_REMINDER ->
          throw new IllegalStateException("serve: " + job.kind().id() + " is not a source's job");
    };
  }

  private Map<String, Object> backup(SourceConfig config) throws IOException {
    URI uri = sourceUri(config);
    Source source = Sources.forUri(uri);
    if (!source.name().equals(config.name())
        && (uri.getRawQuery() == null || !uri.getRawQuery().contains("name="))) {
      // Sources take their repository name from a name option; the configuration's key is that
      // name.
      uri = withQuery(uri, "name=" + config.name());
      source.close();
      source = Sources.forUri(uri);
    }
    if (!source.name().equals(config.name())) {
      source.close();
      throw new IOException(
          "serve: source "
              + config.name()
              + " files its backups as '"
              + source.name()
              + "'; remove the name option from its URI or rename the source to "
              + source.name());
    }
    List<Codec> codecs = new ArrayList<>(compression(config.compression()));
    String keyId = null;
    if (config.encrypt()) {
      EnvelopeCodec envelope = EnvelopeCodec.encryptingTo(List.of(activeRecipient()));
      codecs.add(envelope);
      keyId = envelope.keyId();
    }
    BackupManifest manifest;
    try (Source closing = source) {
      manifest =
          BackupJob.of(closing)
              .codecs(codecs)
              .sinks(sinks)
              .tier(BackupLayout.DAILY)
              .clock(clock)
              .sourceUri(redactor.apply(uri))
              .build()
              .run();
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("id", manifest.id());
    result.put("storedKey", manifest.dataKey());
    result.put("rawSize", manifest.rawSize());
    result.put("storedSize", manifest.storedSize());
    result.put("durationMillis", manifest.duration().toMillis());
    result.put("keyId", keyId);
    metrics.duration.labelValues(config.name()).set(ServeMetrics.seconds(manifest.duration()));
    metrics.rawBytes.labelValues(config.name()).set((double) manifest.rawSize());
    metrics.storedBytes.labelValues(config.name()).set((double) manifest.storedSize());
    metrics.lastSuccess.labelValues(config.name()).set(ServeMetrics.seconds(manifest.finishedAt()));
    result.put("pruned", prune(config));
    return result;
  }

  /**
   * Applies the source's retention in every repository; a failed prune fails the job (it is
   * retried).
   */
  private List<Map<String, Object>> prune(SourceConfig config) throws IOException {
    List<Map<String, Object>> pruned = new ArrayList<>();
    for (Sink sink : sinks) {
      Catalog catalog = Catalog.of(sink).withClock(clock);
      RetentionPlan plan =
          Retention.plan(catalog, config.name(), config.retention().policy(), clock.instant());
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("repository", sink.toString());
      row.put("kept", plan.kept().size());
      // the log retention prune applies: the source's point-in-time window (retention.log-window,
      // 7 days by default), and every segment a kept base backup needs; planned from the kept
      // backups before any deletion
      List<io.biowerk.dr.core.log.LogRetention.Plan> logPlans =
          io.biowerk.dr.core.log.LogRetention.plans(
              sink,
              config.name(),
              plan.kept().stream().map(d -> d.backup().manifest()).toList(),
              config.retention().logWindow(),
              clock.instant());
      if (!plan.deleted().isEmpty() || !plan.decisions().isEmpty()) {
        ApplyResult applied = Retention.apply(catalog, sink, plan);
        row.put("deleted", applied.deleted());
        row.put("bytesFreed", applied.bytesFreed());
      }
      int logDeleted = 0;
      for (io.biowerk.dr.core.log.LogRetention.Plan logPlan : logPlans) {
        logDeleted += io.biowerk.dr.core.log.LogRetention.apply(logPlan);
      }
      if (!logPlans.isEmpty()) {
        row.put("logObjectsDeleted", logDeleted);
      }
      pruned.add(row);
    }
    return pruned;
  }

  private Map<String, Object> verify(Job job, SourceConfig config) throws IOException {
    Catalog catalog = Catalog.of(sinks.get(0)).withClock(clock);
    BackupRecord newest =
        catalog
            .latest(config.name())
            .orElseThrow(
                () ->
                    new IOException(
                        "serve: "
                            + config.name()
                            + " has no backup yet to verify; run POST /backup/"
                            + config.name()
                            + " first"));
    Map<String, String> options = new LinkedHashMap<>(job.options());
    VerificationLevel level = VerificationLevel.of(options.remove("level"));
    VerificationResult result =
        Verifier.verify(catalog.sink(), newest.manifest(), keys, level, options, clock);
    try {
      catalog.record(result);
    } catch (IOException e) {
      LOG.warn(
          "serve: the result of {} could not be recorded: {}", result.backupId(), e.getMessage());
    }
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("backupId", result.backupId());
    map.put("level", result.level().id());
    map.put("passed", result.passed());
    map.put("at", result.at().toString());
    map.put("durationMillis", result.duration().toMillis());
    map.put("detail", result.detail());
    if (level == VerificationLevel.RESTORE) {
      map.put("rtoTargetSeconds", config.rto().toSeconds());
      map.put("withinRto", result.duration().compareTo(config.rto()) <= 0);
    }
    return map;
  }

  /**
   * A receiver of {@code stream}'s log: its URI (or its source's) with the source's password and
   * the source's name, so the log is archived where the source's base backups are.
   */
  LogReceiver openReceiver(StreamConfig stream) throws IOException {
    SourceConfig source = config.source(stream.source()).orElseThrow();
    URI uri = withPassword(stream.uri().orElse(source.uri()), source);
    if (uri.getRawQuery() == null || !uri.getRawQuery().contains("name=")) {
      uri = withQuery(uri, "name=" + source.name());
    }
    LogReceiver receiver = Logs.forLog(stream.log()).receiver(uri);
    if (!receiver.sourceName().equals(source.name())) {
      receiver.close();
      throw new IOException(
          "serve: the "
              + stream.log()
              + " receiver of "
              + source.name()
              + " would archive under '"
              + receiver.sourceName()
              + "'; remove the name option from the stream's URI");
    }
    return receiver;
  }

  /**
   * The archive a stream's receiver writes: the first repository (the others get its segments
   * through {@link LogMirror} on each metrics refresh), encoded like the source's backups (its
   * compression; when the source is encrypted, container format 2 with a data key per segment
   * wrapped to the active key).
   */
  LogArchive logArchive(StreamConfig stream) throws IOException {
    SourceConfig source = config.source(stream.source()).orElseThrow();
    List<Codec> codecs = new ArrayList<>(compression(source.compression()));
    LogArchive archive =
        LogArchive.of(sinks.get(0), source.name(), stream.log(), codecs, keys).withClock(clock);
    return source.encrypt() ? archive.encryptingTo(List.of(activeRecipient())) : archive;
  }

  /**
   * Whom new backups and segments wrap their data keys to: the active key, inside its key service
   * when it is held in one.
   */
  private Recipient activeRecipient() throws IOException {
    String id = keys.activeId();
    Optional<WrappingKey> wrapping = keys.wrappingKey(id);
    return wrapping.isPresent()
        ? Recipient.wrappingKey(wrapping.get())
        : Recipient.masterKey(keys.resolve(id));
  }

  /** The source URI with its password (by reference) in the user info, and its name option. */
  URI sourceUri(SourceConfig config) throws IOException {
    return withPassword(config.uri(), config);
  }

  private URI withPassword(URI uri, SourceConfig config) throws IOException {
    if (config.password().isEmpty() || uri.isOpaque()) {
      return uri;
    }
    String password = config.password().get().value(variables);
    String user = uri.getRawUserInfo() == null ? "" : uri.getRawUserInfo();
    String userInfo =
        user + ":" + URLEncoder.encode(password, StandardCharsets.UTF_8).replace("+", "%20");
    String authority = uri.getRawAuthority();
    String host =
        authority.contains("@") ? authority.substring(authority.lastIndexOf('@') + 1) : authority;
    try {
      return new URI(
          uri.getScheme()
              + "://"
              + userInfo
              + "@"
              + host
              + (uri.getRawPath() == null ? "" : uri.getRawPath())
              + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
    } catch (URISyntaxException e) {
      throw new IOException(
          "serve: the URI of " + config.name() + " cannot take its password: " + e.getReason());
    }
  }

  private static URI withQuery(URI uri, String option) throws IOException {
    String text = uri.toString();
    int hash = text.indexOf('#');
    String fragment = hash < 0 ? "" : text.substring(hash);
    String base = hash < 0 ? text : text.substring(0, hash);
    try {
      return new URI(base + (uri.getRawQuery() == null ? "?" : "&") + option + fragment);
    } catch (URISyntaxException e) {
      throw new IOException(
          "serve: cannot add " + option + " to the source URI: " + e.getReason(), e);
    }
  }

  static List<Codec> compression(String spec) {
    if (spec.equals("none")) {
      return List.of();
    }
    if (spec.equals("zstd")) {
      return List.of(ZstdCodec.defaults());
    }
    return List.of(ZstdCodec.of(Integer.parseInt(spec.substring("zstd:".length())), 0, 0));
  }

  // ---- status and metrics from the repository

  /** The recovery objectives per source, as {@code biowerk-dr status --json} prints them. */
  public Map<String, Object> status() throws IOException {
    Catalog catalog = Catalog.of(sinks.get(0)).withClock(clock);
    Instant now = clock.instant();
    List<SourceObjectives> objectives = objectives(catalog, now);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put(
        "ok", objectives.stream().noneMatch(o -> o.overall() == ObjectivesReport.Status.VIOLATED));
    result.put("at", now.toString());
    result.put("repository", redactor.apply(config.repositories().get(0)));
    result.put("leader", leader());
    result.put("sources", objectives.stream().map(SourceObjectives::toMap).toList());
    List<Map<String, Object>> rows = new ArrayList<>();
    List<Map<String, Object>> running = streams.status();
    for (StreamConfig stream : config.streams()) {
      Map<String, Object> row = new LinkedHashMap<>(logStatus(stream, now));
      row.put("run", stream.run());
      row.put("repositories", repositories(stream));
      for (Map<String, Object> state : running) {
        if (state.get("source").equals(stream.source()) && state.get("log").equals(stream.log())) {
          Map<String, Object> receiver = new LinkedHashMap<>(state);
          receiver.remove("source");
          receiver.remove("log");
          row.put("receiver", receiver);
        }
      }
      rows.add(row);
    }
    result.put("streams", rows);
    return result;
  }

  private List<SourceObjectives> objectives(Catalog catalog, Instant now) throws IOException {
    ObjectivesReport report = ObjectivesReport.withPlanTargets();
    for (SourceConfig source : config.sources()) {
      report = report.rpo(source.name(), source.rpo()).rto(source.name(), source.rto());
    }
    List<SourceObjectives> result = new ArrayList<>();
    for (SourceConfig source : config.sources()) {
      result.add(report.evaluate(source.name(), catalog.list(source.name()), now));
    }
    return result;
  }

  /** Brings the repository-derived metrics up to date; failures are logged, never thrown. */
  void refreshMetrics() {
    Instant now = clock.instant();
    try {
      Catalog catalog = Catalog.of(sinks.get(0)).withClock(clock);
      for (SourceObjectives o : objectives(catalog, now)) {
        String name = o.source();
        metrics.stored.labelValues(name).set(o.backups());
        if (o.newestBackupAt() != null) {
          metrics.newestRestorable.labelValues(name).set(ServeMetrics.seconds(o.newestBackupAt()));
          metrics.rpo.labelValues(name).set(o.rpoAgeSeconds());
        }
        if (o.lastRestoreSeconds() != null) {
          metrics.restoreDuration.labelValues(name).set(o.lastRestoreSeconds());
          metrics.restoreAt.labelValues(name).set(ServeMetrics.seconds(o.lastRestoreTestAt()));
        }
      }
      for (SourceConfig source : config.sources()) {
        catalog
            .latest(source.name())
            .ifPresent(
                newest -> {
                  BackupManifest m = newest.manifest();
                  metrics
                      .lastSuccess
                      .labelValues(source.name())
                      .set(ServeMetrics.seconds(m.finishedAt()));
                  metrics
                      .duration
                      .labelValues(source.name())
                      .set(ServeMetrics.seconds(m.duration()));
                  metrics.rawBytes.labelValues(source.name()).set((double) m.rawSize());
                  metrics.storedBytes.labelValues(source.name()).set((double) m.storedSize());
                });
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("serve: cannot refresh the metrics from the repository: {}", e.getMessage());
    }
    for (StreamConfig stream : config.streams()) {
      if (sinks.size() > 1 && leader()) {
        mirrorLog(stream, now);
      }
      try {
        logStatus(stream, now);
      } catch (IOException | RuntimeException e) {
        LOG.warn(
            "serve: cannot read the archived {} of {}: {}",
            stream.log(),
            stream.source(),
            e.getMessage());
      }
    }
    activeKeyCreated()
        .ifPresent(
            key ->
                metrics
                    .keyAge
                    .labelValues(key.getKey())
                    .set((double) Duration.between(key.getValue(), now).toDays()));
    for (int i = 0; i < sinks.size(); i++) {
      URI uri = config.repositories().get(i);
      if ("file".equalsIgnoreCase(uri.getScheme())) {
        try {
          FileStore store = Files.getFileStore(Path.of(uri));
          metrics.free.labelValues(leases.get(i).repository()).set((double) store.getUsableSpace());
          metrics.size.labelValues(leases.get(i).repository()).set((double) store.getTotalSpace());
        } catch (IOException e) {
          LOG.debug("serve: cannot read the free space of {}: {}", uri, e.getMessage());
        }
      }
    }
  }

  /** Per stream and other repository: the last mirror pass, for {@code /status}. */
  private final Map<String, Map<String, Object>> mirrors =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * A stream's receiver writes the first repository; this copies its new segments to every other
   * repository ({@link LogMirror}), on each metrics refresh while this instance runs the jobs.
   * Failures are logged and shown in {@code /status}, never thrown.
   */
  private void mirrorLog(StreamConfig stream, Instant now) {
    String prefix = stream.source() + "/" + stream.log() + "/";
    for (int i = 1; i < sinks.size(); i++) {
      String repository = redactor.apply(config.repositories().get(i));
      Map<String, Object> state = new LinkedHashMap<>();
      state.put("at", now.toString());
      try {
        var report =
            LogMirror.mirror(
                sinks.get(0),
                redactor.apply(config.repositories().get(0)),
                sinks.get(i),
                repository,
                prefix);
        state.put("copied", report.copied().size());
        // A damaged segment is not copied: shown and logged on every pass until it is dealt with.
        state.put("problems", report.problems());
        state.put("error", null);
        for (String problem : report.problems()) {
          LOG.warn(
              "serve: archived {} of {} not copied to {}: {}",
              stream.log(),
              stream.source(),
              repository,
              problem);
        }
      } catch (IOException | RuntimeException e) {
        state.put("error", message(e));
        LOG.warn(
            "serve: cannot copy the archived {} of {} to {}: {}",
            stream.log(),
            stream.source(),
            repository,
            message(e));
      }
      mirrors.put(stream.id() + " " + repository, state);
    }
  }

  /**
   * Each repository's copy of a stream's archive: the first is written by the receiver, the others
   * by the mirror; their segment counts and newest segment, and the last mirror pass. A copy is in
   * sync when its newest segment is the first's and the last pass left nothing uncopied.
   */
  private List<Map<String, Object>> repositories(StreamConfig stream) {
    List<Map<String, Object>> rows = new ArrayList<>();
    String newestInFirst = null;
    for (int i = 0; i < sinks.size(); i++) {
      String repository = redactor.apply(config.repositories().get(i));
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("repository", repository);
      row.put("writtenBy", i == 0 ? "receiver" : "mirror");
      try {
        List<String> names =
            LogArchive.of(sinks.get(i), stream.source(), stream.log(), List.of(), keys).names();
        String newest = names.isEmpty() ? null : names.get(names.size() - 1);
        if (i == 0) {
          newestInFirst = newest;
        }
        row.put("segments", names.size());
        row.put("newestSegment", newest);
        row.put("inSync", java.util.Objects.equals(newest, newestInFirst));
      } catch (IOException | RuntimeException e) {
        row.put("error", message(e));
        row.put("inSync", false);
      }
      if (i > 0) {
        Map<String, Object> last = mirrors.get(stream.id() + " " + repository);
        row.put("lastMirror", last);
        if (last != null
            && last.get("problems") instanceof List<?> problems
            && !problems.isEmpty()) {
          // a segment the mirror could not copy is a gap in this copy, whatever the newest is
          row.put("inSync", false);
        }
      }
      rows.add(row);
    }
    return rows;
  }

  /** How many of the newest segment names are read for the newest change (names sort by time). */
  private static final int NEWEST_LOOKED_AT = 8;

  /**
   * The archive of {@code stream}'s log in the first repository: its segment count, newest change
   * and lag (age of that change), also set as metrics. The lag is +Inf while no segment is
   * archived: a stream that never archived anything is as late as can be.
   */
  Map<String, Object> logStatus(StreamConfig stream, Instant now) throws IOException {
    LogArchive archive =
        LogArchive.of(sinks.get(0), stream.source(), stream.log(), List.of(), keys)
            .withClock(clock);
    List<String> names = archive.names();
    Instant newest = null;
    for (String name : names.subList(Math.max(0, names.size() - NEWEST_LOOKED_AT), names.size())) {
      Optional<LogSegment> segment = archive.segment(name);
      if (segment.isPresent() && (newest == null || segment.get().lastTime().isAfter(newest))) {
        newest = segment.get().lastTime();
      }
    }
    double lag =
        newest == null
            ? Double.POSITIVE_INFINITY
            : Math.max(0, ServeMetrics.seconds(Duration.between(newest, now)));
    metrics.logSegments.labelValues(stream.source(), stream.log()).set(names.size());
    metrics.logLag.labelValues(stream.source(), stream.log()).set(lag);
    if (newest != null) {
      metrics
          .logNewest
          .labelValues(stream.source(), stream.log())
          .set(ServeMetrics.seconds(newest));
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("source", stream.source());
    result.put("log", stream.log());
    result.put("segments", names.size());
    result.put("newestChange", newest == null ? null : newest.toString());
    result.put("lagSeconds", newest == null ? null : (long) lag);
    result.put("maxLagSeconds", stream.maxLag().toSeconds());
    result.put("lagOk", newest != null && lag <= stream.maxLag().toSeconds());
    return result;
  }

  /**
   * The longest gap between two slots of {@code schedule} over the next 8 days (the backup
   * interval).
   */
  static Duration longestGap(Schedule schedule) {
    Instant at = Instant.parse("2024-01-01T00:00:00Z");
    Instant end = at.plus(Duration.ofDays(8));
    Duration longest = Duration.ZERO;
    Optional<Instant> next = schedule.next(at);
    int guard = 0;
    while (next.isPresent() && next.get().isBefore(end) && guard++ < 20_000) {
      Optional<Instant> after = schedule.next(next.get());
      if (after.isEmpty()) {
        break;
      }
      Duration gap = Duration.between(next.get(), after.get());
      if (gap.compareTo(longest) > 0) {
        longest = gap;
      }
      next = after;
    }
    return longest;
  }

  // ---- shutdown

  /**
   * Stops: no new job starts; queued jobs fail as cancelled; running jobs get the shutdown grace to
   * finish, then are interrupted (a backup aborts its writes and keeps nothing partial) and get up
   * to 20 seconds more; then the leases are released so a standby instance takes over at once.
   */
  public void shutdown() {
    if (!stopping.compareAndSet(false, true)) {
      return;
    }
    LOG.info("serve: shutting down");
    synchronized (this) {
      if (ticker != null) {
        ticker.cancel(false);
      }
      for (Job job : pending) {
        job.failed(
            clock.instant(),
            "serve: cancelled: the service shut down before the job started",
            null);
      }
      pending.clear();
      metrics.jobsQueued.set(0);
    }
    if (!streams.stop(config.server().shutdownGrace())) {
      LOG.warn("serve: a log stream did not stop within {}", config.server().shutdownGrace());
    }
    workers.shutdown();
    try {
      if (!workers.awaitTermination(
          config.server().shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn(
            "serve: running jobs did not finish within {}; aborting them",
            config.server().shutdownGrace());
        workers.shutdownNow();
        workers.awaitTermination(20, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    }
    timers.shutdownNow();
    for (Lease lease : leases) {
      lease.release();
      metrics.leaseHeld.labelValues(lease.repository()).set(0);
    }
    closeSinks();
    metrics.up.set(0);
    LOG.info("serve: stopped");
  }

  /**
   * Stops every thread without releasing the leases, as a killed process would: for tests of
   * takeover.
   */
  void abandon() {
    stopping.set(true);
    streams.stop(Duration.ofSeconds(20));
    workers.shutdownNow();
    timers.shutdownNow();
    closeSinks();
  }

  private void closeSinks() {
    for (Sink sink : sinks) {
      try {
        sink.close();
      } catch (IOException | RuntimeException e) {
        LOG.warn("serve: closing {} failed: {}", sink, e.getMessage());
      }
    }
  }

  @Override
  public void close() {
    shutdown();
  }

  static String message(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.lines().findFirst().orElse(message);
  }

  private static ThreadFactory threads(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(false);
      return t;
    };
  }

  @Override
  public String toString() {
    return "Orchestrator[" + config.sources().size() + " sources -> " + leases + "]";
  }
}
