package io.biowerk.dr.mongo;

import com.mongodb.MongoClientSettings;
import com.mongodb.ReadPreference;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import org.bson.UuidRepresentation;

/** Makes driver clients from a {@link MongoUri}, with BIOwerk's defaults. */
final class Clients {

  private Clients() {}

  /**
   * A new client; the caller closes it. Without a readPreference in the URI, a URI that names a
   * replica set reads from a secondary where there is one, when {@code preferSecondary}.
   */
  static MongoClient open(MongoUri uri, boolean preferSecondary) {
    MongoClientSettings.Builder settings =
        MongoClientSettings.builder()
            .applyConnectionString(uri.connection())
            .applicationName("biowerk-dr")
            .uuidRepresentation(UuidRepresentation.STANDARD);
    if (preferSecondary
        && uri.connection().getReadPreference() == null
        && uri.connection().getRequiredReplicaSetName() != null) {
      settings.readPreference(ReadPreference.secondaryPreferred());
    }
    return MongoClients.create(settings.build());
  }
}
