package io.biowerk.dr.cli;

import io.biowerk.dr.core.Sinks;
import io.biowerk.dr.core.Sources;
import io.biowerk.dr.core.verify.Verifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * The URI schemes the adapters on the class path serve, added to the help of the commands that take
 * URIs, so the help lists what this installation can do and nothing it cannot.
 */
final class Schemes {

  private Schemes() {}

  /**
   * Adds the scheme lists to the footers of the root command, {@code backup}, {@code restore} and
   * {@code sync}, and the kinds that can be imported to {@code import}'s.
   */
  static void describe(CommandLine root) {
    Map<String, String> sources = Sources.available();
    Map<String, String> targets = Sources.availableTargets();
    Map<String, String> sinks = Sinks.available();
    append(
        root,
        List.of(
            "",
            "On this class path:",
            "  Sources          " + list(sources),
            "  Restore targets  " + list(targets),
            "  Repositories     " + list(sinks)));
    append(root.getSubcommands().get("backup"), List.of("", "Sources: " + list(sources)));
    append(root.getSubcommands().get("restore"), List.of("", "Restore targets: " + list(targets)));
    append(root.getSubcommands().get("sync"), List.of("", "Repositories: " + list(sinks)));
    List<String> kinds = new ArrayList<>(List.of("", "Kinds on this class path:"));
    Verifier.importFormats()
        .forEach(
            (kind, format) ->
                kinds.add(
                    "  "
                        + kind
                        + ": "
                        + format.description()
                        + "; source name by default: "
                        + format.defaultSourceName()));
    if (kinds.size() == 2) {
      kinds.add("  none (add an adapter module to the class path)");
    }
    append(root.getSubcommands().get("import"), kinds);
  }

  /** {@code file (biowerk-dr-core), postgres, postgresql (biowerk-dr-postgres)}. */
  static String list(Map<String, String> schemes) {
    if (schemes.isEmpty()) {
      return "none (add an adapter module to the class path)";
    }
    Map<String, List<String>> byArtifact = new LinkedHashMap<>();
    schemes.forEach(
        (scheme, artifact) ->
            byArtifact.computeIfAbsent(artifact, a -> new ArrayList<>()).add(scheme));
    List<String> parts = new ArrayList<>();
    byArtifact.forEach(
        (artifact, list) -> parts.add(String.join(", ", list) + " (" + artifact + ")"));
    return String.join("; ", parts);
  }

  private static void append(CommandLine command, List<String> lines) {
    if (command == null) {
      return;
    }
    UsageMessageSpec usage = command.getCommandSpec().usageMessage();
    List<String> footer = new ArrayList<>(List.of(usage.footer()));
    footer.addAll(lines);
    usage.footer(footer.toArray(String[]::new));
  }
}
