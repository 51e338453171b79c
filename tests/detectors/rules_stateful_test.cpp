// The stateful kinds beyond counting: value_sum, temporal, temporal_ordered, baseline,
// first_seen; per-rule counters and their process-wide collector.

#include <algorithm>
#include <cmath>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "dingwatch/detectors/rules/metrics.hpp"
#include "rules_support.hpp"

using namespace dingwatch;
using namespace dingwatch::testing;

namespace {

struct feeder {
  explicit feeder(std::shared_ptr<const rules::rule_set> s, std::optional<std::size_t> only = std::nullopt)
      : set(std::move(s)), engine(set, only) {}
  void feed(std::initializer_list<std::pair<const char*, std::string>> fields, std::int64_t ts) {
    event_builder b;
    for (const auto& [k, v] : fields) b.set(k, v);
    b.at(ts);
    engine.on_event(b.ev(), sink);
  }
  std::shared_ptr<const rules::rule_set> set;
  rules::rule_engine engine;
  alert_sink sink;
};

}  // namespace

TEST_CASE("value_sum adds a number field per key within the window", "[rules][value_sum]") {
  feeder f(compile("rules:" + rule("T-1", R"(      where: {event.kind: flow}
      value_sum: {field: flow.records, by: [flow.app], within: 1h, gte: 1000})")));
  const auto t0 = macau(10);
  f.feed({{"event.kind", "flow"}, {"flow.app", "hr"}, {"flow.records", "400"}}, t0);
  f.feed({{"event.kind", "flow"}, {"flow.app", "crm"}, {"flow.records", "900"}}, t0 + k_min);
  f.feed({{"event.kind", "flow"}, {"flow.app", "hr"}, {"flow.records", "500"}}, t0 + 30 * k_min);
  f.feed({{"event.kind", "flow"}, {"flow.app", "hr"}}, t0 + 31 * k_min);  // no number: ignored
  CHECK(f.sink.alerts.empty());
  SECTION("inside the window it fires with the sum") {
    f.feed({{"event.kind", "flow"}, {"flow.app", "hr"}, {"flow.records", "100"}}, t0 + 59 * k_min);
    REQUIRE(f.sink.alerts.size() == 1);
    CHECK(f.sink.alerts[0].count == 1000);
    CHECK(f.sink.alerts[0].first_ms == t0);
    CHECK(f.sink.alerts[0].refs.size() == 3);
    CHECK(f.sink.alerts[0].id == make_alert_id("T-1", "hr", t0));
    // The key restarts empty.
    f.feed({{"event.kind", "flow"}, {"flow.app", "hr"}, {"flow.records", "100"}}, t0 + 60 * k_min);
    CHECK(f.sink.alerts.size() == 1);
  }
  SECTION("the first 400 has left the window an hour later") {
    f.feed({{"event.kind", "flow"}, {"flow.app", "hr"}, {"flow.records", "100"}}, t0 + 60 * k_min);
    CHECK(f.sink.alerts.empty());
    f.feed({{"event.kind", "flow"}, {"flow.app", "hr"}, {"flow.records", "400"}}, t0 + 61 * k_min);
    REQUIRE(f.sink.alerts.size() == 1);
    CHECK(f.sink.alerts[0].count == 1000);
    CHECK(f.sink.alerts[0].first_ms == t0 + 30 * k_min);
  }
}

TEST_CASE("value_sum wants a number field", "[rules][value_sum]") {
  const auto r = rules::load_rules_text("rules:" + rule("T-1", R"(      where: {event.kind: flow}
      value_sum: {field: flow.app, within: 1h, gte: 10})"));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(rules::format_text(r.problems.list()), Catch::Contains("'flow.app' is a string field"));
}

namespace {

// Admin grant (macro) then a burst of exports (a building-block rule) for the same user.
const std::string k_grant_then_export = R"(macros:
  admin_grant: {event.kind: org_change, event.type: org_admin_add}
rules:)" + rule("T-EXPORTS", R"(      where: {event.kind: audit, event.action: export}
      event_count: {by: [corp.id, user.id], within: 1h, gte: 3})", "    generate: false") +
                                        rule("T-SEQ", R"(      temporal_ordered:
        rules: [admin_grant, T-EXPORTS]
        by: {admin_grant: [corp.id, target.user], T-EXPORTS: [corp.id, user.id]}
        within: 1h)");

void grant(feeder& f, const std::string& to, std::int64_t ts) {
  f.feed({{"event.kind", "org_change"}, {"event.type", "org_admin_add"}, {"corp.id", "c1"},
          {"operator.id", "boss"}, {"target.user", to}},
         ts);
}
void exports(feeder& f, const std::string& by, std::int64_t ts, int n = 3) {
  for (int i = 0; i < n; ++i)
    f.feed({{"event.kind", "audit"}, {"event.action", "export"}, {"corp.id", "c1"}, {"user.id", by}},
           ts + i * k_min);
}

}  // namespace

TEST_CASE("temporal_ordered: A then B for the same key within T", "[rules][temporal]") {
  const auto set = compile(k_grant_then_export);
  REQUIRE(set->rules.size() == 2);
  CHECK(set->order == std::vector<std::uint32_t>{0, 1});
  const auto t0 = macau(10);
  feeder f(set);
  SECTION("grant then exports within the hour fires; the building block stays silent") {
    grant(f, "u1", t0);
    exports(f, "u1", t0 + 40 * k_min);
    REQUIRE(f.sink.alerts.size() == 1);
    const alert& a = f.sink.alerts[0];
    CHECK(a.rule_id == "T-SEQ");
    CHECK(a.user_id == "u1");
    CHECK(a.count == 2);
    CHECK(a.first_ms == t0);
    CHECK(a.refs.size() == 2);
    CHECK(a.id == make_alert_id("T-SEQ", "c1|u1", t0));
    CHECK_THAT(evidence_of(a, "sequence"), Catch::StartsWith("admin_grant ") && Catch::Contains(" → T-EXPORTS "));
  }
  SECTION("exports before the grant do not fire (out of order)") {
    exports(f, "u1", t0);
    grant(f, "u1", t0 + 10 * k_min);
    CHECK(f.sink.alerts.empty());
  }
  SECTION("late arrival: the grant arrives after the exports but happened before") {
    exports(f, "u1", t0 + 30 * k_min);
    grant(f, "u1", t0);
    REQUIRE(f.sink.alerts.size() == 1);
    CHECK(f.sink.alerts[0].first_ms == t0);
  }
  SECTION("exports more than an hour after the grant do not fire") {
    grant(f, "u1", t0);
    exports(f, "u1", t0 + 58 * k_min);  // the third export at t0+60m
    CHECK(f.sink.alerts.empty());
  }
  SECTION("another user's exports do not fire") {
    grant(f, "u1", t0);
    exports(f, "u2", t0 + 10 * k_min);
    CHECK(f.sink.alerts.empty());
  }
  SECTION("a test engine for the correlation runs the referenced rule silently") {
    feeder only(set, 1);
    grant(only, "u1", t0);
    exports(only, "u1", t0 + 5 * k_min);
    REQUIRE(only.sink.alerts.size() == 1);
    CHECK(only.sink.alerts[0].rule_id == "T-SEQ");
  }
}

TEST_CASE("temporal: every step within T, in any order", "[rules][temporal]") {
  const auto set = compile(R"(macros:
  vpn_login: {event.kind: audit, event.action: login, platform: vpn}
  share: {event.kind: audit, event.action: share}
  delete: {event.kind: audit, event.action: delete}
rules:)" + rule("T-ALL", R"(      temporal: {rules: [vpn_login, share, delete], by: [user.id], within: 10m})"));
  const auto t0 = macau(10);
  feeder f(set);
  auto ev = [&](const char* action, std::int64_t ts, const char* user = "u1") {
    f.feed({{"event.kind", "audit"}, {"event.action", action}, {"platform", "vpn"}, {"user.id", user}}, ts);
  };
  SECTION("any order fires once all steps are in") {
    ev("delete", t0);
    ev("share", t0 + k_min);
    CHECK(f.sink.alerts.empty());
    ev("login", t0 + 9 * k_min);
    REQUIRE(f.sink.alerts.size() == 1);
    CHECK(f.sink.alerts[0].count == 3);
    CHECK(f.sink.alerts[0].first_ms == t0);
  }
  SECTION("steps spread beyond T do not") {
    ev("delete", t0);
    ev("share", t0 + k_min);
    ev("login", t0 + 10 * k_min);
    CHECK(f.sink.alerts.empty());
    ev("delete", t0 + 11 * k_min);  // the first delete and share have left the window
    CHECK(f.sink.alerts.empty());
    ev("share", t0 + 12 * k_min);  // login, delete, share within 10 minutes
    CHECK(f.sink.alerts.size() == 1);
  }
  SECTION("steps of different keys do not combine") {
    ev("delete", t0);
    ev("share", t0 + k_min, "u2");
    ev("login", t0 + 2 * k_min);
    CHECK(f.sink.alerts.empty());
  }
}

TEST_CASE("correlation diagnostics", "[rules][temporal][diagnostics]") {
  auto problems = [](const std::string& yaml) {
    const auto r = rules::load_rules_text(yaml);
    CHECK_FALSE(r.ok());
    return rules::format_text(r.problems.list());
  };
  CHECK_THAT(problems("rules:" + rule("T-1", "      temporal: {rules: [T-2, nope], within: 1h}") +
                      rule("T-2", "      where: {event.kind: audit}")),
             Catch::Contains("no rule or macro named 'nope'"));
  CHECK_THAT(problems("rules:" + rule("T-1", "      temporal: {rules: [T-2, T-1], within: 1h}") +
                      rule("T-2", "      where: {event.kind: audit}")),
             Catch::Contains("names itself"));
  CHECK_THAT(problems("rules:" + rule("T-1", "      temporal: {rules: [T-2, T-3], within: 1h}") +
                      rule("T-2", "      temporal: {rules: [T-1, T-3], within: 1h}") +
                      rule("T-3", "      where: {event.kind: audit}")),
             Catch::Contains("correlation cycle"));
  CHECK_THAT(problems("rules:" + rule("T-1", "      where: {event.kind: audit}\n      temporal: {rules: [T-2, T-3], within: 1h}") +
                      rule("T-2", "      where: {event.kind: audit}") + rule("T-3", "      where: {event.kind: chat}")),
             Catch::Contains("has no `where`"));
  CHECK_THAT(problems("rules:" + rule("T-1", "      temporal: {rules: [T-2, T-3], within: 1h, by: {T-2: [user.id], T-3: [corp.id, user.id]}}") +
                      rule("T-2", "      where: {event.kind: audit}") + rule("T-3", "      where: {event.kind: chat}")),
             Catch::Contains("same number of fields"));
}

namespace {

std::shared_ptr<const rules::rule_set> baseline_rule(const std::string& params) {
  return compile("rules:" + rule("T-B", "      where: {event.kind: audit, event.action: download}\n      baseline: " + params));
}

void download(feeder& f, std::int64_t ts, const char* size = "1000", const char* user = "u1") {
  f.feed({{"event.kind", "audit"}, {"event.action", "download"}, {"user.id", user}, {"file.size", size}}, ts);
}

/// Bytes downloaded per hour-of-week slot, ratio 10, two weeks of warm-up.
constexpr const char* k_weekly_bytes =
    "{by: [user.id], sum: file.size, slots: hour_of_week, warmup: 14d, ratio: 10, min: 100000}";

/// Two weeks from `start`, every hour: 30 kB on even days, 10 kB on odd ones — so each
/// weekly slot saw 30 kB then 10 kB: EWMA mean 26 kB (alpha 0.2).
void two_weeks_of_downloads(feeder& f, std::int64_t start) {
  for (std::int64_t h = 0; h < 24 * 14; ++h) download(f, start + h * k_hour, (h / 24) % 2 ? "10000" : "30000");
}

}  // namespace

TEST_CASE("baseline: warm-up, then the z-score test", "[rules][baseline]") {
  // Counting events, hour_of_day slots: one download every hour, three a day at 10:00.
  const auto set = baseline_rule("{by: [user.id], slots: hour_of_day, warmup: 3d, z: 4, min: 5}");
  feeder f(set);
  const auto start = macau(0, 0, 0, 1);  // Sunday 2026-11-01 00:00 Macau
  for (std::int64_t h = 0; h < 24 * 21; ++h) download(f, start + h * k_hour + 5 * k_min);
  CHECK(f.sink.alerts.empty());
  const auto day22 = start + 21 * k_day;  // Sunday again: weekend slots
  SECTION("a burst far above the hour's baseline fires once, mid-bucket") {
    for (int i = 0; i < 10; ++i) download(f, day22 + 10 * k_hour + 10 * k_min + i * k_min);
    REQUIRE(f.sink.alerts.size() == 1);
    const alert& a = f.sink.alerts[0];
    CHECK(a.count == 5);  // fired as soon as the bucket reached `min` and mean + 4σ
    CHECK(a.id == make_alert_id("T-B", "u1", day22 + 10 * k_hour));
    CHECK(evidence_of(a, "baseline.slot") == "weekend 10:00");
    CHECK_THAT(a.message, Catch::Contains("usually 1"));
  }
  SECTION("a bucket below min stays quiet") {
    for (int i = 0; i < 4; ++i) download(f, day22 + 10 * k_hour + 10 * k_min + i * k_min);
    CHECK(f.sink.alerts.empty());
  }
  SECTION("the same burst during warm-up stays quiet") {
    feeder g(set);
    for (std::int64_t h = 0; h < 24 * 2; ++h) download(g, start + h * k_hour + 5 * k_min);
    for (int i = 0; i < 50; ++i) download(g, start + 2 * k_day + 10 * k_hour + i * k_min / 2);
    CHECK(g.sink.alerts.empty());
  }
}

TEST_CASE("baseline: sums per hour-of-week slot and the ratio test", "[rules][baseline]") {
  const auto set = baseline_rule(k_weekly_bytes);
  feeder f(set);
  const auto start = macau(0, 0, 0, 1);
  two_weeks_of_downloads(f, start);
  CHECK(f.sink.alerts.empty());
  const auto t = start + 14 * k_day + 9 * k_hour;  // Sunday 09:00 again
  download(f, t, "150000");  // above min, below 10 × 26 kB
  CHECK(f.sink.alerts.empty());
  download(f, t + k_min, "150000");  // 300 kB > 260 kB
  REQUIRE(f.sink.alerts.size() == 1);
  CHECK(f.sink.alerts[0].count == 300000);
  download(f, t + 2 * k_min, "900000");  // once per bucket
  CHECK(f.sink.alerts.size() == 1);
  // Other users are tracked apart and are still warming up.
  download(f, t, "9000000", "u2");
  CHECK(f.sink.alerts.size() == 1);
  CHECK(f.engine.tracked_keys(0) == 2);
  CHECK(rules::rule_engine::bytes_per_key(set->rules[0]) <= 1024);
}

TEST_CASE("baseline: an hour that fired teaches its slot only up to the firing total", "[rules][baseline]") {
  feeder f(baseline_rule(k_weekly_bytes));
  const auto start = macau(0, 0, 0, 1);
  two_weeks_of_downloads(f, start);
  REQUIRE(f.sink.alerts.empty());
  // Then 3 MB every Sunday 09:00. Folded whole, the first would lift the mean to 621 kB and
  // the bar to 6.2 MB: the second week would be quiet. Folded up to the bar (260 kB, then
  // 728 kB, then 2.04 MB), the mean goes 72.8 kB → 204 kB → 571 kB: three weeks fire, and
  // the fourth (bar 5.7 MB) has learned the new level.
  std::vector<std::size_t> fired;
  for (int week = 0; week < 4; ++week) {
    const std::size_t before = f.sink.alerts.size();
    download(f, start + (14 + 7 * week) * k_day + 9 * k_hour, "3000000");
    if (f.sink.alerts.size() > before) fired.push_back(static_cast<std::size_t>(week));
  }
  CHECK(fired == std::vector<std::size_t>{0, 1, 2});
}

TEST_CASE("baseline: a burst that straddles the turn of the hour fires on the trailing 60 minutes", "[rules][baseline]") {
  // One download at :05 every hour for three weeks: every slot has mean 1, σ 0; min 5.
  feeder f(baseline_rule("{by: [user.id], slots: hour_of_day, warmup: 3d, z: 4, min: 5}"));
  const auto start = macau(0, 0, 0, 1);
  for (std::int64_t h = 0; h < 24 * 21; ++h) download(f, start + h * k_hour + 5 * k_min);
  REQUIRE(f.sink.alerts.empty());
  const auto ten = start + 21 * k_day + 10 * k_hour;  // Sunday 10:00, no background that day
  SECTION("three downloads before 11:00 and two after: five within an hour, fired at the fifth") {
    for (int i = 0; i < 3; ++i) download(f, ten + (57 + i) * k_min);
    download(f, ten + 60 * k_min);
    CHECK(f.sink.alerts.empty());  // the clock hours hold 3 and 1
    download(f, ten + 61 * k_min);
    REQUIRE(f.sink.alerts.size() == 1);
    const alert& a = f.sink.alerts[0];
    CHECK(a.count == 5);
    CHECK(a.first_ms == ten + 57 * k_min);
    CHECK(a.id == make_alert_id("T-B", "u1", ten + k_hour));  // the clock hour it fired in
    CHECK(evidence_of(a, "baseline.window") == "trailing 60 min");
    for (int i = 2; i < 10; ++i) download(f, ten + (60 + i) * k_min);
    CHECK(f.sink.alerts.size() == 1);  // once per key and clock hour
  }
  SECTION("the previous hour counts for the part of its events' span within the last 60 minutes") {
    // 10:01–10:03, then 11:02: the window from 10:02 holds half of that span (1.5 of 3).
    for (int i = 1; i <= 3; ++i) download(f, ten + i * k_min);
    download(f, ten + 62 * k_min);               // 1 + 1.5
    download(f, ten + 62 * k_min + k_min / 2);   // 2 + 0.75
    download(f, ten + 63 * k_min);               // the span has left the window: 3
    download(f, ten + 64 * k_min);
    CHECK(f.sink.alerts.empty());
    download(f, ten + 65 * k_min);  // the clock hour reaches 5 by itself
    REQUIRE(f.sink.alerts.size() == 1);
    CHECK(evidence_of(f.sink.alerts[0], "baseline.window") == "clock hour");
    CHECK(f.sink.alerts[0].count == 5);
  }
  SECTION("an hour that fired does not count again in the next") {
    for (int i = 0; i < 5; ++i) download(f, ten + (50 + i) * k_min);
    REQUIRE(f.sink.alerts.size() == 1);
    CHECK(evidence_of(f.sink.alerts[0], "baseline.window") == "clock hour");
    for (int i = 0; i < 4; ++i) download(f, ten + (60 + i) * k_min);
    CHECK(f.sink.alerts.size() == 1);
  }
}

TEST_CASE("baseline: the trailing hour is held to the previous slot's own level", "[rules][baseline]") {
  // Every day six downloads over 10:10–10:59 and one at 11:01: slot means 6 and 1, ratio 2.
  feeder f(baseline_rule("{by: [user.id], slots: hour_of_day, warmup: 3d, ratio: 2, min: 5}"));
  const auto start = macau(0, 0, 0, 1);
  const auto day = [&](std::int64_t d, std::initializer_list<int> minutes) {
    for (const int m : minutes) download(f, start + d * k_day + 10 * k_hour + m * k_min);
  };
  for (std::int64_t d = 0; d < 15; ++d) day(d, {10, 20, 30, 40, 50, 59, 61});
  // Day 14 too: at 11:01 the last 60 minutes hold 7, under 2 × (6 + 1/60 × 1); against
  // 11:00's slot alone (2 × 1) they would fire every day.
  CHECK(f.sink.alerts.empty());
  // Eleven before 11:00 (under 2 × 6) and two after (under min): 13 within an hour.
  day(15, {10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 59, 61});
  CHECK(f.sink.alerts.empty());
  day(15, {62});
  REQUIRE(f.sink.alerts.size() == 1);
  CHECK(f.sink.alerts[0].count == 13);
  CHECK(evidence_of(f.sink.alerts[0], "baseline.window") == "trailing 60 min");
}

TEST_CASE("baseline: quiet hours decay a slot's mean as one zero per hour would", "[rules][baseline]") {
  // alpha 0.5, hour_of_week: 8 downloads on Monday 10:00, then nothing for three weeks.
  // Closing that bucket sets the slot's mean to 8; the quiet Mondays 10:00 of weeks 1
  // and 2 each fold a zero (8 → 4 → 2), so in week 3 the ratio test (> 1.6 × mean) fires
  // at the 4th download, with mean 2 — at the 13th with mean 8 were the gap not folded.
  const auto set = baseline_rule("{by: [user.id], slots: hour_of_week, alpha: 0.5, warmup: 7d, ratio: 1.6, min: 1}");
  feeder f(set);
  const auto monday = macau(10, 0, 0, 2);  // Monday 2026-11-02 10:00 Macau
  for (int i = 0; i < 8; ++i) download(f, monday + i * k_min);
  CHECK(f.sink.alerts.empty());  // a slot never observed does not fire
  const auto week3 = monday + 21 * k_day;
  for (int i = 0; i < 3; ++i) download(f, week3 + i * k_min);
  CHECK(f.sink.alerts.empty());
  download(f, week3 + 3 * k_min);
  REQUIRE(f.sink.alerts.size() == 1);
  CHECK(f.sink.alerts[0].count == 4);
  CHECK(evidence_of(f.sink.alerts[0], "baseline.mean") == "2");
}

TEST_CASE("baseline: quiet hours decay a slot's spread as one zero per hour would", "[rules][baseline]") {
  // alpha 0.5, hour_of_week, Monday 10:00: 8 downloads in week 0 and 2 in week 1 leave
  // the slot at mean 5, variance 9 once week 1's bucket closes in week 4; the quiet
  // Mondays of weeks 2 and 3 fold two zeros. Folded one at a time (m ← m/2,
  // v ← (v + m²/2)/2): mean 1.25, variance 6.9375, σ 2.63.
  const auto set = baseline_rule("{by: [user.id], slots: hour_of_week, alpha: 0.5, warmup: 7d, ratio: 1.6, min: 1}");
  feeder f(set);
  const auto monday = macau(10, 0, 0, 2);  // Monday 2026-11-02 10:00 Macau
  for (int i = 0; i < 8; ++i) download(f, monday + i * k_min);
  for (int i = 0; i < 2; ++i) download(f, monday + 7 * k_day + i * k_min);
  double m = 5, v = 9;
  for (int quiet = 0; quiet < 2; ++quiet) {
    v = (v + m * m / 2) / 2;
    m /= 2;
  }
  REQUIRE(m == 1.25);
  REQUIRE(v == 6.9375);
  const auto week4 = monday + 28 * k_day;
  for (int i = 0; i < 3; ++i) download(f, week4 + i * k_min);  // 3 > 1.6 × 1.25 at the 3rd
  REQUIRE(f.sink.alerts.size() == 1);
  CHECK(evidence_of(f.sink.alerts[0], "baseline.mean") == "1.25");
  CHECK(evidence_of(f.sink.alerts[0], "baseline.sigma") == fmt::format("{:.3g}", std::sqrt(v)));
}

TEST_CASE("baseline diagnostics", "[rules][baseline][diagnostics]") {
  const auto r = rules::load_rules_text("rules:" + rule("T-B", "      where: {event.kind: audit}\n      baseline: {slots: hour_of_week, warmup: 2d, sum: user.id, new_keys: cold}"));
  REQUIRE_FALSE(r.ok());
  const std::string text = rules::format_text(r.problems.list());
  CHECK_THAT(text, Catch::Contains("needs `z` or `ratio`"));
  CHECK_THAT(text, Catch::Contains("has no `min`"));
  CHECK_THAT(text, Catch::Contains("shorter than one round of the slots"));
  CHECK_THAT(text, Catch::Contains("'user.id' is a string field"));
  CHECK_THAT(text, Catch::Contains("new_keys 'cold' is not warm_up | quiet"));
}

TEST_CASE("baseline new_keys: quiet — a key new once the rule has watched for the warm-up starts warm, from zeros",
          "[rules][baseline]") {
  const auto start = macau(0, 0, 0, 1);
  const auto watch = [&](feeder& f, std::int64_t days) {  // u2 downloads every hour
    for (std::int64_t h = 0; h < 24 * days; ++h) download(f, start + h * k_hour + 5 * k_min, "1000", "u2");
  };
  const auto burst = [&](feeder& f, std::int64_t at) {  // u1's first downloads ever
    for (int i = 0; i < 6; ++i) download(f, at + i * k_min, "1000", "u1");
  };
  const std::string quiet = "{by: [user.id], slots: hour_of_day, warmup: 3d, z: 4, min: 5, new_keys: quiet}";
  SECTION("after the rule's warm-up, min alone decides") {
    feeder f(baseline_rule(quiet));
    watch(f, 3);
    burst(f, start + 3 * k_day + 10 * k_hour + 10 * k_min);
    REQUIRE(f.sink.alerts.size() == 1);
    CHECK(f.sink.alerts[0].user_id == "u1");
    CHECK(f.sink.alerts[0].count == 5);
    CHECK(evidence_of(f.sink.alerts[0], "baseline.mean") == "0");
  }
  SECTION("during the rule's own warm-up, a new key learns as usual") {
    feeder f(baseline_rule(quiet));
    watch(f, 2);
    burst(f, start + 2 * k_day + 10 * k_hour + 10 * k_min);
    CHECK(f.sink.alerts.empty());
  }
  SECTION("warm_up, the default, learns whenever the key is new") {
    feeder f(baseline_rule("{by: [user.id], slots: hour_of_day, warmup: 3d, z: 4, min: 5, new_keys: warm_up}"));
    watch(f, 3);
    burst(f, start + 3 * k_day + 10 * k_hour + 10 * k_min);
    CHECK(f.sink.alerts.empty());
  }
}

namespace {

void login(feeder& f, const char* ip, std::int64_t ts, const char* user = "u1") {
  f.feed({{"event.kind", "audit"}, {"event.action", "login"}, {"user.id", user}, {"source.ip", ip}}, ts);
}

}  // namespace

TEST_CASE("first_seen: learning, new values, TTL and cap", "[rules][first_seen]") {
  const auto set = compile("rules:" + rule("T-F", R"(      where: {event.kind: audit, event.action: login}
      first_seen: {field: source.ip, by: [user.id], learn: 2d, ttl: 10d, max_values: 3})"));
  const auto t0 = macau(9);
  feeder f(set);
  login(f, "1.1.1.1", t0);
  login(f, "2.2.2.2", t0 + k_day);  // learning: remembered silently
  login(f, "1.1.1.1", t0 + 3 * k_day);
  CHECK(f.sink.alerts.empty());
  SECTION("a new value after learning fires once") {
    login(f, "3.3.3.3", t0 + 3 * k_day + k_hour);
    login(f, "3.3.3.3", t0 + 3 * k_day + 2 * k_hour);
    REQUIRE(f.sink.alerts.size() == 1);
    const alert& a = f.sink.alerts[0];
    CHECK(a.source_ip == "3.3.3.3");
    CHECK(a.count == 2);  // values known before
    CHECK(a.id == make_alert_id("T-F", "u1|3.3.3.3", t0 + 3 * k_day + k_hour));
    CHECK(a.message == "rule T-F: u1 first seen with source.ip 3.3.3.3");
  }
  SECTION("a value unseen for longer than the TTL is new again") {
    login(f, "1.1.1.1", t0 + 12 * k_day);  // 2.2.2.2 (last seen day 1) has expired
    CHECK(f.sink.alerts.empty());
    login(f, "2.2.2.2", t0 + 12 * k_day + k_hour);
    REQUIRE(f.sink.alerts.size() == 1);
    CHECK(f.engine.stats().expired == 1);
  }
  SECTION("past max_values the least recently seen value is forgotten") {
    login(f, "3.3.3.3", t0 + 4 * k_day);            // alert 1; known: 1, 2, 3
    login(f, "4.4.4.4", t0 + 4 * k_day + k_hour);   // alert 2; 2.2.2.2 evicted
    CHECK(f.engine.stats().evicted == 1);
    CHECK(f.engine.rule_stats(0).evicted == 1);
    login(f, "1.1.1.1", t0 + 4 * k_day + 2 * k_hour);  // still known
    CHECK(f.sink.alerts.size() == 2);
    login(f, "2.2.2.2", t0 + 4 * k_day + 3 * k_hour);  // forgotten: new again
    CHECK(f.sink.alerts.size() == 3);
  }
  SECTION("a key idle past the TTL learns again") {
    login(f, "9.9.9.9", t0 + 20 * k_day, "u2");  // expires u1 (idle 17 days)
    CHECK(f.engine.tracked_keys(0) == 1);
    login(f, "5.5.5.5", t0 + 20 * k_day + k_hour);
    CHECK(f.sink.alerts.empty());
  }
}

TEST_CASE("first_seen: a teaching event adds its field's value silently, known for the learning period",
          "[rules][first_seen]") {
  // Night check-ins by people unknown to the company's set fire; a join teaches the set
  // its joiner (target.user), keyed like the rule (by corp.id).
  const auto set = compile("rules:" + rule("T-T", R"(      where: {event.kind: attendance}
      first_seen:
        field: user.id
        by: [corp.id]
        learn: 2d
        teach: {where: {event.kind: org_change, event.type: user_add_org}, field: target.user})"));
  const auto t0 = macau(2);
  feeder f(set);
  const auto check_in = [&](const char* user, const char* corp, std::int64_t ts) {
    f.feed({{"event.kind", "attendance"}, {"corp.id", corp}, {"user.id", user}}, ts);
  };
  const auto join = [&](const char* joiner, const char* corp, std::int64_t ts) {
    f.feed({{"event.kind", "org_change"}, {"event.type", "user_add_org"}, {"corp.id", corp}, {"user.id", "hr1"},
            {"target.user", joiner}},
           ts);
  };
  check_in("night1", "c1", t0);  // learning starts
  join("j1", "c1", t0 + 2 * k_day);
  join("j2", "c2", t0 + 2 * k_day);
  join("j3", "c1", t0 + 2 * k_day);
  CHECK(f.sink.alerts.empty());  // a join after learning is a new value, taught, not alerted
  check_in("j1", "c1", t0 + 3 * k_day);  // within the 2 days: known, and now seen
  CHECK(f.sink.alerts.empty());
  check_in("j2", "c1", t0 + 3 * k_day + k_hour);  // taught to c2's set, not c1's
  REQUIRE(f.sink.alerts.size() == 1);
  CHECK(f.sink.alerts[0].user_id == "j2");
  CHECK(f.sink.alerts[0].count == 3);  // night1, j1, j3 known before
  check_in("j3", "c1", t0 + 5 * k_day);  // the learning period since the join has passed
  REQUIRE(f.sink.alerts.size() == 2);
  CHECK(f.sink.alerts[1].user_id == "j3");
  check_in("j1", "c1", t0 + 6 * k_day);  // seen on day 3: known for the TTL
  CHECK(f.sink.alerts.size() == 2);
  // What only the teaching condition reads is not evidence of the alerts.
  const auto& evidence = set->rules[0].evidence;
  CHECK(std::find(evidence.begin(), evidence.end(), rules::field_id::target_user) == evidence.end());
  CHECK(std::find(evidence.begin(), evidence.end(), rules::field_id::event_type) == evidence.end());
}

TEST_CASE("first_seen teach diagnostics", "[rules][first_seen][diagnostics]") {
  const auto text = [](const std::string& teach) {
    const auto r = rules::load_rules_text("rules:" + rule("T-T", "      where: {event.kind: audit}\n      first_seen: {field: user.id, " + teach + "}"));
    CHECK_FALSE(r.ok());
    return rules::format_text(r.problems.list());
  };
  CHECK_THAT(text("teach: user_add_org"), Catch::Contains("`teach` must be a map"));
  CHECK_THAT(text("teach: {where: {event.kind: org_change}}"), Catch::Contains("`teach` has no `field`"));
  CHECK_THAT(text("teach: {field: target.user}"), Catch::Contains("`teach` has no `where`"));
  CHECK_THAT(text("teach: {where: {event.kind: org_change}, field: target.usr}"), Catch::Contains("unknown field 'target.usr'"));
  CHECK_THAT(text("teach: {where: {event.kind: org_change}, field: target.user, by: [corp.id]}"),
             Catch::Contains("unknown teach key 'by'"));
}

TEST_CASE("per-rule counters per shard, summed by the collector", "[rules][metrics]") {
  const auto set = compile("rules:" + rule("T-1", "      where: {event.kind: audit}\n      event_count: {by: [user.id], within: 1h, gte: 1}\n      max_keys: 1",
                                           "    suppress: {for: 1h, by: [corp.id]}") +
                           rule("T-2", "      where: {event.kind: chat}"));
  auto collector = std::make_shared<rules::rule_metrics>();
  const auto t0 = macau(10);
  {
    auto factory = rules::make_rule_factory(set, collector);
    auto shard_a = factory();
    auto shard_b = factory();
    alert_sink sink;
    event_builder e1, e2, e3;
    e1.set("event.kind", "audit").set("user.id", "u1").at(t0);
    e2.set("event.kind", "audit").set("user.id", "u2").at(t0 + 1);
    e3.set("event.kind", "chat").set("user.id", "u2").at(t0 + 2);
    shard_a[0]->on_event(e1.ev(), sink);
    shard_a[0]->on_event(e2.ev(), sink);  // suppressed: same (empty) corp within the hour
    shard_b[0]->on_event(e2.ev(), sink);
    shard_b[0]->on_event(e3.ev(), sink);
    const auto& engine = dynamic_cast<const rules::rule_engine&>(*shard_a[0]);
    CHECK(engine.rule_stats(0).rule == "T-1");
    CHECK(engine.rule_stats(0).suppressed == 1);
    const auto snap = collector->snapshot();
    REQUIRE(snap.size() == 2);
    CHECK(snap[0].rule == "T-1");
    CHECK(snap[0].matched == 3);
    CHECK(snap[0].alerts == 2);
    CHECK(snap[0].suppressed == 1);
    CHECK(snap[1].rule == "T-2");
    CHECK(snap[1].alerts == 1);
  }
  // The engines are gone; their counts stay in the totals.
  const auto after = collector->snapshot();
  REQUIRE(after.size() == 2);
  CHECK(after[0].suppressed == 1);
  CHECK(after[0].matched == 3);
  CHECK(collector->snapshot()[0].matched == 3);  // folded once, not twice
}

TEST_CASE("memory per tracked key stays within what docs/rules.md states", "[rules][memory]") {
  const auto set = compile("macros:\n  m: {event.kind: chat}\nrules:" +
                           rule("T-1", "      where: {event.kind: audit}\n      baseline: {slots: hour_of_week, z: 4, min: 1}") +
                           rule("T-2", "      where: {event.kind: audit}\n      baseline: {slots: hour_of_day, z: 4, min: 1}") +
                           rule("T-3", "      where: {event.kind: audit}\n      first_seen: {field: source.ip}") +
                           rule("T-4", "      where: {event.kind: flow}\n      value_sum: {field: flow.records, within: 1d, gte: 9}") +
                           rule("T-5", "      temporal_ordered: {rules: [T-1, m], within: 1h}"));
  const auto bytes = [&](std::size_t i) { return rules::rule_engine::bytes_per_key(set->rules[i]); };
  INFO(fmt::format("{} {} {} {} {}", bytes(0), bytes(1), bytes(2), bytes(3), bytes(4)));
  CHECK(bytes(0) <= 900);   // ~0.85 KiB
  CHECK(bytes(1) <= 420);   // ~0.4 KiB
  CHECK(bytes(2) <= 700);   // ~0.65 KiB
  CHECK(bytes(3) <= 3200);  // ~3.1 KiB
  CHECK(bytes(4) <= 850);   // ~0.8 KiB
}

TEST_CASE("first_seen over a large set (users of a company) behaves as over a small one",
          "[rules][first_seen]") {
  // 100 values is past the size where the engine scans a list and keeps a hash table instead.
  const auto set = compile("rules:" + rule("T-FU", R"(      where: {event.kind: audit, event.action: login}
      first_seen: {field: user.id, by: [corp.id], learn: 2d, ttl: 10d, max_values: 100})"));
  const auto t0 = macau(9);
  feeder f(set);
  const auto user = [](int i) { return fmt::format("u{:03}", i); };
  const auto sign_in = [&](int i, std::int64_t ts) {
    f.feed({{"event.kind", "audit"}, {"event.action", "login"}, {"corp.id", "c1"}, {"user.id", user(i)}}, ts);
  };
  for (int i = 0; i < 100; ++i) sign_in(i, t0 + i * k_min);  // learning
  for (int i = 1; i < 100; ++i) sign_in(i, t0 + 3 * k_day + i * k_min);  // all known but u000
  CHECK(f.sink.alerts.empty());
  CHECK(f.engine.tracked_keys(0) == 1);  // one key: the company

  sign_in(100, t0 + 4 * k_day);  // new: fires; the set is full, so u000 (seen least recently) goes
  REQUIRE(f.sink.alerts.size() == 1);
  CHECK(f.sink.alerts[0].user_id == "u100");
  CHECK(f.sink.alerts[0].count == 100);  // values known before
  CHECK(f.engine.rule_stats(0).evicted == 1);
  sign_in(50, t0 + 4 * k_day + k_min);  // known
  CHECK(f.sink.alerts.size() == 1);
  sign_in(0, t0 + 4 * k_day + 2 * k_min);  // forgotten: new again (and u001 goes)
  REQUIRE(f.sink.alerts.size() == 2);
  CHECK(f.sink.alerts[1].user_id == "u000");

  // Ten days after day 3 + 30 min, the values last seen before then have expired.
  const auto later = t0 + 13 * k_day + 30 * k_min;
  sign_in(50, later);  // known (seen on day 4)
  CHECK(f.engine.rule_stats(0).expired == 29);  // u002 … u030
  CHECK(f.sink.alerts.size() == 2);
  sign_in(7, later);  // expired: new again
  REQUIRE(f.sink.alerts.size() == 3);
  CHECK(f.sink.alerts[2].user_id == "u007");

  // Out of order: stamped day 5 but arriving last, u201 is the latest value to arrive, not
  // the one seen longest ago; it still expires ten days after day 5.
  sign_in(201, t0 + 5 * k_day);
  CHECK(f.sink.alerts.size() == 4);
  sign_in(201, t0 + 15 * k_day + k_min);
  REQUIRE(f.sink.alerts.size() == 5);
  CHECK(f.sink.alerts[4].user_id == "u201");
}
