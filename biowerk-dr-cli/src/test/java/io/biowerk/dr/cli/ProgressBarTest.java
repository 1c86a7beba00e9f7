package io.biowerk.dr.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.ProgressListener.Progress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

  @Test
  void withAKnownTotalItShowsBarPercentRateAndEta() {
    String line =
        ProgressBar.render(
            "restore",
            new Progress(25L << 20, 25L << 20, 100L << 20, Duration.ofSeconds(5), false));
    assertThat(line)
        .isEqualTo(
            "restore [######..................]  25%  25.0 MiB / 100.0 MiB  5.0 MiB/s  ETA 0:15");
  }

  @Test
  void withoutATotalItShowsBytesRateAndElapsedTime() {
    String line =
        ProgressBar.render(
            "backup", new Progress(3L << 30, 1L << 30, -1, Duration.ofSeconds(65), false));
    assertThat(line).isEqualTo("backup  3.0 GiB read -> 1.0 GiB stored  47.3 MiB/s  1:05");
  }

  @Test
  void redrawsInPlaceAndClearsWhenDone() {
    StringWriter text = new StringWriter();
    ProgressBar bar = new ProgressBar(new PrintWriter(text), "backup");
    bar.onProgress(new Progress(1 << 20, 1 << 19, -1, Duration.ofSeconds(1), false));
    bar.onProgress(new Progress(2 << 20, 1 << 20, -1, Duration.ofSeconds(2), true));
    assertThat(text.toString()).startsWith("\rbackup  1.0 MiB read").endsWith("\r");
    assertThat(text.toString().replace("\r", "").strip()).startsWith("backup  1.0 MiB read");
  }

  @Test
  void noProgressIsDrawnWhenOutputIsNotATerminal() throws Exception {
    // Cli runs with terminal=false, as under cron or in a pipe: stderr must carry no carriage
    // returns.
    Cli.Result result = new Cli(java.nio.file.Files.createTempDirectory("pb")).run("keys", "list");
    assertThat(result.err()).doesNotContain("\r");
  }
}
