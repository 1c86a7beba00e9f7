package io.biowerk.dr.core.report;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.Sources;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.catalog.Catalog;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The recovery objectives report: per source, whether the newest restorable backup is young enough
 * for the RPO target and whether the last restore test finished within the RTO target, with the
 * time of the last successful verification. The defaults are the DR plan's: RPO 1 hour for every
 * source; RTO 4 hours, or the stricter target a source kind's adapter declares (2 hours for
 * PostgreSQL and 1 hour for Redis in the plan; see {@link
 * io.biowerk.dr.core.SourceProvider#defaultRto()}).
 *
 * <p>A backup is restorable unless its latest verification failed. The RTO figure is the duration
 * of the latest passed {@link VerificationLevel#RESTORE} verification of any backup of the source.
 * An objective with nothing to measure is {@link Status#UNKNOWN}, never OK.
 *
 * <p>Immutable and thread-safe.
 */
public final class ObjectivesReport {

  /** The plan's RPO target for every source. */
  public static final Duration DEFAULT_RPO = Duration.ofHours(1);

  /** The plan's overall RTO target. */
  public static final Duration DEFAULT_RTO = Duration.ofHours(4);

  /** How an objective stands. */
  public enum Status {
    /** Measured and within its target. */
    OK,
    /** Measured and beyond its target. */
    VIOLATED,
    /** Nothing to measure: no backup, or no restore test. */
    UNKNOWN
  }

  /**
   * One source's objectives. Every field is a JSON-friendly value; absent measurements are null.
   *
   * @param source the source name
   * @param kind the source kind of its newest backup
   * @param backups how many backups it has
   * @param newestBackupId the newest restorable backup, or null
   * @param newestBackupAt when it finished, or null
   * @param rpoAgeSeconds how old it is at the report time, or null
   * @param rpoTargetSeconds the RPO target
   * @param rpoStatus the RPO objective
   * @param lastVerifiedAt when a verification of any of its backups last passed, or null
   * @param lastVerifiedLevel at which level, or null
   * @param lastRestoreTestAt when the latest passed restore-level verification finished, or null
   * @param lastRestoreSeconds how long it took, or null
   * @param rtoTargetSeconds the RTO target
   * @param rtoStatus the RTO objective
   * @param lastRestoreMillis how long the latest restore test took, in milliseconds (the precision
   *     a short restore needs), or null
   */
  public record SourceObjectives(
      String source,
      String kind,
      int backups,
      String newestBackupId,
      Instant newestBackupAt,
      Long rpoAgeSeconds,
      long rpoTargetSeconds,
      Status rpoStatus,
      Instant lastVerifiedAt,
      String lastVerifiedLevel,
      Instant lastRestoreTestAt,
      Long lastRestoreSeconds,
      long rtoTargetSeconds,
      Status rtoStatus,
      Long lastRestoreMillis) {

    /** The worse of the two objectives: VIOLATED over UNKNOWN over OK. */
    public Status overall() {
      if (rpoStatus == Status.VIOLATED || rtoStatus == Status.VIOLATED) {
        return Status.VIOLATED;
      }
      if (rpoStatus == Status.UNKNOWN || rtoStatus == Status.UNKNOWN) {
        return Status.UNKNOWN;
      }
      return Status.OK;
    }

    /** A JSON-compatible map (strings, numbers, null), ordered as the fields. */
    public Map<String, Object> toMap() {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("source", source);
      map.put("kind", kind);
      map.put("backups", backups);
      map.put("newestBackupId", newestBackupId);
      map.put("newestBackupAt", newestBackupAt == null ? null : newestBackupAt.toString());
      map.put("rpoAgeSeconds", rpoAgeSeconds);
      map.put("rpoTargetSeconds", rpoTargetSeconds);
      map.put("rpoStatus", rpoStatus.name());
      map.put("lastVerifiedAt", lastVerifiedAt == null ? null : lastVerifiedAt.toString());
      map.put("lastVerifiedLevel", lastVerifiedLevel);
      map.put("lastRestoreTestAt", lastRestoreTestAt == null ? null : lastRestoreTestAt.toString());
      map.put("lastRestoreSeconds", lastRestoreSeconds);
      map.put("rtoTargetSeconds", rtoTargetSeconds);
      map.put("rtoStatus", rtoStatus.name());
      map.put("lastRestoreMillis", lastRestoreMillis);
      map.put("status", overall().name());
      return map;
    }
  }

  private final Duration rpo;
  private final Duration rto;
  private final Map<String, Duration> rpoBySource;
  private final Map<String, Duration> rtoBySource;
  private final Function<String, Optional<Duration>> rtoByKind;

  private ObjectivesReport(
      Duration rpo,
      Duration rto,
      Map<String, Duration> rpoBySource,
      Map<String, Duration> rtoBySource,
      Function<String, Optional<Duration>> rtoByKind) {
    this.rpo = rpo;
    this.rto = rto;
    this.rpoBySource = Map.copyOf(rpoBySource);
    this.rtoBySource = Map.copyOf(rtoBySource);
    this.rtoByKind = rtoByKind;
  }

  /**
   * The report with the DR plan's targets: {@link #DEFAULT_RPO}, {@link #DEFAULT_RTO}, and the
   * stricter RTO a source kind's provider declares ({@link
   * io.biowerk.dr.core.SourceProvider#defaultRto()}), looked up on the class path.
   */
  public static ObjectivesReport withPlanTargets() {
    return new ObjectivesReport(
        DEFAULT_RPO, DEFAULT_RTO, Map.of(), Map.of(), kind -> Sources.defaultRto(kind));
  }

  /** The same report with RPO target {@code target} for every source not given its own. */
  public ObjectivesReport rpo(Duration target) {
    return new ObjectivesReport(
        checkTarget("RPO", target), rto, rpoBySource, rtoBySource, rtoByKind);
  }

  /**
   * The same report with RTO target {@code target} for every source whose kind or name has no
   * target.
   */
  public ObjectivesReport rto(Duration target) {
    return new ObjectivesReport(
        rpo, checkTarget("RTO", target), rpoBySource, rtoBySource, rtoByKind);
  }

  /** The same report with RPO target {@code target} for {@code source}. */
  public ObjectivesReport rpo(String source, Duration target) {
    Map<String, Duration> map = new HashMap<>(rpoBySource);
    map.put(requireNonNull(source, "source"), checkTarget("RPO", target));
    return new ObjectivesReport(rpo, rto, map, rtoBySource, rtoByKind);
  }

  /** The same report with RTO target {@code target} for {@code source}. */
  public ObjectivesReport rto(String source, Duration target) {
    Map<String, Duration> map = new HashMap<>(rtoBySource);
    map.put(requireNonNull(source, "source"), checkTarget("RTO", target));
    return new ObjectivesReport(rpo, rto, rpoBySource, map, rtoByKind);
  }

  /**
   * The same report with RTO target {@code target} for sources of {@code kind} that have no target
   * of their own, instead of the one the kind's provider declares.
   */
  public ObjectivesReport rtoOfKind(String kind, Duration target) {
    String k = requireNonNull(kind, "kind").toLowerCase(Locale.ROOT);
    Duration t = checkTarget("RTO", target);
    Function<String, Optional<Duration>> before = rtoByKind;
    return new ObjectivesReport(
        rpo,
        rto,
        rpoBySource,
        rtoBySource,
        asked -> asked.equals(k) ? Optional.of(t) : before.apply(asked));
  }

  /** The RPO target of {@code source}. */
  public Duration rpoTarget(String source) {
    return rpoBySource.getOrDefault(source, rpo);
  }

  /**
   * The RTO target of {@code source} of kind {@code kind}: its own, else its kind's, else the
   * default.
   */
  public Duration rtoTarget(String source, String kind) {
    Duration own = rtoBySource.get(source);
    if (own != null) {
      return own;
    }
    return kind == null ? rto : rtoByKind.apply(kind.toLowerCase(Locale.ROOT)).orElse(rto);
  }

  /**
   * The objectives of every source in the catalog's repository at {@code now}, by source name.
   *
   * @throws IOException if the catalog cannot be read
   */
  public List<SourceObjectives> report(Catalog catalog, Instant now) throws IOException {
    requireNonNull(now, "now");
    Map<String, List<BackupRecord>> bySource = new LinkedHashMap<>();
    catalog.list().stream()
        .sorted(
            java.util.Comparator.comparing((BackupRecord b) -> b.manifest().sourceName())
                .thenComparing(Catalog.NEWEST_FIRST))
        .forEach(
            b ->
                bySource.computeIfAbsent(b.manifest().sourceName(), k -> new ArrayList<>()).add(b));
    List<SourceObjectives> result = new ArrayList<>();
    for (Map.Entry<String, List<BackupRecord>> entry : bySource.entrySet()) {
      result.add(evaluate(entry.getKey(), entry.getValue(), now));
    }
    return result;
  }

  /** The objectives of one source from its backups (any order) at {@code now}. */
  public SourceObjectives evaluate(String source, List<BackupRecord> backups, Instant now) {
    List<BackupRecord> sorted = new ArrayList<>(backups);
    sorted.sort(Catalog.NEWEST_FIRST);
    String kind = sorted.isEmpty() ? null : sorted.get(0).manifest().sourceKind();
    Duration rpoTarget = rpoTarget(source);
    Duration rtoTarget = rtoTarget(source, kind);

    Optional<BackupRecord> restorable =
        sorted.stream()
            .filter(b -> b.lastVerification().map(VerificationResult::passed).orElse(true))
            .findFirst();
    Instant newestAt = restorable.map(b -> b.manifest().finishedAt()).orElse(null);
    Long age = newestAt == null ? null : Math.max(0, Duration.between(newestAt, now).toSeconds());
    Status rpoStatus =
        age == null ? Status.UNKNOWN : age > rpoTarget.toSeconds() ? Status.VIOLATED : Status.OK;

    VerificationResult lastPassed = null;
    VerificationResult lastRestore = null;
    for (BackupRecord backup : sorted) {
      for (VerificationResult v : backup.verifications()) {
        if (!v.passed()) {
          continue;
        }
        if (lastPassed == null || v.at().isAfter(lastPassed.at())) {
          lastPassed = v;
        }
        if (v.level() == VerificationLevel.RESTORE
            && (lastRestore == null || v.at().isAfter(lastRestore.at()))) {
          lastRestore = v;
        }
      }
    }
    Status rtoStatus =
        lastRestore == null
            ? Status.UNKNOWN
            : lastRestore.duration().compareTo(rtoTarget) > 0 ? Status.VIOLATED : Status.OK;
    return new SourceObjectives(
        source,
        kind,
        sorted.size(),
        restorable.map(BackupRecord::id).orElse(null),
        newestAt,
        age,
        rpoTarget.toSeconds(),
        rpoStatus,
        lastPassed == null ? null : lastPassed.at(),
        lastPassed == null ? null : lastPassed.level().id(),
        lastRestore == null ? null : lastRestore.at(),
        lastRestore == null ? null : lastRestore.duration().toSeconds(),
        rtoTarget.toSeconds(),
        rtoStatus,
        lastRestore == null ? null : lastRestore.duration().toMillis());
  }

  private static Duration checkTarget(String what, Duration target) {
    checkArgument(
        target != null && !target.isNegative() && !target.isZero(),
        "%s target (%s) must be positive",
        what,
        target);
    return target;
  }

  @Override
  public String toString() {
    return "ObjectivesReport[RPO " + rpo + ", RTO " + rto + ", per kind " + rtoByKind + "]";
  }
}
