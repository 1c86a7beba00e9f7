package io.biowerk.dr.core.retention;

import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.Manifests;
import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.RetentionDecision;
import io.biowerk.dr.core.RetentionPlan;
import io.biowerk.dr.core.RetentionPolicy;
import io.biowerk.dr.core.RunMarker;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.catalog.Verifications;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans and applies retention for one source. Planning never changes the repository, so a dry run
 * is the plan printed; applying is a separate step.
 *
 * <p>Safety rules no policy can override, applied to every plan and checked again when it is
 * applied:
 *
 * <ul>
 *   <li>the newest backup of a source is kept ({@code newest});
 *   <li>the newest backup whose latest verification passed is kept ({@code last verified}), so a
 *       backup known to restore always survives, even when newer ones are unverified or failed;
 *   <li>while a backup of the source is being written (an in-progress marker younger than the
 *       catalog's staleness limit), nothing of that source is deleted or moved ({@code in
 *       progress}).
 * </ul>
 */
public final class Retention {

  private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

  /** Reason given for the newest backup of a source. */
  public static final String NEWEST = "newest";

  /** Reason given for the newest backup whose latest verification passed. */
  public static final String LAST_VERIFIED = "last verified";

  /** Reason given for every backup kept because a backup of the source is being written. */
  public static final String IN_PROGRESS = "in progress";

  private Retention() {}

  /**
   * Plans retention of {@code source}'s backups under {@code policy} at {@code now}, with the
   * safety rules applied on top. The decisions are newest first.
   *
   * @throws IOException if the catalog cannot be read
   * @throws IllegalStateException if the policy does not decide every backup exactly once
   */
  public static RetentionPlan plan(
      Catalog catalog, String source, RetentionPolicy policy, Instant now) throws IOException {
    requireNonNull(catalog, "catalog");
    requireNonNull(policy, "policy");
    requireNonNull(now, "now");
    List<BackupRecord> backups = catalog.list(BackupLayout.checkSourceName(source));
    return withSafetyRules(policy, backups, catalog.inProgress(source, now), now);
  }

  /**
   * Applies {@code policy} to {@code backups} (every backup of one source) and the safety rules on
   * top; {@code inProgress} is when a backup of the source that is being written started, if one
   * is.
   *
   * @throws IllegalStateException if the policy does not decide every backup exactly once
   */
  public static RetentionPlan withSafetyRules(
      RetentionPolicy policy,
      List<BackupRecord> backups,
      Optional<Instant> inProgress,
      Instant now) {
    List<BackupRecord> sorted = new ArrayList<>(backups);
    sorted.sort(Catalog.NEWEST_FIRST);
    RetentionPlan planned = policy.plan(sorted, now);
    List<RetentionDecision> given = planned.decisions();
    checkState(
        given.size() == sorted.size(),
        "retention policy %s decided %s backups but was given %s",
        policy,
        given.size(),
        sorted.size());
    Map<String, RetentionDecision> byId = null;
    for (int i = 0; i < given.size() && byId == null; i++) {
      if (!given.get(i).backup().id().equals(sorted.get(i).id())) {
        // Not in the order given: match by id (the usual policy keeps the order, so this is rare).
        byId = new HashMap<>(sorted.size() * 2);
        for (RetentionDecision decision : given) {
          checkState(
              byId.put(decision.backup().id(), decision) == null,
              "retention policy %s decided backup %s twice",
              policy,
              decision.backup().id());
        }
      }
    }
    String newest = sorted.isEmpty() ? null : sorted.get(0).id();
    String lastVerified = lastVerified(sorted);
    List<RetentionDecision> decisions = new ArrayList<>(sorted.size());
    for (int i = 0; i < sorted.size(); i++) {
      BackupRecord backup = sorted.get(i);
      RetentionDecision decision = byId == null ? given.get(i) : byId.get(backup.id());
      checkState(
          decision != null, "retention policy %s did not decide backup %s", policy, backup.id());
      boolean isNewest = backup.id().equals(newest);
      boolean isLastVerified = backup.id().equals(lastVerified);
      if (!isNewest && !isLastVerified && inProgress.isEmpty()) {
        decisions.add(decision);
        continue;
      }
      List<String> safety = new ArrayList<>(3);
      if (isNewest) {
        safety.add(NEWEST);
      }
      if (isLastVerified) {
        safety.add(LAST_VERIFIED);
      }
      if (inProgress.isPresent()) {
        safety.add(IN_PROGRESS + " (a backup started " + inProgress.get() + ")");
      }
      String current = backup.manifest().tier();
      if (decision.keep()) {
        List<String> reasons = new ArrayList<>(safety);
        reasons.addAll(decision.reasons());
        decisions.add(
            new RetentionDecision(
                backup, true, reasons, inProgress.isPresent() ? current : decision.tier()));
      } else {
        decisions.add(new RetentionDecision(backup, true, safety, current));
      }
    }
    return new RetentionPlan(decisions);
  }

  /** The newest backup whose latest verification passed, or null. */
  static String lastVerified(List<BackupRecord> newestFirst) {
    for (BackupRecord backup : newestFirst) {
      if (backup.lastVerification().map(v -> v.passed()).orElse(false)) {
        return backup.id();
      }
    }
    return null;
  }

  /**
   * Carries out a plan: deletes the backups it deletes and moves kept backups into the tier folder
   * it names.
   *
   * <p>A deletion removes the manifest first, so the backup leaves listings at once, then the data
   * object, its {@code .sha256} and {@code .verify.json} side files. A promotion copies the data
   * object and its side files with {@link Sink#copy} (on the server where the sink can, never
   * re-encoding), writes the moved manifest, and only then deletes the old objects; an interruption
   * leaves two manifests of the same backup, of which the catalog lists the higher tier and reports
   * the other's objects as orphans.
   *
   * <p>The repository is read again first: backups already gone or already in their tier are left
   * alone, so applying a plan twice changes nothing, and an interrupted apply is finished by
   * applying again; objects an interrupted deletion left behind (its manifest already gone) are
   * orphans for {@link Catalog#cleanOrphans}. Before deleting anything of a source, the apply
   * writes a prune marker naming the backups it deletes ({@link RunMarker#pruneBody}) and removes
   * it when done; if the process dies in between, the next prune or backup removes what is left of
   * those backups at once rather than after the grace period. The safety rules are checked again
   * against what the repository holds now; decisions they forbid are skipped and reported.
   *
   * @param sink the sink of the repository {@code catalog} reads
   * @throws IOException if an object cannot be copied or deleted; what was done before stays done,
   *     and applying the plan again finishes the rest. A backup the store holds (a {@link
   *     StorageException} with reason {@code IMMUTABLE}: an object hold, a retention lock) is not a
   *     failure: it is kept, reported in {@link ApplyResult#skipped()}, and the rest goes on
   */
  public static ApplyResult apply(Catalog catalog, Sink sink, RetentionPlan plan)
      throws IOException {
    requireNonNull(catalog, "catalog");
    requireNonNull(sink, "sink");
    requireNonNull(plan, "plan");
    List<String> deleted = new ArrayList<>();
    List<ApplyResult.Promotion> promoted = new ArrayList<>();
    List<ApplyResult.Skip> skipped = new ArrayList<>();
    long freed = 0;
    Set<String> sources = new LinkedHashSet<>();
    plan.decisions().forEach(d -> sources.add(d.backup().manifest().sourceName()));
    for (String source : sources) {
      List<RetentionDecision> decisions =
          plan.decisions().stream()
              .filter(d -> d.backup().manifest().sourceName().equals(source))
              .toList();
      Optional<Instant> running = catalog.inProgress(source);
      if (running.isPresent()) {
        for (RetentionDecision decision : decisions) {
          if (!decision.keep() || !decision.tier().equals(decision.backup().manifest().tier())) {
            skipped.add(
                new ApplyResult.Skip(
                    decision.backup().id(),
                    "retention: a backup of "
                        + source
                        + " is in progress (started "
                        + running.get()
                        + "); run prune again after it finishes"));
          }
        }
        continue;
      }
      List<BackupRecord> now = catalog.list(source);
      Map<String, BackupRecord> current = new HashMap<>();
      now.forEach(b -> current.put(b.id(), b));
      Set<String> protectedIds = new HashSet<>();
      if (!now.isEmpty()) {
        protectedIds.add(now.get(0).id());
      }
      String lastVerified = lastVerified(now);
      if (lastVerified != null) {
        protectedIds.add(lastVerified);
      }
      List<String> doomed = new ArrayList<>();
      for (RetentionDecision decision : decisions) {
        BackupRecord backup = current.get(decision.backup().id());
        if (backup != null && !decision.keep() && !protectedIds.contains(backup.id())) {
          doomed.add(backup.id());
        }
      }
      // The intent goes first: if this process dies between a manifest and its data, the next
      // prune or backup sees the marker's owner dead and removes what is left at once.
      String marker = doomed.isEmpty() ? null : writePruneMarker(catalog, sink, source, doomed);
      for (RetentionDecision decision : decisions) {
        BackupRecord backup = current.get(decision.backup().id());
        if (backup == null || decision.keep()) {
          continue;
        }
        if (protectedIds.contains(backup.id())) {
          skipped.add(
              new ApplyResult.Skip(
                  backup.id(),
                  "retention: "
                      + backup.id()
                      + " is now the newest or the"
                      + " last verified backup of "
                      + source
                      + "; kept"));
          continue;
        }
        try {
          delete(sink, backup.manifest());
        } catch (StorageException e) {
          if (e.reason() != StorageException.Reason.IMMUTABLE) {
            throw e;
          }
          // A hold or a retention lock in the store keeps it: report it and go on with the rest of
          // the plan.
          skipped.add(
              new ApplyResult.Skip(
                  backup.id(),
                  "retention: "
                      + backup.id()
                      + " is held by the store and was kept; prune deletes it once the hold is"
                      + " released ("
                      + e.getMessage()
                      + ")"));
          continue;
        }
        deleted.add(backup.id());
        freed += backup.manifest().storedSize();
      }
      if (marker != null) {
        // Only after every deletion finished: a failure above leaves the marker, so what the
        // failed deletion left goes at the next prune once this process is gone.
        try {
          sink.delete(marker);
        } catch (IOException e) {
          // The backups are deleted; a marker left behind holds nothing busy and goes with the
          // next prune once this process is gone (as a backup's own marker, see BackupJob).
          LOG.warn("retention: cannot remove prune marker {}: {}", marker, e.toString());
        }
      }
      for (RetentionDecision decision : decisions) {
        BackupRecord backup = current.get(decision.backup().id());
        if (backup == null
            || !decision.keep()
            || decision.tier().equals(backup.manifest().tier())) {
          continue;
        }
        promoted.add(promote(sink, backup.manifest(), decision.tier()));
      }
    }
    return new ApplyResult(deleted, promoted, skipped, freed);
  }

  /**
   * Writes the marker of this prune of {@code source} naming the backups it is about to delete
   * ({@link RunMarker#pruneBody}), and returns its key.
   */
  private static String writePruneMarker(
      Catalog catalog, Sink sink, String source, List<String> ids) throws IOException {
    Instant now = catalog.clock().instant();
    String id =
        "prune-"
            + now.toEpochMilli()
            + "-"
            + ProcessHandle.current().pid()
            + "-"
            + Integer.toHexString(ThreadLocalRandom.current().nextInt());
    String key = BackupLayout.inProgressKey(source, id);
    sink.put(key, RunMarker.pruneBody(id, now, ids));
    return key;
  }

  private static void delete(Sink sink, BackupManifest manifest) throws IOException {
    // The manifest goes first: from then on no listing shows the backup, whatever happens next.
    sink.delete(manifest.manifestKey());
    sink.delete(manifest.dataKey());
    sink.delete(manifest.sha256Key());
    sink.delete(manifest.dataKey() + Verifications.SUFFIX);
    LOG.info(
        "retention: deleted backup {} ({}, {} bytes)",
        manifest.id(),
        manifest.dataKey(),
        manifest.storedSize());
  }

  private static ApplyResult.Promotion promote(Sink sink, BackupManifest manifest, String tier)
      throws IOException {
    String from = manifest.dataKey();
    String to = BackupLayout.inTier(from, tier);
    sink.copy(from, to);
    copyIfPresent(sink, manifest.sha256Key(), to + BackupManifest.SHA256_SUFFIX);
    copyIfPresent(sink, from + Verifications.SUFFIX, to + Verifications.SUFFIX);
    BackupManifest moved = manifest.withDataKey(to);
    // The moved manifest is the commit point of the promotion; the old objects go only after it.
    sink.put(moved.manifestKey(), Manifests.toJson(moved));
    sink.delete(manifest.manifestKey());
    sink.delete(from);
    sink.delete(manifest.sha256Key());
    sink.delete(from + Verifications.SUFFIX);
    LOG.info("retention: moved backup {} from {} to {}", manifest.id(), from, to);
    return new ApplyResult.Promotion(manifest.id(), from, to);
  }

  private static void copyIfPresent(Sink sink, String from, String to) throws IOException {
    try {
      sink.copy(from, to);
    } catch (ObjectNotFoundException e) {
      // Side files are optional: an older backup may lack its verification record.
    }
  }
}
