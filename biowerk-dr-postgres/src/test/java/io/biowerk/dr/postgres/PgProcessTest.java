package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The tool runner: error output is drained and bounded, exit statuses and kills are reported. */
class PgProcessTest {

  @Test
  void chattyErrorOutputIsDrainedAndKeptBounded() throws Exception {
    // 1 MB on stderr: more than a pipe holds, so an undrained child would block forever
    PgProcess p =
        PgProcess.start(
            List.of(
                "/bin/sh",
                "-c",
                "echo first-line >&2; head -c 1000000 /dev/zero | tr '\\0' x >&2; echo; echo last-line >&2; exit 3"),
            Map.of("PATH", "/usr/bin:/bin"),
            false,
            false);
    assertThat(p.waitFor()).isEqualTo(3);
    String err = p.stderr();
    assertThat(err).startsWith("first-line").endsWith("last-line").contains("characters left out");
    assertThat(err.length()).isLessThan(70 * 1024);
  }

  @Test
  void aKilledToolReportsTheSignalAsAnExitStatus() throws Exception {
    PgProcess p = PgProcess.start(List.of("/bin/sleep", "60"), Map.of(), false, false);
    p.kill();
    int status = p.waitFor();
    assertThat(status).isEqualTo(128 + 9);
    assertThat(PgFailure.ofTool(status, p.stderr())).isEqualTo(PgFailure.KILLED);
    p.kill(); // idempotent
  }

  @Test
  void theChildSeesOnlyTheEnvironmentGiven() throws Exception {
    PgProcess p =
        PgProcess.start(
            List.of("/bin/sh", "-c", "echo \"[$PGPASSWORD][$HOME]\" >&2"),
            Map.of("PGPASSWORD", "from-env"),
            false,
            false);
    assertThat(p.waitFor()).isZero();
    assertThat(p.stderr()).isEqualTo("[from-env][]");
  }
}
