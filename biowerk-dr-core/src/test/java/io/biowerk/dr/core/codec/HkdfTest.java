package io.biowerk.dr.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.io.BaseEncoding;
import java.util.Random;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.junit.jupiter.api.Test;

/**
 * {@link Hkdf} against the SHA-256 test cases of RFC 5869 appendix A, and against Bouncy Castle's
 * independent HKDF (a test-only dependency) for random inputs and lengths.
 */
class HkdfTest {

  static byte[] hex(String hex) {
    return BaseEncoding.base16().lowerCase().decode(hex);
  }

  static byte[] range(int from, int toInclusive) {
    byte[] bytes = new byte[toInclusive - from + 1];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (from + i);
    }
    return bytes;
  }

  @Test
  void rfc5869TestCase1() {
    byte[] ikm = new byte[22];
    java.util.Arrays.fill(ikm, (byte) 0x0b);
    assertThat(Hkdf.sha256(ikm, range(0x00, 0x0c), range(0xf0, 0xf9), 42))
        .isEqualTo(
            hex(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"));
  }

  @Test
  void rfc5869TestCase2LongInputs() {
    assertThat(Hkdf.sha256(range(0x00, 0x4f), range(0x60, 0xaf), range(0xb0, 0xff), 82))
        .isEqualTo(
            hex(
                "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
                    + "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
                    + "cc30c58179ec3e87c14c01d5c1f3434f1d87"));
  }

  @Test
  void rfc5869TestCase3EmptySaltAndInfo() {
    byte[] ikm = new byte[22];
    java.util.Arrays.fill(ikm, (byte) 0x0b);
    assertThat(Hkdf.sha256(ikm, new byte[0], new byte[0], 42))
        .isEqualTo(
            hex(
                "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"));
  }

  @Test
  void agreesWithBouncyCastleForRandomInputsAndLengths() {
    Random random = new Random(5869);
    for (int i = 0; i < 300; i++) {
      byte[] ikm = new byte[random.nextInt(80)];
      byte[] salt = new byte[1 + random.nextInt(80)];
      byte[] info = new byte[random.nextInt(40)];
      random.nextBytes(ikm);
      random.nextBytes(salt);
      random.nextBytes(info);
      int length = 1 + random.nextInt(200);
      byte[] expected = new byte[length];
      HKDFBytesGenerator bc = new HKDFBytesGenerator(new SHA256Digest());
      bc.init(new HKDFParameters(ikm, salt, info));
      bc.generateBytes(expected, 0, length);
      assertThat(Hkdf.sha256(ikm, salt, info, length)).as("case %s", i).isEqualTo(expected);
    }
  }

  @Test
  void anImpossibleLengthIsRefused() {
    assertThatThrownBy(() -> Hkdf.sha256(new byte[32], new byte[32], new byte[0], 8161))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("HKDF output length (8161) must be 1 to 8160 bytes");
  }
}
