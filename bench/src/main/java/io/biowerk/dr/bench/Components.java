package io.biowerk.dr.bench;

import io.biowerk.dr.core.codec.Sha256;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The CPU cost of each piece of work the chain adds to compression, in CPU seconds per GB of input,
 * each timed alone and warm on one thread: copying the source into the pipeline's direct buffers,
 * the raw SHA-256, and for the compressed bytes (input / ratio) AES-256-GCM, the stored SHA-256,
 * the hand-off copy and the file write. {@code java -cp benchmarks.jar
 * io.biowerk.dr.bench.Components [ratio, default 3.7]}
 */
public final class Components {

  private Components() {}

  interface Work {
    void run() throws Exception;
  }

  static double cpuSeconds(Work work) throws Exception {
    var bean = ManagementFactory.getThreadMXBean();
    double best = Double.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      long t0 = bean.getCurrentThreadCpuTime();
      work.run();
      best = Math.min(best, (bean.getCurrentThreadCpuTime() - t0) / 1e9);
    }
    return best;
  }

  public static void main(String[] args) throws Exception {
    double ratio = args.length > 0 ? Double.parseDouble(args[0]) : 3.7;
    byte[] sample = BenchSupport.sample();
    double gb = sample.length / 1e9;
    int compressed = (int) (sample.length / ratio);
    ByteBuffer direct = ByteBuffer.allocateDirect(1 << 20);
    ByteBuffer bigDirect = ByteBuffer.allocateDirect(sample.length).put(sample).flip();
    byte[] heapOut = new byte[1 << 20];

    double copy =
        cpuSeconds(
                () -> {
                  for (int at = 0; at < sample.length; at += 1 << 20) {
                    direct.clear();
                    direct.put(sample, at, 1 << 20);
                  }
                })
            / gb;
    double rawSha =
        cpuSeconds(
                () -> {
                  MessageDigest digest = Sha256.newDigest();
                  for (int at = 0; at < sample.length; at += 1 << 20) {
                    digest.update(bigDirect.duplicate().position(at).limit(at + (1 << 20)));
                  }
                  digest.digest();
                })
            / gb;
    double rawShaHeap =
        cpuSeconds(
                () -> {
                  MessageDigest digest = Sha256.newDigest();
                  digest.update(sample, 0, sample.length);
                  digest.digest();
                })
            / gb;
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    SecretKeySpec key = new SecretKeySpec(new byte[32], "AES");
    ByteBuffer sealed = ByteBuffer.allocate((64 << 10) + 16);
    long[] counter = {0};
    double aes =
        cpuSeconds(
                () -> {
                  for (int at = 0; at + (64 << 10) <= compressed; at += 64 << 10) {
                    byte[] nonce = new byte[12];
                    long n = counter[0]++;
                    for (int b = 0; b < 8; b++) {
                      nonce[3 + b] = (byte) (n >>> (8 * b));
                    }
                    cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
                    cipher.updateAAD(new byte[90]);
                    sealed.clear();
                    cipher.doFinal(ByteBuffer.wrap(sample, at, 64 << 10), sealed);
                  }
                })
            / gb;
    double storedSha =
        cpuSeconds(
                () -> {
                  MessageDigest digest = Sha256.newDigest();
                  digest.update(sample, 0, compressed);
                  digest.digest();
                })
            / gb;
    double handoff =
        cpuSeconds(
                () -> {
                  for (int at = 0; at + (1 << 20) <= compressed; at += 1 << 20) {
                    bigDirect.get(at, heapOut, 0, 1 << 20);
                  }
                })
            / gb;
    Path file = Files.createTempFile(Path.of("/dev/shm"), "biowerk-components", ".bin");
    double write;
    try {
      write =
          cpuSeconds(
                  () -> {
                    try (FileChannel channel =
                        FileChannel.open(
                            file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                      for (int at = 0; at + (64 << 10) <= compressed; at += 64 << 10) {
                        ByteBuffer src =
                            ByteBuffer.wrap(
                                sample,
                                at,
                                (64 << 10) + 16 > sample.length - at ? 64 << 10 : (64 << 10) + 16);
                        while (src.hasRemaining()) {
                          channel.write(src);
                        }
                      }
                    }
                  })
              / gb;
    } finally {
      Files.deleteIfExists(file);
    }
    System.out.printf("CPU seconds per GB of input (compressed bytes = input / %.2f):%n", ratio);
    System.out.printf("  source copy into direct buffers   %.3f%n", copy);
    System.out.printf(
        "  raw SHA-256 (direct buffers)      %.3f  (heap array: %.3f)%n", rawSha, rawShaHeap);
    System.out.printf("  AES-256-GCM, 64 KiB segments      %.3f%n", aes);
    System.out.printf("  stored SHA-256                    %.3f%n", storedSha);
    System.out.printf("  hand-off copy (direct to heap)    %.3f%n", handoff);
    System.out.printf("  file write to /dev/shm            %.3f%n", write);
    System.out.printf(
        "  total                             %.3f%n",
        copy + rawSha + aes + storedSha + handoff + write);
  }
}
