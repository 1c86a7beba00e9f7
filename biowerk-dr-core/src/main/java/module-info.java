/**
 * BIOwerk DR core: the SPIs, the streaming pipeline, codecs, keys, manifests and the local sink.
 */
// "module": the qualified export below names the command's module, which core cannot see when it
// compiles (javac warns "module not found"); it exists whenever the export matters.
@SuppressWarnings("module")
module io.biowerk.dr.core {
  requires transitive org.slf4j;
  requires com.google.common;
  requires com.github.luben.zstd_jni;
  requires com.fasterxml.jackson.databind;
  requires org.apache.commons.compress;
  requires java.net.http;

  exports io.biowerk.dr.core;
  exports io.biowerk.dr.core.codec;
  exports io.biowerk.dr.core.keys;
  exports io.biowerk.dr.core.local;
  exports io.biowerk.dr.core.catalog;
  exports io.biowerk.dr.core.retention;
  exports io.biowerk.dr.core.verify;
  exports io.biowerk.dr.core.files;
  exports io.biowerk.dr.core.report;
  exports io.biowerk.dr.core.log;
  exports io.biowerk.dr.core.repository;
  exports io.biowerk.dr.core.io;
  // Helpers shared with the modules of this project (the JSON mapper, channel and failure helpers,
  // atomic file moves, file trees); not public API.
  exports io.biowerk.dr.core.internal to
      io.biowerk.dr.cli,
      io.biowerk.dr.testkit,
      io.biowerk.dr.postgres,
      io.biowerk.dr.redis,
      io.biowerk.dr.mongo,
      // the storage modules' tests, which run on the module path
      io.biowerk.dr.storage.s3,
      io.biowerk.dr.storage.azure,
      io.biowerk.dr.storage.gcs;
  // What the cloud storage modules share; not public API.
  exports io.biowerk.dr.core.cloud to
      io.biowerk.dr.storage.s3,
      io.biowerk.dr.storage.azure,
      io.biowerk.dr.storage.gcs;

  uses io.biowerk.dr.core.SinkProvider;
  uses io.biowerk.dr.core.SourceProvider;
  uses io.biowerk.dr.core.RestoreTargetProvider;
  uses io.biowerk.dr.core.CodecProvider;
  uses io.biowerk.dr.core.NativeVerifier;
  uses io.biowerk.dr.core.log.LogProvider;
  uses io.biowerk.dr.core.KeyService;

  provides io.biowerk.dr.core.CodecProvider with
      io.biowerk.dr.core.codec.ZstdCodecProvider,
      io.biowerk.dr.core.codec.EncryptionCodecProvider;
  provides io.biowerk.dr.core.SinkProvider with
      io.biowerk.dr.core.local.LocalSinkProvider;
  provides io.biowerk.dr.core.SourceProvider with
      io.biowerk.dr.core.files.FilesSourceProvider;
  provides io.biowerk.dr.core.RestoreTargetProvider with
      io.biowerk.dr.core.files.FilesRestoreTargetProvider;
  provides io.biowerk.dr.core.KeyService with
      io.biowerk.dr.core.keys.Pkcs11KeyService,
      io.biowerk.dr.core.keys.VaultTransitKeyService,
      io.biowerk.dr.core.keys.VaultKvKeyService;
  provides io.biowerk.dr.core.NativeVerifier with
      io.biowerk.dr.core.files.FilesNativeVerifier;
}
