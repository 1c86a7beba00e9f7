package io.biowerk.dr.testkit;

import static io.biowerk.dr.testkit.Checks.assertNotBlank;
import static io.biowerk.dr.testkit.Checks.assertThrowsWithMessage;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.biowerk.dr.core.IntegrityException;
import io.biowerk.dr.core.NativeVerifier;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.verify.Verifier;
import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The contract every {@link NativeVerifier} passes: it is found by {@link java.util.ServiceLoader}
 * for the source kind of its backups; an intact backup passes at {@link #level()} with a one-line
 * detail; each damaged copy ({@link #damaged}) fails with an {@link IntegrityException} whose
 * message says what is wrong.
 *
 * <p>Extend it and implement {@link #verifier()} and {@link #backup()}; override {@link #damaged}
 * to add damage the format can detect (a flipped byte where a checksum covers it).
 */
public abstract class NativeVerifierContractTest {

  /** The verifier under test. */
  protected abstract NativeVerifier verifier() throws Exception;

  /** A small intact backup of the kind the verifier checks. */
  protected abstract NativeBackup backup() throws Exception;

  /** The level to verify at; {@link VerificationLevel#NATIVE} by default. */
  protected VerificationLevel level() {
    return VerificationLevel.NATIVE;
  }

  /** Options for the verifier ({@code scratch-uri} for a restore test); none by default. */
  protected Map<String, String> options() throws Exception {
    return Map.of();
  }

  /**
   * Damaged copies of the intact bytes, by a name for the test: by default the first half, the
   * first byte only, and the bytes with their first 16 bytes zeroed (a broken header).
   */
  protected Map<String, byte[]> damaged(byte[] intact) {
    Map<String, byte[]> damaged = new LinkedHashMap<>();
    damaged.put("truncated to half", Arrays.copyOf(intact, intact.length / 2));
    damaged.put("one byte", Arrays.copyOf(intact, 1));
    byte[] header = intact.clone();
    Arrays.fill(header, 0, Math.min(16, header.length), (byte) 0);
    damaged.put("header zeroed", header);
    return damaged;
  }

  private String verify(NativeBackup backup) throws Exception {
    try (ReadableByteChannel in = Channels.newChannel(new ByteArrayInputStream(backup.bytes()))) {
      return verifier().verify(backup.manifest(), level(), in, options());
    }
  }

  @Test
  void itIsFoundForTheKindOfItsBackups() throws Exception {
    NativeBackup backup = backup();
    String kind = backup.manifest().sourceKind();
    Set<String> kinds = verifier().sourceKinds();
    assertTrue(
        kinds.contains(kind),
        () ->
            "the verifier's source kinds " + kinds + " do not contain the backup's <" + kind + ">");
    assertInstanceOf(
        verifier().getClass(),
        Verifier.nativeVerifier(kind, level()),
        () -> "the native verifier found for <" + kind + "> at " + level());
  }

  @Test
  void anIntactBackupPasses() throws Exception {
    String detail = verify(backup());
    assertNotBlank(detail, "the verifier's one-line detail");
    assertFalse(
        detail.contains("\n"), () -> "the verifier's detail is not one line: <" + detail + ">");
  }

  @TestFactory
  Stream<DynamicTest> eachDamageFailsWithAnIntegrityException() throws Exception {
    NativeBackup intact = backup();
    return damaged(intact.bytes()).entrySet().stream()
        .map(
            damage ->
                DynamicTest.dynamicTest(
                    damage.getKey(),
                    () ->
                        assertThrowsWithMessage(
                            IntegrityException.class,
                            () -> verify(intact.withBytes(damage.getValue())),
                            "verifying the backup " + damage.getKey())));
  }
}
