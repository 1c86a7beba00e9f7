package io.biowerk.dr.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.biowerk.dr.core.IntegrityException;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Coverage-guided fuzzing (Jazzer) of {@link RdbParser}, which reads the untrusted RDB of a redis
 * backup at verify and restore: the whole input is parsed with a visitor that asks for keys and
 * {@code DUMP} payloads (the restore path). Only {@link IntegrityException} (truncated, damaged,
 * CRC mismatch) and {@link UnsupportedRdbException} (a newer version or type) may escape, each with
 * a message; any other exception or error (an out-of-bounds index in a listpack walk, an allocation
 * sized by a damaged length) is a finding.
 *
 * <p>The default build replays the seed corpus in {@code RdbParserFuzzTestInputs/} (RDB files
 * written by a real redis-server); {@code mvn test -Pfuzz -Dtest=RdbParserFuzzTest} fuzzes
 * (docs/reliability.md).
 */
class RdbParserFuzzTest {

  @FuzzTest(maxDuration = "10m")
  void rdb(byte[] input) throws Exception {
    try {
      RdbSummary summary =
          RdbParser.over(new ByteArrayInputStream(input))
              .parse(
                  new RdbVisitor() {
                    @Override
                    public boolean wantsPayloads() {
                      return true;
                    }

                    @Override
                    public boolean wantsKeys() {
                      return true;
                    }

                    @Override
                    public void key(RdbKey key) throws IOException {
                      assertThat(key).isNotNull();
                    }
                  });
      assertThat(summary).isNotNull();
    } catch (IntegrityException | UnsupportedRdbException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }
}
