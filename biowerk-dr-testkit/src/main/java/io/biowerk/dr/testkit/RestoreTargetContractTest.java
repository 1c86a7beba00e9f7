package io.biowerk.dr.testkit;

import static io.biowerk.dr.testkit.Checks.assertThrowsContaining;
import static io.biowerk.dr.testkit.Checks.assertThrowsWithMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.biowerk.dr.core.PendingWrite;
import io.biowerk.dr.core.RestoreTarget;
import io.biowerk.dr.core.TargetNotEmptyException;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link RestoreTarget} passes: a backup restores into an empty target; a target
 * that holds data is refused without {@code force} and left as it was; with {@code force} it is
 * replaced; and, for a {@linkplain #transactional() transactional} target, nothing takes effect
 * before the commit, an abort or a close without commit leaves the target as it was, and damaged
 * input makes the commit fail and leaves the target as it was. A target that applies as the bytes
 * stream (Redis {@code RESTORE}) declares itself not transactional; it must still refuse, replace,
 * restore, and fail on damaged input.
 *
 * <p>Extend it and implement the hooks: {@link #newTarget} (a target for one place: a directory, a
 * database, a server, the same place within one test and empty at its start), {@link #backup()} (a
 * small good backup), {@link #fill()} (puts data of its own into the place), {@link #state()} (a
 * comparable picture of what the place holds) and {@link #checkRestored}.
 */
public abstract class RestoreTargetContractTest {

  /**
   * A target for this test's place; {@code force} allows overwriting data found there.
   *
   * @throws Exception if it cannot be made (the test then fails)
   */
  protected abstract RestoreTarget newTarget(boolean force) throws Exception;

  /** A small good backup to restore: its native bytes and a manifest that fits them. */
  protected abstract NativeBackup backup() throws Exception;

  /** Puts data of the place's own into it (files, a table, keys), so that it is not empty. */
  protected abstract void fill() throws Exception;

  /**
   * What the place holds, as a value whose {@code equals} compares contents: file names and hashes,
   * table names and row counts, keys and values.
   */
  protected abstract Object state() throws Exception;

  /** Asserts that the place holds exactly what {@code backup} holds. */
  protected abstract void checkRestored(NativeBackup backup) throws Exception;

  /**
   * Whether nothing takes effect before the commit (staging and rename, a single transaction). True
   * by default.
   */
  protected boolean transactional() {
    return true;
  }

  /**
   * A damaged copy of the backup's bytes that the target must refuse: the first half by default.
   */
  protected byte[] damage(byte[] intact) {
    return Arrays.copyOf(intact, intact.length / 2);
  }

  private static void writeAll(PendingWrite out, byte[] bytes) throws IOException {
    HostileChannels.RANDOM_SHORT.writeAll(out, bytes);
  }

  @Test
  void aBackupRestoresIntoAnEmptyTarget() throws Exception {
    NativeBackup backup = backup();
    try (PendingWrite out = newTarget(false).open(backup.manifest())) {
      writeAll(out, backup.bytes());
      out.commit();
    }
    checkRestored(backup);
  }

  @Test
  void aTargetHoldingDataIsRefusedWithoutForceAndLeftAsItWas() throws Exception {
    fill();
    Object before = state();
    NativeBackup backup = backup();
    RestoreTarget target = newTarget(false);
    assertThrowsContaining(
        TargetNotEmptyException.class,
        () -> target.open(backup.manifest()).close(),
        "force",
        "opening a target that holds data without force");
    assertEquals(before, state(), "the target after the refusal");
  }

  @Test
  void forceReplacesWhatTheTargetHeld() throws Exception {
    fill();
    NativeBackup backup = backup();
    try (PendingWrite out = newTarget(true).open(backup.manifest())) {
      writeAll(out, backup.bytes());
      out.commit();
    }
    checkRestored(backup);
  }

  @Test
  void nothingTakesEffectBeforeTheCommit() throws Exception {
    Object empty = state();
    NativeBackup backup = backup();
    try (PendingWrite out = newTarget(false).open(backup.manifest())) {
      writeAll(out, backup.bytes());
      if (transactional()) {
        assertEquals(empty, state(), "the target after the last byte, before commit");
      }
      out.commit();
    }
    checkRestored(backup);
  }

  @Test
  void anAbortLeavesTheTargetAsItWas() throws Exception {
    fill();
    Object before = state();
    NativeBackup backup = backup();
    PendingWrite out = newTarget(true).open(backup.manifest());
    writeAll(out, Arrays.copyOf(backup.bytes(), backup.bytes().length / 2));
    out.abort();
    out.abort(); // idempotent
    out.close();
    if (transactional()) {
      assertEquals(before, state(), "the target after an abort");
    }
    // The aborted restore left nothing that stops the next one.
    try (PendingWrite again = newTarget(true).open(backup.manifest())) {
      writeAll(again, backup.bytes());
      again.commit();
    }
    checkRestored(backup);
  }

  @Test
  void closingWithoutCommitAborts() throws Exception {
    fill();
    Object before = state();
    NativeBackup backup = backup();
    try (PendingWrite out = newTarget(true).open(backup.manifest())) {
      writeAll(out, backup.bytes());
    }
    if (transactional()) {
      assertEquals(before, state(), "the target after close without commit");
    }
  }

  @Test
  void damagedInputFailsTheCommitAndLeavesTheTargetAsItWas() throws Exception {
    fill();
    Object before = state();
    NativeBackup backup = backup();
    byte[] damaged = damage(backup.bytes());
    PendingWrite out = newTarget(true).open(backup.manifest());
    try {
      assertThrowsWithMessage(
          IOException.class,
          () -> {
            writeAll(out, damaged);
            out.commit();
          },
          "writing and committing a damaged backup");
    } finally {
      out.close();
    }
    if (transactional()) {
      assertEquals(before, state(), "the target after a damaged restore");
    }
  }
}
