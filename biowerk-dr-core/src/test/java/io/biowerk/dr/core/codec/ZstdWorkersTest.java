package io.biowerk.dr.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** The automatic choice of zstd worker threads (issue 19) and its override. */
class ZstdWorkersTest {

  @Test
  void aDirectoryGetsOneWorkerPerCore() {
    assertThat(ZstdCodec.automaticWorkers(URI.create("file:///srv/data"), 2)).isEqualTo(2);
    assertThat(ZstdCodec.automaticWorkers(URI.create("file:///srv/data"), 4)).isEqualTo(4);
  }

  @Test
  void aLocalDatabaseLeavesOneCoreToItsOwnDumpTool() {
    assertThat(ZstdCodec.automaticWorkers(URI.create("postgresql://u@127.0.0.1:5432/db"), 2))
        .isEqualTo(1);
    assertThat(ZstdCodec.automaticWorkers(URI.create("postgresql://u@localhost/db"), 4))
        .isEqualTo(3);
    assertThat(ZstdCodec.automaticWorkers(URI.create("redis://[::1]:6379"), 2)).isEqualTo(1);
    // no host: a local socket
    assertThat(ZstdCodec.automaticWorkers(URI.create("postgresql:///db"), 2)).isEqualTo(1);
  }

  @Test
  void aRemoteDatabaseGetsEveryCore() {
    assertThat(ZstdCodec.automaticWorkers(URI.create("postgresql://u@10.1.2.3:5432/db"), 2))
        .isEqualTo(2);
    assertThat(ZstdCodec.automaticWorkers(URI.create("postgresql://u@db.example.org/db"), 2))
        .isEqualTo(2);
  }

  @Test
  void oneCoreCompressesOnTheCallingThreadAndManyCoresAreCapped() {
    assertThat(ZstdCodec.automaticWorkers(URI.create("file:///srv/data"), 1)).isZero();
    assertThat(ZstdCodec.automaticWorkers(URI.create("postgresql://u@localhost/db"), 1)).isZero();
    assertThat(ZstdCodec.automaticWorkers(URI.create("file:///srv/data"), 96))
        .isEqualTo(ZstdCodec.MAX_AUTOMATIC_WORKERS);
  }

  @Test
  void noCoresIsAProgrammerError() {
    assertThatThrownBy(() -> ZstdCodec.automaticWorkers(URI.create("file:///x"), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cores (0) must be at least 1");
  }

  @Test
  void theChoiceIsRecordedInTheParametersAndOverridable() {
    ZstdCodec codec = ZstdCodec.defaults().withWorkers(2);
    assertThat(codec.workers()).isEqualTo(2);
    assertThat(codec.parameters()).containsEntry("workers", "2").containsEntry("level", "3");
    assertThat(ZstdCodec.fromParameters(codec.parameters()).workers()).isEqualTo(2);
    assertThat(codec.withWorkers(0).parameters()).doesNotContainKey("workers");
    assertThatThrownBy(() -> codec.withWorkers(65))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("zstd workers (65) must be 0-64");
  }
}
