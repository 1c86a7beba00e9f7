import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.codec.EnvelopeCodec;
import io.biowerk.dr.core.codec.Recipient;
import io.biowerk.dr.core.codec.ZstdCodec;
import io.biowerk.dr.core.files.FilesSource;
import io.biowerk.dr.core.keys.KeyFile;
import io.biowerk.dr.core.local.LocalSink;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Fixture of bench/crash-campaign.sh: makes COUNT backups of SOURCE_DIR into REPO_DIR, encrypted to the active
 * key of KEY_FILE, one minute apart (ending now), through the same library calls the command makes. Only the
 * repository prune and `keys rewrap` start from is made here (hundreds of backups in one JVM instead of one
 * JVM each); the operations under test always run through ./biowerk-dr.
 *
 * <p>java -cp biowerk-dr-cli/target/biowerk-dr.jar bench/CrashCampaignFixture.java SOURCE_DIR REPO_DIR KEY_FILE COUNT
 */
public class CrashCampaignFixture {
  public static void main(String[] args) throws Exception {
    Path source = Path.of(args[0]);
    LocalSink sink = LocalSink.open(Path.of(args[1]));
    KeyRing ring = KeyRing.of(KeyFile.at(Path.of(args[2])));
    int count = Integer.parseInt(args[3]);
    Instant start = Instant.now().minus(Duration.ofMinutes(count + 1L));
    for (int i = 0; i < count; i++) {
      BackupJob.of(FilesSource.of(source, source.getFileName().toString()))
          .codecs(
              ZstdCodec.defaults(),
              EnvelopeCodec.encryptingTo(List.of(Recipient.masterKey(ring.active()))))
          .sinks(sink)
          .sourceUri("file://" + source.toAbsolutePath())
          .clock(Clock.fixed(start.plus(Duration.ofMinutes(i)), ZoneOffset.UTC))
          .build()
          .run();
    }
  }
}
