#include <catch2/catch.hpp>

#include "rules_support.hpp"

using namespace dingwatch;
using namespace dingwatch::testing;

namespace {

struct runner {
  explicit runner(std::shared_ptr<const rules::rule_set> s) : set(std::move(s)), engine(set) {}
  void feed(const std::string& user, std::int64_t ts, const std::string& ip = "") {
    event_builder b;
    b.set("event.kind", "audit").set("event.action", "download").set("user.id", user).at(ts);
    if (!ip.empty()) b.set("source.ip", ip);
    engine.on_event(b.ev(), sink);
  }
  std::shared_ptr<const rules::rule_set> set;
  rules::rule_engine engine;
  alert_sink sink;
};

std::shared_ptr<const rules::rule_set> counting(const std::string& stateful,
                                                const std::string& extra = "") {
  return compile(rule_with("      where: {event.kind: audit}\n      " + stateful, extra));
}

}  // namespace

TEST_CASE("event_count fires at the threshold inside the window", "[rules][window]") {
  runner r(counting("event_count: {by: [user.id], within: 10m, gte: 3}"));
  const auto t0 = macau(10);
  r.feed("u1", t0);
  r.feed("u1", t0 + 4 * k_min);
  CHECK(r.sink.alerts.empty());
  r.feed("u1", t0 + 9 * k_min);
  REQUIRE(r.sink.alerts.size() == 1);
  const alert& a = r.sink.alerts[0];
  CHECK(a.count == 3);
  CHECK(a.first_ms == t0);
  CHECK(a.last_ms == t0 + 9 * k_min);
  CHECK(a.refs.size() == 3);
  CHECK(a.id == make_alert_id("T-1", "u1", t0));
  // The window restarts after an alert: two more events are not enough.
  r.feed("u1", t0 + 10 * k_min);
  r.feed("u1", t0 + 11 * k_min);
  CHECK(r.sink.alerts.size() == 1);
}

TEST_CASE("event_count forgets events older than the window", "[rules][window]") {
  runner r(counting("event_count: {by: [user.id], within: 10m, gte: 3}"));
  const auto t0 = macau(10);
  r.feed("u1", t0);
  r.feed("u1", t0 + 5 * k_min);
  r.feed("u1", t0 + 10 * k_min);  // t0 is exactly 10 minutes old: out
  CHECK(r.sink.alerts.empty());
  r.feed("u1", t0 + 11 * k_min);  // t0+5, t0+10, t0+11
  REQUIRE(r.sink.alerts.size() == 1);
  CHECK(r.sink.alerts[0].first_ms == t0 + 5 * k_min);
}

TEST_CASE("event_count keeps keys apart and tolerates out-of-order events", "[rules][window]") {
  runner r(counting("event_count: {by: [user.id], within: 10m, gte: 3}"));
  const auto t0 = macau(10);
  r.feed("u1", t0 + 5 * k_min);
  r.feed("u2", t0);
  r.feed("u1", t0 + 1 * k_min);  // late
  r.feed("u2", t0 + 1 * k_min);
  CHECK(r.sink.alerts.empty());
  r.feed("u1", t0 + 6 * k_min);
  REQUIRE(r.sink.alerts.size() == 1);
  CHECK(r.sink.alerts[0].user_id == "u1");
  CHECK(r.sink.alerts[0].first_ms == t0 + 1 * k_min);
}

TEST_CASE("value_count counts distinct values within the window", "[rules][window]") {
  runner r(counting("value_count: {field: source.ip, by: [user.id], within: 1h, gte: 3}"));
  const auto t0 = macau(10);
  r.feed("u1", t0, "1.1.1.1");
  r.feed("u1", t0 + k_min, "1.1.1.1");
  r.feed("u1", t0 + 2 * k_min, "2.2.2.2");
  r.feed("u1", t0 + 3 * k_min, "2.2.2.2");
  CHECK(r.sink.alerts.empty());
  r.feed("u2", t0 + 3 * k_min, "3.3.3.3");
  CHECK(r.sink.alerts.empty());
  r.feed("u1", t0 + 4 * k_min, "3.3.3.3");
  REQUIRE(r.sink.alerts.size() == 1);
  CHECK(r.sink.alerts[0].count == 3);
  CHECK(r.sink.alerts[0].first_ms == t0 + k_min);  // 1.1.1.1 last seen at t0+1m
}

TEST_CASE("value_count drops values not seen within the window", "[rules][window]") {
  runner r(counting("value_count: {field: source.ip, by: [user.id], within: 1h, gte: 3}"));
  const auto t0 = macau(10);
  r.feed("u1", t0, "1.1.1.1");
  r.feed("u1", t0 + 30 * k_min, "2.2.2.2");
  r.feed("u1", t0 + 61 * k_min, "3.3.3.3");  // 1.1.1.1 has left the window
  CHECK(r.sink.alerts.empty());
  r.feed("u1", t0 + 62 * k_min, "1.1.1.1");
  CHECK(r.sink.alerts.size() == 1);
}

TEST_CASE("idle keys expire and the key cap evicts the coldest", "[rules][window][eviction]") {
  SECTION("TTL") {
    runner r(counting("event_count: {by: [user.id], within: 10m, gte: 5}"));
    const auto t0 = macau(10);
    r.feed("u1", t0);
    r.feed("u2", t0 + k_min);
    CHECK(r.engine.tracked_keys(0) == 2);
    r.feed("u3", t0 + 30 * k_min);
    CHECK(r.engine.tracked_keys(0) == 1);
    CHECK(r.engine.stats().expired == 2);
  }
  SECTION("cap") {
    runner r(counting("event_count: {by: [user.id], within: 1h, gte: 3}\n      max_keys: 2"));
    const auto t0 = macau(10);
    r.feed("u1", t0);
    r.feed("u2", t0 + 1);
    r.feed("u1", t0 + 2);  // u1 is now the most recent
    r.feed("u3", t0 + 3);  // evicts u2
    CHECK(r.engine.tracked_keys(0) == 2);
    CHECK(r.engine.stats().evicted == 1);
    r.feed("u1", t0 + 4);  // u1 kept its two events: fires
    REQUIRE(r.sink.alerts.size() == 1);
    CHECK(r.sink.alerts[0].user_id == "u1");
    r.feed("u2", t0 + 5);
    r.feed("u2", t0 + 6);  // u2 starts again from zero
    CHECK(r.sink.alerts.size() == 1);
  }
}

TEST_CASE("suppression folds repeats into the next alert", "[rules][suppression]") {
  runner r(counting("event_count: {by: [user.id], within: 1h, gte: 2}", "    suppress: {for: 1h}"));
  const auto t0 = macau(10);
  for (int i = 0; i < 8; ++i) r.feed("u1", t0 + i * k_min);  // 4 bursts of 2
  REQUIRE(r.sink.alerts.size() == 1);
  CHECK(r.sink.alerts[0].suppressed == 0);
  CHECK(r.engine.stats().suppressed == 3);
  r.feed("u2", t0 + 9 * k_min);
  r.feed("u2", t0 + 10 * k_min);  // another key is not suppressed
  CHECK(r.sink.alerts.size() == 2);
  r.feed("u1", t0 + 61 * k_min);
  r.feed("u1", t0 + 62 * k_min);
  REQUIRE(r.sink.alerts.size() == 3);
  CHECK(r.sink.alerts[2].user_id == "u1");
  CHECK(r.sink.alerts[2].suppressed == 3);
}

TEST_CASE("stateless rules suppress by the suppression key", "[rules][suppression]") {
  auto set = compile(rule_with("      where: {event.kind: audit}", "    suppress: {for: 10m, by: [source.ip]}"));
  runner r(set);
  const auto t0 = macau(10);
  r.feed("u1", t0, "1.1.1.1");
  r.feed("u2", t0 + k_min, "1.1.1.1");
  r.feed("u3", t0 + 2 * k_min, "2.2.2.2");
  r.feed("u1", t0 + 11 * k_min, "1.1.1.1");
  REQUIRE(r.sink.alerts.size() == 3);
  CHECK(r.sink.alerts[2].suppressed == 1);
}

TEST_CASE("alert ids are deterministic across engines (replay)", "[rules][window]") {
  auto set = counting("event_count: {by: [corp.id, user.id], within: 1h, gte: 2}");
  std::vector<std::string> ids[2];
  for (auto& out : ids) {
    runner r(set);
    const auto t0 = macau(10);
    for (int i = 0; i < 8; ++i) r.feed(i % 2 ? "a" : "b", t0 + i * k_min);
    for (const auto& a : r.sink.alerts) out.push_back(a.id);
  }
  CHECK(ids[0].size() == 4);
  CHECK(ids[0] == ids[1]);
  CHECK(ids[0][0] != ids[0][1]);
}

TEST_CASE("alerts carry rule metadata, masked evidence and the message", "[rules][alert]") {
  auto set = compile(R"(rules:
  - id: DW-T-9
    name: Shared health file
    family: excessive_collection
    severity: critical
    pdpa: ["7", "22"]
    mitre: T1213
    version: 3
    message: "{user.name} ({user.id}) shared {file.name}"
    detection:
      where: {file.name: {contains: 病歷}, user.name: {exists: true}}
    tests: []
)");
  runner r(set);
  event_builder b;
  b.set("user.id", "u1").set("user.name", "陳大文").set("file.name", "病歷.pdf").at(macau(10));
  r.engine.on_event(b.ev(), r.sink);
  REQUIRE(r.sink.alerts.size() == 1);
  const alert& a = r.sink.alerts[0];
  CHECK(a.rule_id == "DW-T-9");
  CHECK(a.family == family::excessive_collection);
  CHECK(a.severity == severity::critical);
  CHECK(a.rule_version == 3);
  CHECK(a.pdpa_articles == std::vector<std::string>{"7", "22"});
  CHECK(a.mitre_technique == "T1213");
  CHECK(a.user_name == "陳**");
  CHECK(a.message == "陳** (u1) shared 病歷.pdf");
  CHECK(a.evidence == std::vector<std::pair<std::string, std::string>>{{"user.name", "陳**"},
                                                                       {"file.name", "病歷.pdf"}});
}
