/**
 * The {@code biowerk-dr} command: composes the library into backup, list, verify, restore, prune,
 * keys and status. It names no adapter: sources, targets, sinks and codecs are found by URI scheme
 * through the ServiceLoader lookups of core, so an adapter joins by being on the class path.
 */
module io.biowerk.dr.cli {
  requires io.biowerk.dr.core;
  requires transitive info.picocli;
  requires com.fasterxml.jackson.databind;
  // biowerk-dr serve and drill (package io.biowerk.dr.cli.serve)
  requires com.fasterxml.jackson.dataformat.yaml;
  requires com.cronutils;
  requires io.prometheus.metrics.core;
  requires io.prometheus.metrics.model;
  requires io.prometheus.writer.text;
  requires io.prometheus.metrics.instrumentation.jvm;
  requires jdk.httpserver;

  // picocli sets the annotated option fields reflectively.
  opens io.biowerk.dr.cli to
      info.picocli;

  exports io.biowerk.dr.cli;
}
