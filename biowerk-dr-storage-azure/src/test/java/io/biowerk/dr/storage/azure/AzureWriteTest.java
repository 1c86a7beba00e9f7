package io.biowerk.dr.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AzureWriteTest {

  @Test
  void blocksDoubleEvery10000SoTheBlockLimitCoversSeveralTebibytes() {
    int base = 8 << 20;
    assertThat(AzureWrite.blockSize(base, 1)).isEqualTo(base);
    assertThat(AzureWrite.blockSize(base, 10_000)).isEqualTo(base);
    assertThat(AzureWrite.blockSize(base, 10_001)).isEqualTo(2 * base);
    assertThat(AzureWrite.blockSize(base, 50_000)).isEqualTo(16 * base);
    assertThat(AzureWrite.blockSize(512 << 20, 50_000)).isEqualTo(AzureOptions.MAX_BLOCK_SIZE);
    long total = 0;
    for (int n = 1; n <= AzureOptions.MAX_BLOCKS; n++) {
      total += AzureWrite.blockSize(base, n);
    }
    assertThat(total).isGreaterThan(2L << 40);
  }

  @Test
  void grownBlocksTakeMorePermitsSoBytesInFlightStayBounded() {
    int base = 8 << 20;
    assertThat(AzureWrite.permits(base, base, 4)).isEqualTo(1);
    assertThat(AzureWrite.permits(base, 2 * base, 4)).isEqualTo(2);
    assertThat(AzureWrite.permits(base, 16 * base, 4)).isEqualTo(4);
  }
}
