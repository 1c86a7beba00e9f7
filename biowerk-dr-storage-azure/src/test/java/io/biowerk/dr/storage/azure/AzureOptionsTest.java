package io.biowerk.dr.storage.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.blob.models.AccessTier;
import com.azure.storage.blob.models.RehydratePriority;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AzureOptionsTest {

  private static final String SECRET_KEY = "c2VjcmV0LWtleS1ub3QtdG8tYmUtcHJpbnRlZA==";
  private static final String CONNECTION_STRING =
      "DefaultEndpointsProtocol=https;AccountName=mybackups;AccountKey="
          + SECRET_KEY
          + ";EndpointSuffix=core.windows.net";
  private static final String SAS =
      "sv=2024-08-04&ss=b&srt=co&sp=rl&se=2030-01-01&sig=c2lnbmF0dXJl";

  private static AzureOptions parse(String uri, Map<String, String> env) {
    return AzureOptions.fromUri(URI.create(uri), env);
  }

  @Test
  void readsAccountContainerPrefixAndOptions() {
    AzureOptions o =
        parse(
            "azure://mybackups/biowerk/prod/eu?endpoint=http://127.0.0.1:10000/mybackups&tier-daily=hot"
                + "&tier-monthly=Archive&tier=Cool&block-size=16MiB&parallelism=8&range-size=4MiB"
                + "&max-attempts=6&create-container=true&legal-hold&immutability-days=30&checksum=none"
                + "&archive-tag=true&rehydrate=high",
            Map.of());
    assertThat(o.account()).isEqualTo("mybackups");
    assertThat(o.container()).isEqualTo("biowerk");
    assertThat(o.prefix()).isEqualTo("prod/eu");
    assertThat(o.endpoint()).contains(URI.create("http://127.0.0.1:10000/mybackups"));
    assertThat(o.tiers())
        .containsEntry("daily", AccessTier.HOT)
        .containsEntry("weekly", AccessTier.COOL)
        .containsEntry("monthly", AccessTier.ARCHIVE);
    assertThat(o.defaultTier()).contains(AccessTier.COOL);
    assertThat(o.blockSize()).isEqualTo(16 << 20);
    assertThat(o.parallelism()).isEqualTo(8);
    assertThat(o.rangeSize()).isEqualTo(4 << 20);
    assertThat(o.maxAttempts()).isEqualTo(6);
    assertThat(o.createContainer()).isTrue();
    assertThat(o.legalHold()).isTrue();
    assertThat(o.immutabilityPeriod()).contains(Duration.ofDays(30));
    assertThat(o.md5()).isFalse();
    assertThat(o.archiveTag()).isTrue();
    assertThat(o.rehydrate()).contains(RehydratePriority.HIGH);
    assertThat(o.toString()).contains("&rehydrate=high");
  }

  @Test
  void defaultsFollowTheDrPlan() {
    AzureOptions o = parse("azure://mybackups/biowerk", Map.of());
    assertThat(o.prefix()).isEmpty();
    assertThat(o.serviceEndpoint())
        .isEqualTo(URI.create("https://mybackups.blob.core.windows.net"));
    assertThat(o.tiers())
        .containsEntry("daily", AccessTier.COOL)
        .containsEntry("weekly", AccessTier.COOL)
        .containsEntry("monthly", AccessTier.COLD);
    assertThat(o.defaultTier()).isEmpty();
    assertThat(o.blockSize()).isEqualTo(8 << 20);
    assertThat(o.rangeSize()).isEqualTo(8 << 20);
    assertThat(o.md5()).isTrue();
    assertThat(o.auth()).isEqualTo(AzureOptions.Auth.DEFAULT);
  }

  @Test
  void sovereignCloudsBySuffix() {
    AzureOptions o =
        parse("azure://mybackups/biowerk?endpoint-suffix=core.chinacloudapi.cn", Map.of());
    assertThat(o.serviceEndpoint())
        .isEqualTo(URI.create("https://mybackups.blob.core.chinacloudapi.cn"));
    assertThat(o.toString()).contains("endpoint-suffix=core.chinacloudapi.cn");
  }

  @Test
  void credentialsAreLookedUpInTheOrderOfTheAzureCli() {
    Map<String, String> all =
        Map.of(
            "AZURE_STORAGE_CONNECTION_STRING", CONNECTION_STRING,
            "AZURE_STORAGE_KEY", SECRET_KEY,
            "AZURE_STORAGE_SAS_TOKEN", SAS);
    assertThat(parse("azure://mybackups/c1c", all).auth())
        .isEqualTo(AzureOptions.Auth.CONNECTION_STRING);
    assertThat(
            parse(
                    "azure://mybackups/c1c",
                    Map.of("AZURE_STORAGE_KEY", SECRET_KEY, "AZURE_STORAGE_SAS_TOKEN", SAS))
                .auth())
        .isEqualTo(AzureOptions.Auth.KEY);
    AzureOptions sas = parse("azure://mybackups/c1c", Map.of("AZURE_STORAGE_SAS_TOKEN", "?" + SAS));
    assertThat(sas.auth()).isEqualTo(AzureOptions.Auth.SAS);
    assertThat(sas.sasToken()).contains(SAS);
    assertThat(parse("azure://mybackups/c1c", Map.of()).auth())
        .isEqualTo(AzureOptions.Auth.DEFAULT);
    assertThat(parse("azure://mybackups/c1c?auth=default", all).auth())
        .isEqualTo(AzureOptions.Auth.DEFAULT);
    assertThat(parse("azure://mybackups/c1c?auth=sas", all).auth())
        .isEqualTo(AzureOptions.Auth.SAS);
  }

  @Test
  void aForcedCredentialThatIsNotSetIsRefusedNamingTheVariable() {
    assertThatThrownBy(() -> parse("azure://mybackups/c1c?auth=sas", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("azure sink: auth=sas needs AZURE_STORAGE_SAS_TOKEN to be set");
    assertThatThrownBy(() -> parse("azure://mybackups/c1c?auth=magic", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be one of auto, connection-string, key, sas, default");
  }

  @Test
  void aConnectionStringForAnotherAccountIsRefusedWithoutPrintingIt() {
    assertThatThrownBy(
            () ->
                parse(
                    "azure://otheraccount/c1c",
                    Map.of("AZURE_STORAGE_CONNECTION_STRING", CONNECTION_STRING)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "connection string is for another storage account than 'otheraccount'")
        .hasMessageNotContaining(SECRET_KEY);
  }

  @Test
  void credentialsMayNotRideOnTheUri() {
    assertThatThrownBy(() -> parse("azure://user:pw@mybackups/c1c", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("credentials may not ride on the repository URI")
        .hasMessageNotContaining("pw");
    assertThatThrownBy(() -> parse("azure://mybackups/c1c?sig=c2VjcmV0", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "azure sink: option 'sig' is refused: credentials in a URI end up in logs")
        .hasMessageNotContaining("c2VjcmV0");
  }

  @Test
  void toStringNamesTheCredentialKindNeverItsValue() {
    AzureOptions cs =
        parse(
            "azure://mybackups/c1c/p",
            Map.of("AZURE_STORAGE_CONNECTION_STRING", CONNECTION_STRING));
    assertThat(cs.toString())
        .isEqualTo(
            "azure://mybackups/c1c/p?tier-daily=Cool&tier-monthly=Cold&tier-weekly=Cool"
                + " (connection string from AZURE_STORAGE_CONNECTION_STRING)")
        .doesNotContain(SECRET_KEY);
    assertThat(parse("azure://mybackups/c1c", Map.of("AZURE_STORAGE_SAS_TOKEN", SAS)).toString())
        .endsWith("(SAS token from AZURE_STORAGE_SAS_TOKEN)")
        .doesNotContain("sig=")
        .doesNotContain("c2lnbmF0dXJl");
    assertThat(AzureOptions.builder("mybackups", "c1c").accountKey(SECRET_KEY).build().toString())
        .endsWith("(account key)")
        .doesNotContain(SECRET_KEY);
  }

  @Test
  void malformedOrUnknownOptionsAreRefusedNamingThem() {
    assertThatThrownBy(() -> parse("azure://mybackups/c1c?colour=blue", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("azure sink: unknown option 'colour'; known options: ")
        .hasMessageContaining("tier-daily");
    assertThatThrownBy(() -> parse("azure://mybackups/c1c?tier-daily=Frozen", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "azure sink: option tier-daily (Frozen) must be one of Hot, Cool, Cold, Archive");
    assertThatThrownBy(() -> parse("azure://mybackups/c1c?rehydrate=now", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("azure sink: option rehydrate (now) must be standard or high");
    assertThatThrownBy(() -> parse("azure://mybackups/c1c?block-size=2GiB", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("may not exceed 1GiB");
    assertThatThrownBy(() -> parse("azure://mybackups/c1c?block-size=lots", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be a size such as 8MiB");
    assertThatThrownBy(() -> parse("azure://mybackups/c1c?parallelism=2&parallelism=3", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("azure sink: option 'parallelism' is given twice; give it once");
    assertThatThrownBy(() -> parse("azure://mybackups", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs a container after the account");
    assertThatThrownBy(() -> parse("azure://My_Account/c1c", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("storage account name");
    assertThatThrownBy(() -> parse("azure://mybackups/Bad--Name", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("container name (Bad--Name)");
    assertThatThrownBy(() -> parse("s3://mybackups/c1c", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must start with azure://");
    assertThatThrownBy(() -> parse("azure://mybackups/c1c/../x", Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theAccessTierFollowsTheBackupTierFolderAndKeepsSmallBlobsOnline() {
    AzureOptions o = parse("azure://mybackups/c1c?tier-monthly=Archive", Map.of());
    long large = 10L << 20;
    assertThat(o.tierFor("postgres/daily/postgres_20240115_020000.dump.zst.enc", large))
        .contains(AccessTier.COOL);
    assertThat(o.tierFor("postgres/monthly/postgres_20240115_020000.dump.zst.enc", large))
        .contains(AccessTier.ARCHIVE);
    // A manifest in the same folder must stay readable without a rehydration.
    assertThat(
            o.tierFor("postgres/monthly/postgres_20240115_020000.dump.zst.enc.manifest.json", 900))
        .contains(AccessTier.COLD);
    assertThat(o.tierFor("postgres/wal/000000010000000000000001.zst", large)).isEmpty();
    assertThat(o.tierFor("daily", large)).isEmpty();
  }

  @Test
  void sizesAreBinary() {
    assertThat(AzureOptions.parseSize("x", "8MiB")).isEqualTo(8L << 20);
    assertThat(AzureOptions.parseSize("x", "512k")).isEqualTo(512L << 10);
    assertThat(AzureOptions.parseSize("x", "1G")).isEqualTo(1L << 30);
    assertThat(AzureOptions.parseSize("x", "4096")).isEqualTo(4096);
  }
}
