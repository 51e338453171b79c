// The holiday calendar: `holidays:` in rule files, the `holiday` and `workday`
// predicates, hour_of_day baselines that count holidays as weekend hours, and the
// shipped Macau calendar.

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "dingwatch/core/time.hpp"
#include "rules_support.hpp"

using namespace dingwatch;
using namespace dingwatch::testing;

namespace {

const std::string k_calendar = R"(holidays:
  2026-10-01: National Day
  2026-12-25: Christmas Day
)";

std::int64_t at(const char* local) {
  std::int64_t ms = 0;
  REQUIRE(parse_macau_local(local, std::strlen(local), ms));
  return ms;
}

bool fires_at(const std::shared_ptr<const rules::rule_set>& s, const char* local) {
  return fires(s, event_builder().set("event.kind", "audit").at(at(local)).ev());
}

}  // namespace

TEST_CASE("holiday: true holds on the calendar's dates, Macau time", "[rules][calendar]") {
  const auto s = compile(k_calendar + rule_with("      where: {event.kind: audit, timestamp: {holiday: true}}"));
  CHECK(fires_at(s, "2026-10-01 00:00:00"));
  CHECK(fires_at(s, "2026-10-01 23:59:59"));
  CHECK_FALSE(fires_at(s, "2026-09-30 23:59:59"));  // 15:59 UTC on the 30th: still not the 1st in Macau
  CHECK_FALSE(fires_at(s, "2026-10-02 00:00:00"));
  CHECK(fires_at(s, "2026-12-25 12:00:00"));
  const auto no = compile(k_calendar + rule_with("      where: {event.kind: audit, timestamp: {holiday: false}}"));
  CHECK_FALSE(fires_at(no, "2026-10-01 09:00:00"));
  CHECK(fires_at(no, "2026-10-05 09:00:00"));
}

TEST_CASE("workday: false holds on weekends and holidays alike", "[rules][calendar]") {
  const auto off = compile(k_calendar + rule_with("      where: {event.kind: audit, timestamp: {workday: false}}"));
  CHECK(fires_at(off, "2026-10-01 10:00:00"));   // Thursday, National Day
  CHECK(fires_at(off, "2026-10-03 10:00:00"));   // Saturday
  CHECK(fires_at(off, "2026-10-04 10:00:00"));   // Sunday
  CHECK_FALSE(fires_at(off, "2026-10-05 10:00:00"));  // Monday
  // The off-hours shape: at night, or any time on a day off.
  const auto off_hours = compile(k_calendar + rule_with(R"(      where:
        event.kind: audit
        any: [{timestamp: {hour_between: [22, 6]}}, {timestamp: {workday: false}}])"));
  CHECK(fires_at(off_hours, "2026-12-25 15:00:00"));
  CHECK(fires_at(off_hours, "2026-12-23 23:00:00"));
  CHECK_FALSE(fires_at(off_hours, "2026-12-23 15:00:00"));
}

TEST_CASE("holidays are shared by every file of a load", "[rules][calendar]") {
  const auto dir = std::filesystem::temp_directory_path() / "dingwatch-calendar-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a_holidays.yaml") << k_calendar;
  std::ofstream(dir / "b_rules.yaml") << rule_with("      where: {event.kind: audit, timestamp: {holiday: true}}");
  const auto r = rules::load_rules({dir.string()});
  INFO(rules::format_text(r.problems.list()));
  REQUIRE(r.ok());
  CHECK(r.problems.list().empty());
  CHECK(r.rules->holidays.size() == 2);
  CHECK(fires_at(r.rules, "2026-12-25 08:00:00"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("hour_of_day baselines count holidays as weekend hours", "[rules][calendar][baseline]") {
  // One download every hour for three weeks; then, on National Day (a Thursday), ten at
  // 10:00. Weekday hours at 10:00 see 1 a day; weekend hours see 1 too — so the burst
  // fires either way, and the slot it names tells which one the day was put in.
  const std::string rule = rule_with(R"(      where: {event.kind: audit}
      baseline: {by: [user.id], slots: hour_of_day, warmup: 3d, z: 4, min: 5})");
  for (const bool calendar : {true, false}) {
    const auto s = compile((calendar ? k_calendar : std::string()) + rule);
    rules::rule_engine engine(s);
    alert_sink sink;
    const auto start = at("2026-09-06 00:00:00");  // a Sunday
    event_builder b;
    b.set("event.kind", "audit").set("user.id", "u1");
    for (std::int64_t h = 0; h < 24 * 25; ++h) {
      b.at(start + h * k_hour + 300'000);
      engine.on_event(b.ev(), sink);
    }
    REQUIRE(sink.alerts.empty());
    for (int i = 0; i < 10; ++i) {
      b.at(at("2026-10-01 10:10:00") + i * 60'000);
      engine.on_event(b.ev(), sink);
    }
    REQUIRE(sink.alerts.size() == 1);
    CHECK(evidence_of(sink.alerts[0], "baseline.slot") == (calendar ? "weekend 10:00" : "weekday 10:00"));
  }
}

TEST_CASE("calendar mistakes are diagnosed", "[rules][calendar][diagnostics]") {
  const auto r = rules::load_rules_text(R"(holidays:
  2026-02-30: not a day
  2026-10-01: National Day
  2026-10-01: again
  2026-10-02: [a, list]
rules:
  - id: T-1
    name: t
    family: anomalous_access
    severity: low
    pdpa: ["5"]
    detection:
      where: {user.id: {holiday: true}, timestamp: {workday: maybe}}
    tests: []
)",
                                        "cal.yaml");
  REQUIRE_FALSE(r.ok());
  std::vector<std::string> messages;
  for (const auto& d : r.problems.list()) messages.push_back(fmt::format("{}:{} {}", d.where.line, d.where.column, d.message));
  CHECK(messages == std::vector<std::string>{
                        "2:3 '2026-02-30' is not a date",
                        "4:3 holiday 2026-10-01 is listed twice",
                        "5:15 holiday 2026-10-02 needs a name",
                        "13:34 `holiday` applies to `timestamp`, not 'user.id'",
                        "13:62 `workday` takes true or false",
                    });
}

TEST_CASE("holiday predicates without a calendar warn, and count weekends only", "[rules][calendar]") {
  const auto r = rules::load_rules_text(rule_with("      where: {event.kind: audit, timestamp: {workday: false}}"));
  REQUIRE(r.ok());
  REQUIRE(r.problems.warning_count() == 1);
  CHECK_THAT(r.problems.list()[0].message, Catch::Contains("without a holiday calendar"));
  CHECK_FALSE(fires_at(r.rules, "2026-10-01 10:00:00"));
  CHECK(fires_at(r.rules, "2026-10-03 10:00:00"));
}

TEST_CASE("the shipped Macau calendar covers 2025 to 2027", "[rules][calendar][pack]") {
  const auto r = rules::load_rules({std::string(DINGWATCH_RULES_DIR) + "/holidays.yaml"});
  INFO(rules::format_text(r.problems.list()));
  REQUIRE(r.ok());
  const auto& set = *r.rules;
  for (int year : {2025, 2026, 2027}) {
    std::size_t n = 0;
    for (const auto& h : set.holidays) n += h.day >= days_from_civil(year, 1, 1) && h.day < days_from_civil(year + 1, 1, 1);
    CHECK(n >= 18);  // the fixed and lunar public holidays of the year
  }
  CHECK(set.is_holiday(days_from_civil(2026, 10, 1)));   // National Day
  CHECK(set.is_holiday(days_from_civil(2026, 12, 20)));  // MSAR Establishment Day
  CHECK(set.is_holiday(days_from_civil(2026, 2, 17)));   // Lunar New Year
  CHECK(set.is_holiday(days_from_civil(2027, 12, 25)));
  CHECK_FALSE(set.is_holiday(days_from_civil(2026, 11, 25)));
}
