package io.biowerk.dr.cli;

import io.biowerk.dr.core.Sinks;
import io.biowerk.dr.core.Sources;
import io.biowerk.dr.core.verify.Verifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.IHelpSectionRenderer;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * The URI schemes the adapters on the class path serve, added to the help of the commands that take
 * URIs, so the help lists what this installation can do and nothing it cannot.
 */
final class Schemes {

  private Schemes() {}

  /**
   * Adds the scheme lists to the footers of the root command, {@code backup}, {@code restore} and
   * {@code sync}, and the kinds that can be imported to {@code import}'s, those of them {@code
   * root} has. The lists are made when a help is rendered, not before: finding them loads every
   * adapter's providers, which a command that prints no help does not need.
   */
  static void describe(CommandLine root) {
    whenRendered(
        root,
        () ->
            List.of(
                "",
                "On this class path:",
                "  Sources          " + list(Sources.available()),
                "  Restore targets  " + list(Sources.availableTargets()),
                "  Repositories     " + list(Sinks.available())));
    whenRendered(
        root.getSubcommands().get("backup"),
        () -> List.of("", "Sources: " + list(Sources.available())));
    whenRendered(
        root.getSubcommands().get("restore"),
        () -> List.of("", "Restore targets: " + list(Sources.availableTargets())));
    whenRendered(
        root.getSubcommands().get("sync"),
        () -> List.of("", "Repositories: " + list(Sinks.available())));
    whenRendered(root.getSubcommands().get("import"), Schemes::importKinds);
  }

  private static List<String> importKinds() {
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
    return kinds;
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

  /**
   * Appends {@code lines} to {@code command}'s footer the first time its footer is rendered (by
   * {@code --help}, {@code help}, or a usage printed with an error).
   */
  private static void whenRendered(CommandLine command, Supplier<List<String>> lines) {
    if (command == null) {
      return;
    }
    Map<String, IHelpSectionRenderer> sections = command.getHelpSectionMap();
    IHelpSectionRenderer footer = sections.get(UsageMessageSpec.SECTION_KEY_FOOTER);
    boolean[] appended = {false};
    sections.put(
        UsageMessageSpec.SECTION_KEY_FOOTER,
        help -> {
          if (!appended[0]) {
            appended[0] = true;
            UsageMessageSpec usage = command.getCommandSpec().usageMessage();
            List<String> all = new ArrayList<>(List.of(usage.footer()));
            all.addAll(lines.get());
            usage.footer(all.toArray(String[]::new));
          }
          return footer.render(help);
        });
  }
}
