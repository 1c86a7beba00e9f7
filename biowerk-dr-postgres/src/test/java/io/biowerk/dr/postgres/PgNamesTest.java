package io.biowerk.dr.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.biowerk.dr.postgres.PgNames.NamePattern;
import org.junit.jupiter.api.Test;

class PgNamesTest {

  @Test
  void parsesQuoteIdentForms() {
    assertThat(PgNames.parse("public.orders")).isEqualTo(new PgNames.Qualified("public", "orders"));
    assertThat(PgNames.parse("public.\"Mixed Case\""))
        .isEqualTo(new PgNames.Qualified("public", "Mixed Case"));
    assertThat(PgNames.parse("\"a.b\".\"say \"\"hi\"\"\""))
        .isEqualTo(new PgNames.Qualified("a.b", "say \"hi\""));
  }

  @Test
  void quotesAlways() {
    assertThat(PgNames.quote("we\"ird")).isEqualTo("\"we\"\"ird\"");
  }

  @Test
  void patternsFollowPsqlRules() {
    assertThat(NamePattern.schema("sal*").matchesSchema("sales")).isTrue();
    assertThat(NamePattern.schema("sal*").matchesSchema("public")).isFalse();
    assertThat(NamePattern.schema("S?les").matchesSchema("sales")).isTrue();
    assertThat(NamePattern.schema("\"S?les\"").matchesSchema("sales")).isFalse();
    assertThat(NamePattern.table("sales.ord*").matchesTable("sales", "orders", "u")).isTrue();
    assertThat(NamePattern.table("ord*").matchesTable("sales", "orders", "u")).isFalse();
    assertThat(NamePattern.table("ord*").matchesTable("public", "orders", "u")).isTrue();
    assertThat(NamePattern.table("\"Mixed Case\"").matchesTable("public", "Mixed Case", "u"))
        .isTrue();
    assertThat(NamePattern.table("Mixed*").matchesTable("public", "Mixed Case", "u")).isFalse();
    assertThat(NamePattern.table("*.events").matchesTable("x", "events", "u")).isTrue();
  }
}
