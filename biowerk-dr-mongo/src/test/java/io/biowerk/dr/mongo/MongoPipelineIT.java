package io.biowerk.dr.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoClient;
import io.biowerk.dr.core.BackupJob;
import io.biowerk.dr.core.BackupManifest;
import io.biowerk.dr.core.Codecs;
import io.biowerk.dr.core.KeyRing;
import io.biowerk.dr.core.RestoreJob;
import io.biowerk.dr.core.TargetNotEmptyException;
import io.biowerk.dr.core.VerificationLevel;
import io.biowerk.dr.core.VerificationResult;
import io.biowerk.dr.core.local.LocalSink;
import io.biowerk.dr.core.verify.Verifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adapter inside core's pipeline, as the CLI composes it: backup to a local repository through
 * zstd, the manifest's facts, verification at the native and restore levels through core's {@link
 * Verifier}, and a restore through {@link RestoreJob}.
 */
class MongoPipelineIT {

  @TempDir Path repository;

  @Test
  void backupVerifyAndRestoreThroughCore() throws Exception {
    try (MongoServers source = MongoServers.start();
        MongoServers target = MongoServers.start();
        MongoClient client = source.client()) {
      String db = source.db("pipe");
      List<Document> docs = new ArrayList<>();
      for (int i = 0; i < 5000; i++) {
        docs.add(new Document("_id", i).append("v", "value " + i));
      }
      client.getDatabase(db).getCollection("items").insertMany(docs);
      LocalSink sink = LocalSink.open(repository);
      BackupManifest manifest =
          BackupJob.of(MongoSource.of(source.uri("oplog=true&include=" + db)))
              .codecs(Codecs.byId("zst", Map.of(), KeyRing.empty()))
              .sinks(sink)
              .build()
              .run();
      assertThat(manifest.sourceKind()).isEqualTo("mongodb");
      assertThat(manifest.dataKey()).matches("mongodb/daily/mongodb_\\d{8}_\\d{6}\\.archive\\.zst");
      assertThat(manifest.facts())
          .containsKeys("serverVersion", "topology", "oplogStart", "oplogEnd");
      assertThat(manifest.facts().get("collections")).isEqualTo(Map.of(db + ".items", 5000L));
      assertThat(manifest.sourceUri()).doesNotContain("password");
      assertThat(Files.exists(repository.resolve(manifest.dataKey()))).isTrue();

      VerificationResult nativeResult =
          Verifier.verify(
              sink,
              manifest,
              KeyRing.empty(),
              VerificationLevel.NATIVE,
              Map.of(),
              Clock.systemUTC());
      assertThat(nativeResult.passed()).isTrue();
      assertThat(nativeResult.toString()).contains("1 namespaces, 5000 documents");
      VerificationResult restoreResult =
          Verifier.verify(
              sink,
              manifest,
              KeyRing.empty(),
              VerificationLevel.RESTORE,
              Map.of("scratch-uri", target.uri("").toString()),
              Clock.systemUTC());
      assertThat(restoreResult.passed()).isTrue();

      String to = target.db("pipe_copy");
      MongoRestoreTarget restoreTarget =
          MongoRestoreTarget.of(target.uri("nsFrom=" + db + ".*&nsTo=" + to + ".*"), false);
      RestoreJob.of(sink, manifest, KeyRing.empty(), restoreTarget).run();
      try (MongoClient into = target.client()) {
        assertThat(into.getDatabase(to).getCollection("items").countDocuments()).isEqualTo(5000);
      }
      assertThatThrownBy(() -> RestoreJob.of(sink, manifest, KeyRing.empty(), restoreTarget).run())
          .isInstanceOf(TargetNotEmptyException.class);
    }
  }
}
