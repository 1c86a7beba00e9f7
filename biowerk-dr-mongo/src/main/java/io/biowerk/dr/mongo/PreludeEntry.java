package io.biowerk.dr.mongo;

import static com.google.common.base.Preconditions.checkNotNull;

import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/**
 * One namespace's entry in an archive's prelude: its metadata (options, index definitions, uuid) as
 * mongodump writes it, canonical Extended JSON in a string.
 *
 * @param namespace the namespace; {@link Namespace#OPLOG} for the oplog slice
 * @param metadata canonical Extended JSON of {@code {options, indexes, uuid, collectionName,
 *     type}}; empty for the oplog slice
 * @param type {@code collection}, {@code view} or {@code timeseries}; older archives have none,
 *     read as {@code collection}
 */
public record PreludeEntry(Namespace namespace, String metadata, String type) {

  static final JsonWriterSettings CANONICAL =
      JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();

  public PreludeEntry {
    checkNotNull(namespace, "namespace");
    checkNotNull(metadata, "metadata");
    checkNotNull(type, "type");
  }

  /** The metadata parsed; an empty document for the oplog slice. */
  public BsonDocument metadataDocument() {
    return metadata.isEmpty() ? new BsonDocument() : BsonDocument.parse(metadata);
  }

  /**
   * The collection options ({@code capped}, {@code viewOn}, {@code timeseries}...), empty when
   * none.
   */
  public BsonDocument options() {
    BsonDocument meta = metadataDocument();
    return meta.isDocument("options") ? meta.getDocument("options") : new BsonDocument();
  }

  /** Whether this entry is a view: metadata only, no documents. */
  public boolean isView() {
    return type.equals("view");
  }

  /** The prelude document as the archive stores it. */
  BsonDocument toBson() {
    BsonDocument doc =
        new BsonDocument()
            .append("db", new BsonString(namespace.db()))
            .append("collection", new BsonString(namespace.collection()))
            .append("metadata", new BsonString(metadata))
            .append("size", new BsonInt32(0));
    if (!namespace.isOplog()) {
      doc.append("type", new BsonString(type));
    }
    return doc;
  }

  /** Reads a prelude document. */
  static PreludeEntry fromBson(BsonDocument doc) {
    Namespace ns =
        new Namespace(doc.getString("db").getValue(), doc.getString("collection").getValue());
    String metadata = doc.isString("metadata") ? doc.getString("metadata").getValue() : "";
    String type =
        doc.isString("type") && !doc.getString("type").getValue().isEmpty()
            ? doc.getString("type").getValue()
            : "collection";
    return new PreludeEntry(ns, metadata, type);
  }
}
