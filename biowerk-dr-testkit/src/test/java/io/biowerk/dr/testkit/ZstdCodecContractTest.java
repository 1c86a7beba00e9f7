package io.biowerk.dr.testkit;

import io.biowerk.dr.core.Codec;
import io.biowerk.dr.core.codec.ZstdCodec;
import org.junit.jupiter.api.Nested;

/**
 * {@link ZstdCodec} against the codec contract: defaults, with zstd worker threads, and
 * long-distance matching.
 */
class ZstdCodecContractTest extends CodecContractTest {

  @Override
  protected Codec newCodec() {
    return ZstdCodec.defaults();
  }

  @Nested
  class WithTwoWorkers extends CodecContractTest {
    @Override
    protected Codec newCodec() {
      return ZstdCodec.of(3, 2, 0);
    }
  }

  @Nested
  class WithLongDistanceMatching extends CodecContractTest {
    @Override
    protected Codec newCodec() {
      return ZstdCodec.of(1, 0, 20);
    }
  }
}
