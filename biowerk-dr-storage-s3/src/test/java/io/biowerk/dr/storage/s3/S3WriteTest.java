package io.biowerk.dr.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Part sizes: how far 10,000 parts reach, and that no part buffer exceeds 1 GiB. */
class S3WriteTest {

  private static long reach(int base) {
    long total = 0;
    for (int part = 1; part <= S3Options.MAX_PARTS; part++) {
      total += S3Write.partSize(base, part);
    }
    return total;
  }

  @Test
  void partsGrowEveryThousandParts() {
    int base = 8 << 20;
    assertThat(S3Write.partSize(base, 1)).isEqualTo(base);
    assertThat(S3Write.partSize(base, 1000)).isEqualTo(base);
    assertThat(S3Write.partSize(base, 1001)).isEqualTo(2 * base);
    assertThat(S3Write.partSize(base, 2001)).isEqualTo(4 * base);
    assertThat(S3Write.partSize(base, 10_000)).isEqualTo(S3Options.MAX_PART_SIZE);
  }

  @Test
  void tenThousandPartsCoverSeveralTebibytes() {
    // S3's 5 MiB minimum still reaches > 3 TiB; the default 8 MiB 3.9 TiB (fixed 8 MiB parts: 78
    // GiB).
    assertThat(reach(S3Options.MIN_PART_SIZE)).isGreaterThan(3L << 40);
    assertThat(reach(8 << 20)).isGreaterThan((38L << 40) / 10);
    assertThat(reach(64 << 20)).isGreaterThan(6L << 40);
  }

  @Test
  void grownPartsTakeMorePermitsSoBytesInFlightStayBounded() {
    int base = 8 << 20;
    assertThat(S3Write.permits(base, base, 4)).isEqualTo(1); // 4 parts of 8 MiB in flight
    assertThat(S3Write.permits(base, 2 * base, 4)).isEqualTo(2); // 2 of 16 MiB
    assertThat(S3Write.permits(base, 4 * base, 4)).isEqualTo(4); // 1 of 32 MiB
    assertThat(S3Write.permits(base, S3Options.MAX_PART_SIZE, 4)).isEqualTo(4);
    assertThat(S3Write.permits(base, 2 * base, 1)).isEqualTo(1);
    for (int part = 1; part <= S3Options.MAX_PARTS; part++) {
      int size = S3Write.partSize(base, part);
      long inFlight = (long) (4 / S3Write.permits(base, size, 4)) * size;
      assertThat(inFlight).isLessThanOrEqualTo(Math.max(4L * base, size));
    }
  }
}
