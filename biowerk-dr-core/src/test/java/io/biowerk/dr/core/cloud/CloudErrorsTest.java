package io.biowerk.dr.core.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.core.ObjectNotFoundException;
import io.biowerk.dr.core.StorageException;
import io.biowerk.dr.core.cloud.CloudErrors.Place;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;

class CloudErrorsTest {

  private final Place object =
      new Place("s3", "bucket", "backups", "pg/daily/a.dump", "s3://backups/repo/pg/daily/a.dump");
  private final Place container = new Place("azure sink", "container", "dr", null, "azure://a/dr");

  @Test
  void aPlaceNamesKeyAndContainerOrTheContainerAlone() {
    assertThat(object.target()).isEqualTo("'pg/daily/a.dump' in bucket 'backups'");
    assertThat(container.target()).isEqualTo("container 'dr'");
  }

  @Test
  void notFoundNamesKeyAndLocationAndCarriesTheKey() {
    RuntimeException cause = new RuntimeException("404");
    ObjectNotFoundException e = CloudErrors.notFound(object, cause);
    assertThat(e)
        .hasMessage(
            "s3: no object 'pg/daily/a.dump' in bucket 'backups'"
                + " (s3://backups/repo/pg/daily/a.dump)")
        .hasCause(cause);
    assertThat(e.key()).isEqualTo("pg/daily/a.dump");
  }

  @Test
  void heldIsImmutableAndSaysHowItEnds() {
    StorageException e = CloudErrors.held(object, "AccessDenied", "the lock expires", null);
    assertThat(e.reason()).isEqualTo(StorageException.Reason.IMMUTABLE);
    assertThat(e)
        .hasMessage(
            "s3: 'pg/daily/a.dump' in bucket 'backups' is held (AccessDenied); it cannot be"
                + " changed or deleted until the lock expires; it was left in place");
    assertThat(e.location()).isEqualTo("s3://backups/repo/pg/daily/a.dump");
  }

  @Test
  void failedAndDroppedAndInterruptedNameWhatWasAsked() {
    assertThat(
            CloudErrors.failed(
                container,
                "List Blobs",
                "HTTP 500",
                "run it again",
                StorageException.Reason.OTHER,
                null))
        .hasMessage("azure sink: List Blobs on container 'dr' failed (HTTP 500); run it again");
    StorageException dropped =
        CloudErrors.dropped(
            object, "UploadPart", "http://h:1", new SocketException("Connection reset"), null);
    assertThat(dropped.reason()).isEqualTo(StorageException.Reason.UNREACHABLE);
    assertThat(dropped)
        .hasMessageStartingWith(
            "s3: the connection to http://h:1 dropped during UploadPart on 'pg/daily/a.dump' in"
                + " bucket 'backups' (SocketException: Connection reset)")
        .hasMessageEndingWith("check the network and any proxy, then run it again");
    assertThat(CloudErrors.interrupted(object, "GetObject", null))
        .isInstanceOf(InterruptedIOException.class)
        .hasMessage("s3: GetObject on 'pg/daily/a.dump' in bucket 'backups' was interrupted");
  }

  @Test
  void causesAreFoundDownTheChain() {
    Exception refused = new IOException("wrapped", new ConnectException("refused"));
    assertThat(CloudErrors.unreachableCause(refused)).isInstanceOf(ConnectException.class);
    assertThat(CloudErrors.unreachableCause(new IOException("disk"))).isNull();
    assertThat(CloudErrors.cause(refused, ConnectException.class).getMessage())
        .isEqualTo("refused");
    assertThat(CloudErrors.isInterruption(new IOException(new SocketTimeoutException()))).isFalse();
    assertThat(CloudErrors.isInterruption(new IOException(new InterruptedIOException()))).isTrue();
    assertThat(CloudErrors.isThrottlingOrServerError(429)).isTrue();
    assertThat(CloudErrors.isThrottlingOrServerError(503)).isTrue();
    assertThat(CloudErrors.isThrottlingOrServerError(404)).isFalse();
    assertThat(CloudErrors.isThrottlingOrServerError(501)).as("not implemented").isFalse();
    assertThat(CloudErrors.firstLine("one\ntwo")).isEqualTo("one");
    assertThat(CloudErrors.firstLine(null)).isEmpty();
  }
}
