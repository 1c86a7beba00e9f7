package io.biowerk.dr.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.Source;

/**
 * {@link GeneratedSource} against the source contract: 3 MiB of text-like rows with a known
 * SHA-256.
 */
class GeneratedSourceContractTest extends SourceContractTest {

  private final GeneratedSource source = GeneratedSource.text(3 << 20, 5).named("orders", "sql");

  @Override
  protected Source newSource() {
    return source;
  }

  @Override
  protected Source newFailingSource() {
    return GeneratedSource.text(1 << 20, 5).failingOnClose("generator: exit status 1");
  }

  @Override
  protected void checkRun(Run run) {
    assertThat(run.size()).isEqualTo(3 << 20);
    assertThat(run.sha256()).isEqualTo(source.sha256());
    assertThat(new String(run.head(), 0, 2, java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("1\t");
    assertThat(run.facts()).containsEntry("generator", "text").containsEntry("size", 3L << 20);
  }
}
