package io.biowerk.dr.core.catalog;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.biowerk.dr.core.BackupRecord;
import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.Sink;
import io.biowerk.dr.core.StoredObject;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.internal.Json;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verification history of the backups in one repository: {@code <dataKey>.verify.json} beside
 * each backup (a JSON list, see {@link Verifications}), rewritten whole through {@link Sink#put}
 * under the lock {@code <dataKey>.verify.lock}, which is created with {@link Sink#putIfAbsent}. Two
 * verifications of one backup recorded at the same moment (a scheduled one and a drill) both keep
 * their entries: the second waits for the first up to the lock wait. A lock older than {@link
 * Catalog#RECORD_LOCK_STALE} is the leftover of a crashed run and is broken.
 *
 * <p>The writing half of {@link Catalog#record}; the catalog finds the backup, this class writes
 * its history. Immutable; safe to use from several threads and processes at once (that is what the
 * lock is for).
 */
final class VerificationLog {

  private static final Logger LOG = LoggerFactory.getLogger(VerificationLog.class);

  private final Sink sink;
  private final Clock clock;
  private final Duration lockWait;

  VerificationLog(Sink sink, Clock clock, Duration lockWait) {
    this.sink = requireNonNull(sink, "sink");
    this.clock = requireNonNull(clock, "clock");
    this.lockWait = requireNonNull(lockWait, "lockWait");
  }

  /**
   * Appends {@code result} to the history of {@code backup} and returns the backup with its new
   * history.
   *
   * @throws IOException if the sink cannot be read or written, or another run held the lock too
   *     long (the message names the lock and what to do)
   */
  BackupRecord record(BackupRecord backup, VerificationResult result) throws IOException {
    String dataKey = backup.manifest().dataKey();
    String verifyKey = dataKey + Verifications.SUFFIX;
    String lockKey = dataKey + Verifications.LOCK_SUFFIX;
    lock(lockKey, result.backupId());
    List<VerificationResult> history;
    try {
      // Read afresh under the lock: the listing above may predate another run's entry.
      history = new ArrayList<>(readHistory(verifyKey));
      history.add(result);
      history.sort(Comparator.comparing(VerificationResult::at));
      sink.put(verifyKey, Verifications.toJson(history));
    } finally {
      try {
        sink.delete(lockKey);
      } catch (IOException e) {
        LOG.warn(
            "catalog: cannot remove the verification lock {}: {}; the next run breaks it after {}",
            lockKey,
            e.toString(),
            Catalog.RECORD_LOCK_STALE);
      }
    }
    LOG.info(
        "catalog: recorded {} verification of {}: {}",
        result.level().id(),
        result.backupId(),
        result.passed() ? "passed" : "FAILED");
    return new BackupRecord(backup.manifest(), history);
  }

  private List<VerificationResult> readHistory(String verifyKey) throws IOException {
    byte[] json;
    try {
      json = sink.get(verifyKey);
    } catch (ObjectNotFoundException e) {
      return List.of();
    }
    try {
      return Verifications.parse(json, verifyKey);
    } catch (IOException e) {
      // A damaged history is not a reason to lose this result; listing warns about it too.
      LOG.warn("{}; starting it afresh", e.getMessage());
      return List.of();
    }
  }

  private void lock(String lockKey, String backupId) throws IOException {
    long deadline = System.nanoTime() + lockWait.toNanos();
    while (true) {
      Instant now = clock.instant();
      byte[] body = Json.compact(Map.of("lockedAt", now.toString()));
      if (sink.putIfAbsent(lockKey, body)) {
        return;
      }
      Instant lockedAt = lockedAt(lockKey);
      if (lockedAt != null && lockedAt.plus(Catalog.RECORD_LOCK_STALE).isBefore(now)) {
        LOG.warn(
            "catalog: breaking the verification lock {} from {}: older than {}, so left by a crashed run",
            lockKey,
            lockedAt,
            Catalog.RECORD_LOCK_STALE);
        sink.delete(lockKey);
        continue;
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(
            "catalog: cannot record the verification of "
                + backupId
                + ": another run has held"
                + " the lock "
                + lockKey
                + " for more than "
                + lockWait.toMillis()
                + " ms"
                + (lockedAt == null ? "" : " (since " + lockedAt + ")")
                + "; run the verification again later, or delete that lock if"
                + " no other verification of this backup is running");
      }
      try {
        Thread.sleep(10 + ThreadLocalRandom.current().nextInt(40));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException(
            "catalog: interrupted while waiting for the lock " + lockKey);
      }
    }
  }

  /**
   * When the lock was taken, from its body (else the object's time); null if it is gone or
   * unreadable.
   */
  private Instant lockedAt(String lockKey) throws IOException {
    try {
      JsonNode node = Json.read(sink.get(lockKey));
      return Instant.parse(node.path("lockedAt").asText());
    } catch (ObjectNotFoundException e) {
      return null;
    } catch (IOException | RuntimeException e) {
      for (StoredObject object : sink.list(lockKey)) {
        if (object.key().equals(lockKey)) {
          return object.lastModified();
        }
      }
      return null;
    }
  }
}
