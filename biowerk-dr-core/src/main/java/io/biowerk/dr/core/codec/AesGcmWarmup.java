package io.biowerk.dr.core.codec;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Gets the JDK's AES-GCM compiled by C2 before the bulk data needs it. Until C2 compiles the GCM
 * code with its AES-NI/CLMUL intrinsics, AES-GCM runs at 20-80 MB/s instead of GB/s, and C2
 * compiles only after thousands of {@code doFinal} calls: with 64 KiB segments that is the first
 * ~200 MiB of a backup, most of the first GiB of input of a fresh JVM (a nightly backup started by
 * cron). So once a channel has sealed (or opened) {@link #AFTER_BYTES} (8 MiB) in a JVM, it starts
 * a daemon thread that seals (or opens) a few thousand 1 KiB segments under a throwaway all-zero
 * key through the same calls: ~0.3 s of CPU plus C2's compiling, mostly on the core the compressor
 * leaves idle, and the data path is fast a few hundred milliseconds later. Waiting for {@code
 * AFTER_BYTES} first spares that CPU to a backup that encrypts little (a dump that compresses 100x
 * encrypts 5 MB per 500 MB read, which the cold cipher handles in a tenth of a second, while the
 * warm-up would take CPU from the database's own dump tool). Its output is discarded; it touches no
 * real key. Off with {@code -Dio.biowerk.dr.enc.warmup=false}.
 */
final class AesGcmWarmup {
  static final int ROUNDS = 6000;

  /**
   * The bytes a channel seals or opens before it starts the warm-up: 8 MiB, or {@code
   * -Dio.biowerk.dr.enc.warmup-after=BYTES} (0 warms up at the first segment).
   */
  static final long AFTER_BYTES = Long.getLong("io.biowerk.dr.enc.warmup-after", 8L << 20);

  private static final AtomicBoolean ENCRYPT = new AtomicBoolean();
  private static final AtomicBoolean DECRYPT = new AtomicBoolean();

  private AesGcmWarmup() {}

  /** Counts one channel's bytes and starts the warm-up once they pass {@link #AFTER_BYTES}. */
  static final class Trigger {
    private final int mode;
    private long passed;
    private boolean fired;

    Trigger(int mode) {
      this.mode = mode;
    }

    void passed(int bytes) {
      passed += bytes;
      if (!fired && passed >= AFTER_BYTES) {
        fired = true;
        start(mode);
      }
    }
  }

  // The lowest priority is the point: the warm-up must not take the CPU a dump tool wants.
  @SuppressWarnings("ThreadPriorityCheck")
  static void start(int mode) {
    if (!Boolean.parseBoolean(System.getProperty("io.biowerk.dr.enc.warmup", "true"))) {
      return;
    }
    AtomicBoolean started = mode == Cipher.ENCRYPT_MODE ? ENCRYPT : DECRYPT;
    if (!started.compareAndSet(false, true)) {
      return;
    }
    Thread thread = new Thread(() -> run(mode), "biowerk-dr-aes-gcm-warmup");
    thread.setDaemon(true);
    thread.setPriority(Thread.MIN_PRIORITY);
    thread.start();
  }

  static void run(int mode) {
    try {
      SecretKeySpec key = new SecretKeySpec(new byte[32], "AES");
      byte[] aad =
          EncryptionCodec.header(
              "warmup",
              EncryptionCodec.DEFAULT_SEGMENT_SIZE,
              new byte[EncryptionCodec.SALT_LENGTH],
              new byte[EncryptionCodec.COMMITMENT_LENGTH]);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      ByteBuffer plain = ByteBuffer.allocate(1024);
      ByteBuffer sealed = ByteBuffer.allocate(1024 + EncryptionCodec.TAG_LENGTH);
      if (mode == Cipher.ENCRYPT_MODE) {
        for (int i = 0; i < ROUNDS; i++) {
          cipher.init(
              Cipher.ENCRYPT_MODE,
              key,
              new GCMParameterSpec(
                  EncryptionCodec.TAG_LENGTH * 8, EncryptionCodec.nonce(i, false)));
          cipher.updateAAD(aad);
          plain.clear();
          sealed.clear();
          cipher.doFinal(plain, sealed);
        }
      } else {
        byte[] nonce = EncryptionCodec.nonce(0, false);
        cipher.init(
            Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(EncryptionCodec.TAG_LENGTH * 8, nonce));
        cipher.updateAAD(aad);
        cipher.doFinal(plain, sealed);
        for (int i = 0; i < ROUNDS; i++) {
          cipher.init(
              Cipher.DECRYPT_MODE,
              key,
              new GCMParameterSpec(EncryptionCodec.TAG_LENGTH * 8, nonce));
          cipher.updateAAD(aad);
          sealed.flip();
          plain.clear();
          cipher.doFinal(sealed, plain);
        }
      }
    } catch (GeneralSecurityException | RuntimeException e) {
      // Only an optimisation: the data path reports its own failures.
    }
  }
}
