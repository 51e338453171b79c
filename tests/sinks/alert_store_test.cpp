// The SQLite alert store: de-duplication by alert id, time-range queries, counts, schema.

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <set>

#include "dingwatch/sinks/alert_store.hpp"
#include "sink_test_support.hpp"

using namespace dingwatch;
using namespace dingwatch::test;

namespace {

std::string pragma(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(s) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  return out;
}

}  // namespace

TEST_CASE("replayed alerts are stored once per alert id", "[store]") {
  scratch_dir dir("store-dedup");
  const auto path = dir.path / "alerts.db";
  const auto alerts = make_alerts(0, 10);
  {
    alert_store store(path);
    REQUIRE(store.write(alerts));
    REQUIRE(store.write(alerts));                                 // a replay after a crash
    REQUIRE(store.write(std::span<const alert>(alerts).subspan(3, 4)));  // a partial one
    CHECK(store.size() == 10);
  }
  alert_store reopened(path);  // a restart keeps the history and still de-duplicates
  REQUIRE(reopened.write(make_alerts(5, 10)));
  CHECK(reopened.size() == 15);
}

TEST_CASE("alert store keeps every column and the full JSON", "[store]") {
  scratch_dir dir("store-row");
  alert_store store(dir.path / "alerts.db");
  const auto a = make_alert(7);
  REQUIRE(store.write(std::span<const alert>(&a, 1)));
  const auto rows = store.alerts_between(a.timestamp_ms, a.timestamp_ms + 1);
  REQUIRE(rows.size() == 1);
  const auto& r = rows[0];
  CHECK(r.id == a.id);
  CHECK(r.timestamp_ms == a.timestamp_ms);
  CHECK(r.rule_id == a.rule_id);
  CHECK(r.rule_name == a.rule_name);
  CHECK(r.family == to_string(a.family));
  CHECK(r.severity == to_string(a.severity));
  CHECK(r.pdpa == "19,20");
  CHECK(r.user_id == a.user_id);
  CHECK(r.user_name == a.user_name);
  CHECK(r.corp_id == a.corp_id);
  CHECK(r.source_ip == a.source_ip);
  CHECK(r.source_country == "MO");
  CHECK(r.destination_domain == a.destination_domain);
  CHECK(r.destination_country == "CN");
  CHECK(r.count == a.count);
  CHECK(r.message == a.message);
  CHECK(r.suppressed == 0);
  CHECK(r.json == to_json(a));
}

TEST_CASE("alert store answers time-range queries and counts by field", "[store]") {
  scratch_dir dir("store-query");
  alert_store store(dir.path / "alerts.db");
  const auto alerts = make_alerts(0, 30);  // one a minute
  REQUIRE(store.write(alerts));
  const std::int64_t t0 = alerts[0].timestamp_ms;

  const auto rows = store.alerts_between(t0 + 10 * 60'000, t0 + 20 * 60'000);  // [10, 20)
  REQUIRE(rows.size() == 10);
  CHECK(rows.front().id == alerts[10].id);
  CHECK(rows.back().id == alerts[19].id);
  for (std::size_t i = 1; i < rows.size(); ++i) CHECK(rows[i - 1].timestamp_ms <= rows[i].timestamp_ms);
  CHECK(store.alerts_between(t0 - 60'000, t0).empty());

  const auto by_family = store.count_by("family", t0, t0 + 30 * 60'000);
  REQUIRE(by_family.size() == 3);
  for (const auto& [family, n] : by_family) CHECK(n == 10);

  // [0, 4): alerts 0..3 → rules 0,1,2,0
  const auto by_rule = store.count_by("rule_id", t0, t0 + 4 * 60'000);
  REQUIRE(by_rule.size() == 3);
  CHECK(by_rule[0] == std::pair<std::string, std::int64_t>{"xb.oss_upload", 2});
  CHECK(by_rule[1].second == 1);

  const auto by_user = store.count_by("user_id", t0, t0 + 30 * 60'000);
  CHECK(by_user.size() == 5);

  CHECK_THROWS_AS(store.count_by("json; DROP TABLE alerts", t0, t0 + 1), std::invalid_argument);
  CHECK_THROWS_AS(store.count_by("message", t0, t0 + 1), std::invalid_argument);
}

TEST_CASE("alert store has indexes on time, rule, family and user, WAL and synchronous=FULL", "[store]") {
  scratch_dir dir("store-schema");
  alert_store store(dir.path / "alerts.db");
  std::set<std::string> indexes;
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(store.handle(),
                             "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'alerts' "
                             "AND sql IS NOT NULL",
                             -1, &s, nullptr) == SQLITE_OK);
  std::string sqls;
  while (sqlite3_step(s) == SQLITE_ROW) {
    indexes.insert(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
    sqls += reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
  }
  sqlite3_finalize(s);
  CHECK(indexes == std::set<std::string>{"alerts_time", "alerts_rule", "alerts_family", "alerts_user", "alerts_report"});
  CHECK_THAT(sqls, Catch::Contains("(timestamp_ms)") && Catch::Contains("(rule_id") &&
                       Catch::Contains("(family") && Catch::Contains("(user_id"));
  CHECK(pragma(store.handle(), "PRAGMA journal_mode") == "wal");
  CHECK(pragma(store.handle(), "PRAGMA synchronous") == "2");  // FULL
  CHECK(pragma(store.handle(), "PRAGMA user_version") == "2");  // v2: pipeline_minutes, rule_versions, alerts_report
}

TEST_CASE("a read-only alert store queries but refuses writes", "[store]") {
  scratch_dir dir("store-ro");
  const auto path = dir.path / "alerts.db";
  {
    alert_store store(path);
    REQUIRE(store.write(make_alerts(0, 3)));
  }
  alert_store ro(path, alert_store::mode::read_only);
  CHECK(ro.size() == 3);
  CHECK_FALSE(ro.write(make_alerts(3, 1)));
  CHECK_THROWS_WITH(alert_store(dir.path / "nope" / "x.db", alert_store::mode::read_only),
                    Catch::Contains("cannot open"));
}
