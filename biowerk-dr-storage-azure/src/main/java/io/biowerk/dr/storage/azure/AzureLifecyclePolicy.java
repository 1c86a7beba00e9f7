package io.biowerk.dr.storage.azure;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.biowerk.dr.core.BackupLayout;
import io.biowerk.dr.core.catalog.Catalog;
import io.biowerk.dr.core.retention.GfsPolicy;
import io.biowerk.dr.core.retention.RetentionPolicies;
import io.biowerk.dr.core.retention.StorageTiering;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A storage account lifecycle management policy for a repository, as the JSON document Azure takes
 * ({@code az storage account management-policy create --policy @policy.json}, or the portal's code
 * view): per source and backup tier folder ({@code <prefix>/<source>/daily/}, {@code weekly/},
 * {@code monthly/}), move blobs to a colder tier after some days and delete them after more.
 * Nothing is sent anywhere: the operator (or infrastructure code) installs it with the rights of an
 * account administrator, which a backup job should not hold. Immutable.
 *
 * <p><b>Never deleting what retention keeps.</b> Given the {@link GfsPolicy} of a source, the
 * delete age of each folder is raised to the longest a blob can stay in it under that policy, plus
 * one period, assuming at least one backup per period: daily {@code keepDaily} days, weekly {@code
 * keepWeekly} weeks, monthly {@code keepMonthly} months (and {@code keepYearly} years, as yearly
 * backups live in the monthly folder), each at least {@code keepWithin}, and at least the wait of a
 * backup a higher rule keeps until its week, month or year is over and it is promoted. A promoted
 * copy's age counts from its promotion, so it is younger than its backup. Two things a lifecycle
 * rule cannot see, so no such policy can promise: a source that stops being backed up loses its
 * newest backups once they pass the delete age (retention itself always keeps the newest; alert on
 * backup age well before), and {@code keepLast} (counts, not ages) is ignored. Blobs under a legal
 * hold or an unexpired immutability policy are never deleted by the service anyway.
 *
 * <p><b>Archive.</b> Azure's lifecycle filters cannot select by size, so a rule that archived a
 * whole folder would archive manifests and checksum files too, and listing the catalog would then
 * need a rehydration. The archive rule therefore only matches blobs carrying the index tag {@code
 * biowerk-archivable=true}, which the sink sets on data blobs over 128 KiB when {@code
 * archive-tag=true} (that needs the tag permission: SAS {@code t}, or 'Storage Blob Data Owner').
 * Without the tag, use {@link Builder#coldAfter} (Cold is online).
 */
public final class AzureLifecyclePolicy {

  /** The blob index tag the archive rule matches. */
  public static final String ARCHIVABLE_TAG = "biowerk-archivable";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final List<Rule> rules;

  private AzureLifecyclePolicy(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /**
   * A builder for a repository in {@code container} under {@code repositoryPrefix} (may be empty).
   */
  public static Builder builder(String container, String repositoryPrefix) {
    return new Builder(container, repositoryPrefix);
  }

  /**
   * The DR plan's policy for {@code sources}: backups go to Cool after 30 days and Cold after 60
   * (online tiers), to Archive after 90 days (tagged data blobs only, see the class comment), and
   * are deleted after one year, or later where {@code retention} keeps them longer.
   */
  public static AzureLifecyclePolicy drPlan(
      String container, String repositoryPrefix, List<String> sources, GfsPolicy retention) {
    Builder builder = builder(container, repositoryPrefix);
    for (String source : sources) {
      builder
          .source(source, retention)
          .coolAfter(30)
          .coldAfter(60)
          .archiveAfter(90)
          .deleteAfter(365);
    }
    return builder.build();
  }

  /**
   * The DR plan's policy for the sources {@code catalog} holds backups of (never a fixed list of
   * names), from core's {@link StorageTiering} with the plan's retention ({@link
   * RetentionPolicies#plan()}): see {@link #forTiering}. Sources added later need the policy
   * generated again.
   *
   * @throws IOException if the catalog cannot be listed
   * @throws IllegalStateException if the repository holds no backups yet
   */
  public static AzureLifecyclePolicy drPlan(
      String container, String repositoryPrefix, Catalog catalog) throws IOException {
    GfsPolicy plan = RetentionPolicies.plan();
    List<StorageTiering> tiers = StorageTiering.forRepository(catalog, plan);
    if (tiers.isEmpty()) {
      throw new IllegalStateException(
          "azure lifecycle: the repository holds no backups yet, so there is no source to write"
              + " rules for; generate the policy after the first backup of each source");
    }
    return forTiering(container, repositoryPrefix, tiers, plan);
  }

  /**
   * Rules for {@code tiers}, one set per source: Cool after 30 days and Cold after 60 when the
   * tiering's cold day is later, Archive (tagged data blobs only) on its cold day, delete on its
   * expiry day, or later in folders where {@code retention} keeps backups longer.
   */
  public static AzureLifecyclePolicy forTiering(
      String container, String repositoryPrefix, List<StorageTiering> tiers, GfsPolicy retention) {
    Builder builder = builder(container, repositoryPrefix);
    for (StorageTiering tier : tiers) {
      builder.source(tier.source(), retention);
      int cold = tier.coldAfterDays();
      if (cold > 30) {
        builder.coolAfter(30);
      }
      if (cold > 60) {
        builder.coldAfter(60);
      }
      builder.archiveAfter(cold).deleteAfter(tier.expireAfterDays());
    }
    return builder.build();
  }

  /** One rule: a prefix, the days after which blobs move to each tier, and the delete age. */
  public record Rule(
      String name,
      String prefix,
      Map<String, Integer> tierAfterDays,
      int deleteAfterDays,
      int archiveAfterDays) {}

  /** The rules, per source and folder, in the order they were added. */
  public List<Rule> rules() {
    return rules;
  }

  /** The policy document: {@code {"rules": [...]}} as Azure's management policy takes it. */
  public String json() {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode array = root.putArray("rules");
    for (Rule rule : rules) {
      ObjectNode baseBlob = JSON.createObjectNode();
      rule.tierAfterDays()
          .forEach(
              (action, days) ->
                  baseBlob.putObject(action).put("daysAfterModificationGreaterThan", days));
      if (rule.deleteAfterDays() > 0) {
        baseBlob
            .putObject("delete")
            .put("daysAfterModificationGreaterThan", rule.deleteAfterDays());
      }
      if (!baseBlob.isEmpty()) {
        add(array, rule.name(), rule.prefix(), baseBlob, false);
      }
      if (rule.archiveAfterDays() > 0) {
        ObjectNode archive = JSON.createObjectNode();
        // A blob rehydrated for a restore must not go straight back to Archive: its modification
        // time is old, so only the time since its last tier change holds it online for a week.
        archive
            .putObject("tierToArchive")
            .put("daysAfterModificationGreaterThan", rule.archiveAfterDays())
            .put("daysAfterLastTierChangeGreaterThan", 7);
        add(array, rule.name() + "Archive", rule.prefix(), archive, true);
      }
    }
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write a JSON tree", e);
    }
  }

  private static void add(
      ArrayNode array, String name, String prefix, ObjectNode baseBlob, boolean tagged) {
    ObjectNode rule = array.addObject();
    rule.put("enabled", true).put("name", name).put("type", "Lifecycle");
    ObjectNode definition = rule.putObject("definition");
    ObjectNode filters = definition.putObject("filters");
    filters.putArray("blobTypes").add("blockBlob");
    filters.putArray("prefixMatch").add(prefix);
    if (tagged) {
      filters
          .putArray("blobIndexMatch")
          .addObject()
          .put("name", ARCHIVABLE_TAG)
          .put("op", "==")
          .put("value", "true");
    }
    definition.putObject("actions").set("baseBlob", baseBlob);
  }

  @Override
  public String toString() {
    return "AzureLifecyclePolicy" + rules.stream().map(Rule::name).toList();
  }

  /**
   * Builds {@link AzureLifecyclePolicy}: {@link #source} starts a source, the other calls set its
   * ages.
   */
  public static final class Builder {
    private final String root;
    private final List<SourceRules> sources = new ArrayList<>();

    private Builder(String container, String repositoryPrefix) {
      requireNonNull(container, "container");
      String p = requireNonNull(repositoryPrefix, "repositoryPrefix").replaceAll("^/+|/+$", "");
      this.root = container + "/" + (p.isEmpty() ? "" : p + "/");
    }

    /** Starts the rules of {@code source}, with no retention policy to respect. */
    public Builder source(String source) {
      sources.add(new SourceRules(BackupLayout.checkSourceName(source), null));
      return this;
    }

    /**
     * Starts the rules of {@code source}; its delete ages never undercut what {@code retention}
     * keeps.
     */
    public Builder source(String source, GfsPolicy retention) {
      sources.add(
          new SourceRules(
              BackupLayout.checkSourceName(source), requireNonNull(retention, "retention")));
      return this;
    }

    public Builder coolAfter(int days) {
      current().tiers.put("tierToCool", checkDays("coolAfter", days));
      return this;
    }

    public Builder coldAfter(int days) {
      current().tiers.put("tierToCold", checkDays("coldAfter", days));
      return this;
    }

    /** Archives blobs tagged {@value #ARCHIVABLE_TAG}{@code =true} after {@code days}. */
    public Builder archiveAfter(int days) {
      current().archive = checkDays("archiveAfter", days);
      return this;
    }

    /**
     * Deletes blobs after {@code days}, or later in folders where the source's retention keeps them
     * longer.
     */
    public Builder deleteAfter(int days) {
      current().delete = checkDays("deleteAfter", days);
      return this;
    }

    private SourceRules current() {
      checkArgument(!sources.isEmpty(), "azure lifecycle: call source(...) first");
      return sources.get(sources.size() - 1);
    }

    private static int checkDays(String what, int days) {
      checkArgument(days >= 0, "azure lifecycle: %s (%s) may not be negative", what, days);
      return days;
    }

    public AzureLifecyclePolicy build() {
      checkArgument(!sources.isEmpty(), "azure lifecycle: no source was added");
      List<Rule> rules = new ArrayList<>();
      Set<String> names = new HashSet<>();
      for (SourceRules source : sources) {
        for (String folder : BackupLayout.BACKUP_TIERS) {
          int delete = source.delete == 0 ? 0 : Math.max(source.delete, source.keptDays(folder));
          String name = "biowerk" + alnum(source.name) + capital(folder);
          checkArgument(
              names.add(name),
              "azure lifecycle: sources %s give the same rule name %s; rule names"
                  + " allow only letters and digits",
              source.name,
              name);
          Map<String, Integer> tiers = new LinkedHashMap<>(source.tiers);
          int archive = source.archive;
          checkArgument(
              delete == 0 || archive == 0 || archive < delete,
              "azure lifecycle: %s/%s would be deleted"
                  + " (day %s) before or when it is archived (day %s)",
              source.name,
              folder,
              delete,
              archive);
          rules.add(
              new Rule(name, root + source.name + "/" + folder + "/", tiers, delete, archive));
        }
      }
      int documentRules = 0;
      for (Rule rule : rules) {
        documentRules +=
            (rule.archiveAfterDays() > 0 ? 1 : 0)
                + (rule.deleteAfterDays() > 0 || !rule.tierAfterDays().isEmpty() ? 1 : 0);
      }
      checkArgument(
          documentRules <= 100,
          "azure lifecycle: a policy holds at most 100 rules (%s); use fewer"
              + " sources per repository",
          documentRules);
      return new AzureLifecyclePolicy(rules);
    }

    private static String alnum(String source) {
      StringBuilder s = new StringBuilder();
      boolean upper = true;
      for (int i = 0; i < source.length(); i++) {
        char c = source.charAt(i);
        if (Character.isLetterOrDigit(c)) {
          s.append(upper ? Character.toUpperCase(c) : c);
          upper = false;
        } else {
          upper = true;
        }
      }
      return s.toString();
    }

    private static String capital(String folder) {
      return folder.substring(0, 1).toUpperCase(Locale.ROOT) + folder.substring(1);
    }
  }

  private static final class SourceRules {
    final String name;
    final GfsPolicy retention;
    final Map<String, Integer> tiers = new LinkedHashMap<>();
    int archive;
    int delete;

    SourceRules(String name, GfsPolicy retention) {
      this.name = name;
      this.retention = retention;
    }

    /**
     * The longest a blob stays in {@code folder} under the retention policy, plus one period; 0
     * without one.
     */
    int keptDays(String folder) {
      if (retention == null) {
        return 0;
      }
      long within =
          retention.keepWithin().isZero()
              ? 0
              : retention.keepWithin().plus(Duration.ofDays(1)).toDays();
      // A backup a higher rule keeps waits in the lower folder until its period is over, then is
      // promoted.
      long weekWait = retention.keepWeekly() == 0 ? 0 : 8;
      long monthWait = retention.keepMonthly() == 0 ? 0 : 32;
      long yearWait = retention.keepYearly() == 0 ? 0 : 367;
      long days =
          switch (folder) {
            case BackupLayout.DAILY ->
                max(
                    retention.keepDaily() == 0 ? 0 : retention.keepDaily() + 1L,
                    weekWait,
                    monthWait,
                    yearWait);
            case BackupLayout.WEEKLY ->
                max(
                    retention.keepWeekly() == 0 ? 0 : (retention.keepWeekly() + 1L) * 7,
                    monthWait,
                    yearWait);
            default ->
                max(
                    retention.keepMonthly() == 0 ? 0 : (retention.keepMonthly() + 1L) * 31,
                    retention.keepYearly() == 0 ? 0 : (retention.keepYearly() + 1L) * 366);
          };
      return (int) Math.max(days, within);
    }

    private static long max(long... values) {
      long max = 0;
      for (long v : values) {
        max = Math.max(max, v);
      }
      return max;
    }
  }
}
