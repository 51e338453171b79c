// The report model over the fixed alert store (report_fixture.hpp): every section's
// figures, week-over-week, masking, the empty week, and stores from before version 2.

#include <sqlite3.h>

#include <catch2/catch.hpp>

#include "dingwatch/report/render.hpp"
#include "report_fixture.hpp"

using namespace dingwatch;
using namespace dingwatch::report;
using dingwatch::test::macau;

namespace {

struct fixture {
  std::filesystem::path dir = test::fresh_dir("model");
  std::filesystem::path db = dir / "alerts.db";
  fixture() { test::write_fixture(db); }
  ~fixture() { std::filesystem::remove_all(dir); }
  report_model build(report_options o = test::fixture_options()) const {
    const alert_store store(db, alert_store::mode::read_only);
    return build_report(store, o);
  }
};

std::size_t count(const std::string& haystack, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("headline figures compare the week with the one before") {
  const fixture f;
  const auto m = f.build();
  CHECK(m.alerts.current == 11);
  CHECK(m.alerts.previous == 4);
  CHECK(*m.alerts.percent() == Approx(175.0));
  CHECK(m.high_or_critical.current == 4);
  CHECK(m.high_or_critical.previous == 1);
  CHECK(m.users.current == 4);
  CHECK(m.users.previous == 2);
  CHECK(m.records_out.current == 1235);
  CHECK(m.records_out.previous == 100);
  CHECK_FALSE(m.empty());
}

TEST_CASE("alerts per day by family cover each Macau day, the period's last millisecond included") {
  const fixture f;
  const auto m = f.build();
  REQUIRE(m.days.size() == 7);
  CHECK(m.days[0].day_ms == macau("2026-11-16 00:00:00"));
  CHECK(m.days[2].by_family == std::array<std::int64_t, 3>{0, 1, 1});  // Wed: one access, one cross-border
  CHECK(m.days[3].by_family == std::array<std::int64_t, 3>{0, 3, 0});
  CHECK(m.days[6].by_family == std::array<std::int64_t, 3>{0, 1, 0});  // 23:59:59 on Sunday
}

TEST_CASE("an alert citing several articles counts once for each") {
  const fixture f;
  const auto m = f.build();
  REQUIRE(m.articles.size() == 6);
  CHECK(m.articles[0].article == "5");
  CHECK(m.articles[0].alerts.current == 7);
  CHECK(m.articles[0].alerts.previous == 3);
  CHECK(m.articles[3].article == "19");
  CHECK(m.articles[3].alerts.current == 3);
  CHECK(m.articles[5].article == "7");
}

TEST_CASE("top rules are ordered by alerts with last week's count beside them") {
  const fixture f;
  const auto m = f.build();
  CHECK(m.rules_fired == 7);
  REQUIRE(m.top_rules.size() == 7);
  CHECK(m.top_rules[0].id == "DW-AA-002");
  CHECK(m.top_rules[0].alerts.current == 3);
  CHECK(m.top_rules[0].alerts.previous == 2);
  CHECK(m.top_rules[1].id == "DW-EC-003");  // ties by id
  CHECK(m.top_rules[2].id == "DW-XB-101");
}

TEST_CASE("top users are scored by severity weights and keep their masked names") {
  const fixture f;
  const auto m = f.build();
  REQUIRE(m.top_users.size() == 4);
  CHECK(m.top_users[0].id == "u-lei");
  CHECK(m.top_users[0].score == 16);  // critical 10 + high 6
  CHECK(m.top_users[0].by_severity == std::array<std::int64_t, 4>{1, 1, 0, 0});
  CHECK(m.top_users[1].id == "u-chan");
  CHECK(m.top_users[1].score == 15);
  CHECK(m.top_users[1].name == mask_name("陳小明"));
  CHECK(m.top_users[1].name != "陳小明");
  for (const auto& l : {language::zh_hant, language::pt, language::en}) {
    for (const auto fmt : {format::html, format::markdown, format::json}) {
      const std::string out = render(m, fmt, l);
      CHECK(out.find("陳小明") == std::string::npos);
      CHECK(out.find("Lei Ka Man") == std::string::npos);
    }
  }
}

TEST_CASE("cross-border transfers add up evidenced bytes and records by country and application") {
  const fixture f;
  const auto m = f.build();
  REQUIRE(m.transfers.size() == 3);
  CHECK(m.transfers[0].country == "CN");  // from the evidence
  CHECK(m.transfers[0].app == "file_upload");
  CHECK(m.transfers[0].records == 1200);
  CHECK(m.transfers[0].bytes == 5'000'000);
  CHECK(m.transfers[1].country == "CN");  // from the .cn host
  CHECK(m.transfers[1].app == "robot_webhook");
  CHECK(m.transfers[2].country == "HK");  // a download from abroad: the source's country
  CHECK_FALSE(m.transfers[2].gateway);
  REQUIRE(m.new_destinations.size() == 1);  // the OSS bucket was already used the week before
  CHECK(m.new_destinations[0].destination == "hooks.example-crm.cn");
  CHECK(m.new_destinations[0].first_ms == macau("2026-11-17 14:30:00"));
}

TEST_CASE("destination countries come from the store, then .cc domains and mainland OSS regions") {
  CHECK(destination_country("SG", "x.cn") == "SG");
  CHECK(destination_country("", "hooks.example-crm.cn") == "CN");
  CHECK(destination_country("", "hr.OSS-CN-SHENZHEN.aliyuncs.com") == "CN");
  CHECK(destination_country("", "oss-ap-southeast-1.aliyuncs.com") == "");
  CHECK(destination_country("", "47.98.40.1") == "");
  CHECK(destination_country("", "") == "");
}

TEST_CASE("notable incidents list critical first, then high newest first, with ids and evidence") {
  const fixture f;
  auto o = test::fixture_options();
  o.incidents = 3;
  const auto m = f.build(o);
  CHECK(m.incidents_total == 4);
  REQUIRE(m.incidents.size() == 3);
  CHECK(m.incidents[0].rule_id == "DW-AA-001");
  CHECK(m.incidents[0].evidence == "event.action: export; file.name: HR_<script>alert(1)</script>|x.xlsx");
  CHECK(m.incidents[1].rule_id == "DW-XB-001");
  CHECK(m.incidents[2].timestamp_ms == macau("2026-11-17 14:30:00"));
  CHECK(m.incidents[0].id.size() == 32);
  CHECK(render_markdown(m, language::en).find("Showing 3 of 4") != std::string::npos);
}

TEST_CASE("pipeline health sums the week's minutes and counts the minutes nobody recorded as downtime") {
  const fixture f;
  const auto m = f.build();
  REQUIRE(m.health);
  CHECK(m.health->records_read == 20'000);
  CHECK(m.health->rejected == 8);  // 4 in the first minute of each run
  REQUIRE(m.health->rejected_by_reason.size() == 2);
  CHECK(m.health->rejected_by_reason[0] == std::pair<std::string, std::uint64_t>{"malformed_json", 6});
  CHECK(m.health->rejected_by_reason[1] == std::pair<std::string, std::uint64_t>{"too_deep", 2});
  CHECK(m.health->expected_minutes == 7 * 24 * 60);
  CHECK(m.health->running_minutes == 20);
  CHECK(m.health->down_minutes() == 7 * 24 * 60 - 20);
  CHECK(m.health->outages == 1);
  CHECK(m.health->longest_outage_minutes == 7 * 24 * 60 - 20);
}

TEST_CASE("rule changes of the week: edited, added and removed rules") {
  const fixture f;
  const auto m = f.build();
  REQUIRE(m.rules_recorded);
  REQUIRE(m.rule_changes.size() == 3);
  CHECK(m.rule_changes[0].id == "DW-NEW-1");
  CHECK(m.rule_changes[0].what == rule_change::kind::added);
  CHECK(m.rule_changes[1].id == "DW-OLD-1");
  CHECK(m.rule_changes[1].what == rule_change::kind::removed);
  CHECK(m.rule_changes[2].id == "DW-XB-101");
  CHECK(m.rule_changes[2].what == rule_change::kind::changed);
  CHECK(m.rule_changes[2].previous_version == 1);
  CHECK(m.rule_changes[2].version == 2);
  CHECK(m.rule_changes[2].when_ms == macau("2026-11-18 10:00:00"));
}

TEST_CASE("a week without alerts gives a report that says so, in every format and language") {
  const fixture f;
  auto o = test::fixture_options();
  o.span = {macau("2026-10-05 00:00:00"), macau("2026-10-12 00:00:00")};
  const auto m = f.build(o);
  CHECK(m.empty());
  CHECK(m.days.size() == 7);
  CHECK_FALSE(m.health);  // dingwatch had not run yet
  CHECK(m.rule_changes.empty());
  for (const auto l : {language::zh_hant, language::pt, language::en}) {
    const std::string notice(text(l, msg::empty_period));
    const std::string html = render_html(m, l);
    CHECK(html.find(notice) != std::string::npos);
    CHECK(count(html, "<svg class=\"chart\"") == k_html_charts);
    CHECK(render_markdown(m, l).find(notice) != std::string::npos);
    CHECK(render_json(m, l).find("\"empty\": true") != std::string::npos);
  }
}

TEST_CASE("text from alerts is escaped in HTML and Markdown") {
  const fixture f;
  const auto m = f.build();
  const std::string html = render_html(m, language::en);
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("<b>") == std::string::npos);
  const std::string md = render_markdown(m, language::en);
  CHECK(md.find("HR\\_\\<script\\>alert(1)\\</script\\>\\|x.xlsx") != std::string::npos);  // a | cannot break the table
}

TEST_CASE("periods are whole Macau days and dates are checked") {
  const auto p = period_from_dates("2026-11-16", "2026-11-22");
  CHECK(p.from_ms == macau("2026-11-16 00:00:00"));
  CHECK(p.days() == 7);
  CHECK(last_full_days(macau("2026-11-23 00:30:00")).from_ms == macau("2026-11-16 00:00:00"));
  CHECK(last_full_days(macau("2026-11-22 23:59:59")).to_ms == macau("2026-11-22 00:00:00"));
  CHECK_THROWS_WITH(period_from_dates("2026-02-30", "2026-03-01"), Catch::Contains("--from '2026-02-30'"));
  CHECK_THROWS_WITH(period_from_dates("2026-11-16", "16/11/2026"), Catch::Contains("--to"));
  CHECK_THROWS_WITH(period_from_dates("2026-11-16", "2026-11-01"), Catch::Contains("before"));
}

TEST_CASE("a version-1 store is read as is and migrated in place when opened for writing") {
  const auto dir = test::fresh_dir("v1");
  const auto db = dir / "old.db";
  {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw,
                         "CREATE TABLE alerts (id TEXT PRIMARY KEY, timestamp_ms INTEGER NOT NULL, rule_id TEXT NOT NULL, "
                         "rule_name TEXT, family TEXT, severity TEXT, pdpa TEXT, user_id TEXT, user_name TEXT, corp_id TEXT, "
                         "source_ip TEXT, source_country TEXT, destination_domain TEXT, destination_country TEXT, "
                         "count INTEGER, message TEXT, suppressed INTEGER, json TEXT NOT NULL);"
                         "CREATE INDEX alerts_time ON alerts(timestamp_ms);"
                         "CREATE INDEX alerts_rule ON alerts(rule_id, timestamp_ms);"
                         "CREATE INDEX alerts_family ON alerts(family, timestamp_ms);"
                         "CREATE INDEX alerts_user ON alerts(user_id, timestamp_ms);"
                         "INSERT INTO alerts VALUES ('a1', 1795000000000, 'DW-AA-002', 'n', 'anomalous_access', 'medium', "
                         "'15', 'u1', '陳**', 'c', '', '', '', '', 1, 'm', 0, '{}');"
                         "PRAGMA user_version = 1;",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
  }
  {
    const alert_store ro(db, alert_store::mode::read_only);
    CHECK_FALSE(ro.has_table("pipeline_minutes"));
    report_options o;
    o.span = last_full_days(1795000000000 + k_day_ms);
    o.generated_ms = o.span.to_ms;
    const auto m = build_report(ro, o);
    CHECK(m.alerts.current == 1);
    CHECK_FALSE(m.health);
    CHECK_FALSE(m.rules_recorded);
    CHECK(render_html(m, language::en).find(std::string(text(language::en, msg::rules_not_recorded))) != std::string::npos);
  }
  {
    const alert_store rw(db);
    CHECK(rw.has_table("pipeline_minutes"));
    CHECK(rw.has_table("rule_versions"));
    bool covering = false;
    rw.select("SELECT name FROM sqlite_master WHERE type = 'index'", {},
              [&](const row_view& r) { covering |= r.text(0) == "alerts_report"; });
    CHECK(covering);
    CHECK(rw.size() == 1);
    std::int64_t version = 0;
    rw.select("PRAGMA user_version", {}, [&](const row_view& r) { version = r.integer(0); });
    CHECK(version == 2);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a store written by a newer dingwatch is refused with its schema version") {
  const auto dir = test::fresh_dir("v9");
  const auto db = dir / "new.db";
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
  sqlite3_exec(raw, "PRAGMA user_version = 9;", nullptr, nullptr, nullptr);
  sqlite3_close(raw);
  CHECK_THROWS_WITH(alert_store(db), Catch::Contains("schema version 9 is newer") && Catch::Contains("new.db"));
  std::filesystem::remove_all(dir);
}
