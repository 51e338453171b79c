// The rule engine's checkpoint (engine_checkpoint.cpp): every kind of state survives a
// save and restore into a fresh engine, which then behaves as the original would have;
// changed rules start empty; malformed bytes are refused without crashing.

#include <cstring>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <random>

#include "rules_support.hpp"

using namespace dingwatch;
using namespace dingwatch::testing;

namespace {

// One rule per kind of state, all fed by the same stream.
const std::string k_every_kind = R"(macros:
  admin_grant: {event.kind: org_change, event.type: org_admin_add}
rules:)" + rule("C-COUNT", R"(      where: {event.kind: audit, event.action: download}
      event_count: {by: [user.id], within: 1h, gte: 5})") +
                                 rule("C-VALUES", R"(      where: {event.kind: audit, event.action: download}
      value_count: {field: file.name, by: [user.id], within: 2h, gte: 4})") +
                                 rule("C-SUM", R"(      where: {event.kind: audit, event.action: download}
      value_sum: {field: file.size, by: [user.id], within: 3h, gte: 40000})") +
                                 rule("C-EXPORTS", R"(      where: {event.kind: audit, event.action: export}
      event_count: {by: [corp.id, user.id], within: 1h, gte: 2})", "    generate: false") +
                                 rule("C-SEQ", R"(      temporal_ordered:
        rules: [admin_grant, C-EXPORTS]
        by: {admin_grant: [corp.id, target.user], C-EXPORTS: [corp.id, user.id]}
        within: 2h)") +
                                 rule("C-BASE", R"(      where: {event.kind: audit, event.action: download}
      baseline: {by: [user.id], slots: hour_of_day, warmup: 2d, z: 3, min: 4})") +
                                 rule("C-FIRST", R"(      where: {event.kind: audit, event.action: login}
      first_seen: {field: source.ip, by: [user.id], learn: 1d, ttl: 10d, max_values: 4})") +
                                 rule("C-STATELESS", R"(      where: {event.kind: audit, event.action: export})",
                                      "    suppress: {for: 3h, by: [user.id]}") +
                                 // Above 64 values a first_seen set is a table of its own.
                                 rule("C-MANY", R"(      where: {event.kind: audit, event.action: login}
      first_seen: {field: source.ip, by: [corp.id], learn: 1h, ttl: 10d, max_values: 100})");

/// One event of a deterministic stream: 6 users, an event every 2 minutes on average.
struct stream_event {
  std::int64_t ts;
  std::vector<std::pair<std::string, std::string>> fields;
};

std::vector<stream_event> make_stream(std::size_t n) {
  std::mt19937_64 rng(42);
  std::vector<stream_event> out;
  const std::int64_t t0 = macau(0, 0, 0, 1);
  std::int64_t ts = t0;
  for (std::size_t i = 0; i < n; ++i) {
    ts += static_cast<std::int64_t>(rng() % (4 * k_min));
    const std::string user = fmt::format("u{}", rng() % 6);
    stream_event e{ts, {{"corp.id", "c1"}, {"user.id", user}}};
    switch (rng() % 10) {
      case 0:
        e.fields = {{"event.kind", "org_change"}, {"event.type", "org_admin_add"}, {"corp.id", "c1"},
                    {"operator.id", "boss"}, {"target.user", user}};
        break;
      case 1:
      case 2:
        e.fields.emplace_back("event.kind", "audit");
        e.fields.emplace_back("event.action", "export");
        break;
      case 3:
        e.fields.emplace_back("event.kind", "audit");
        e.fields.emplace_back("event.action", "login");
        e.fields.emplace_back("source.ip", fmt::format("10.0.0.{}", rng() % 7));
        break;
      default:
        e.fields.emplace_back("event.kind", "audit");
        e.fields.emplace_back("event.action", "download");
        e.fields.emplace_back("file.name", fmt::format("f{}.xlsx", rng() % 9));
        e.fields.emplace_back("file.size", std::to_string(1000 + rng() % 9000));
        break;
    }
    out.push_back(std::move(e));
  }
  return out;
}

void feed(rules::rule_engine& e, alert_sink& out, const stream_event& s) {
  event_builder b;
  for (const auto& [k, v] : s.fields) b.set(k, v);
  b.at(s.ts);
  e.on_event(b.ev(), out);
}

/// An audit event of `user` at `ts`.
void audit(rules::rule_engine& e, alert_sink& out, std::int64_t ts, const char* user = "u1") {
  event_builder b;
  b.set("event.kind", "audit").set("user.id", user).at(ts);
  e.on_event(b.ev(), out);
}

std::string save(const rules::rule_engine& e) {
  state_writer w;
  e.save(w);
  return w.take();
}

/// Alert ids with their count and suppressed fold, in emission order.
std::vector<std::string> summary(const std::vector<alert>& alerts) {
  std::vector<std::string> out;
  for (const auto& a : alerts) out.push_back(fmt::format("{} n={} s={}", a.id, a.count, a.suppressed));
  return out;
}

std::size_t count_of(const std::vector<alert>& alerts, std::string_view rule_id) {
  return static_cast<std::size_t>(
      std::count_if(alerts.begin(), alerts.end(), [&](const alert& a) { return a.rule_id == rule_id; }));
}

}  // namespace

TEST_CASE("a restored engine goes on exactly as the original: every kind of state", "[rules][checkpoint]") {
  const auto set = compile(k_every_kind);
  const auto stream = make_stream(3000);
  const std::size_t cut = GENERATE(1u, 700u, 1500u, 2999u);

  rules::rule_engine original(set);
  alert_sink all;
  for (const auto& e : stream) feed(original, all, e);
  // Every kind fired somewhere in the stream, so each has state worth carrying over.
  for (const char* id : {"C-COUNT", "C-VALUES", "C-SUM", "C-SEQ", "C-BASE", "C-FIRST", "C-STATELESS"}) {
    INFO(id);
    CHECK(count_of(all.alerts, id) > 0);
  }

  rules::rule_engine first(set);
  alert_sink before;
  for (std::size_t i = 0; i < cut; ++i) feed(first, before, stream[i]);
  const std::string bytes = save(first);

  rules::rule_engine restored(set);
  state_reader in(bytes);
  restored.restore(in);
  REQUIRE(in.ok());
  CHECK(in.at_end());
  alert_sink after;
  for (std::size_t i = cut; i < stream.size(); ++i) feed(restored, after, stream[i]);
  for (std::size_t r = 0; r < set->rules.size(); ++r) CHECK(restored.tracked_keys(r) == original.tracked_keys(r));
  CHECK(save(restored) == save(original));

  auto resumed = summary(before.alerts);
  for (auto& s : summary(after.alerts)) resumed.push_back(std::move(s));
  INFO("cut after " << cut << " events");
  CHECK(resumed == summary(all.alerts));

  // The comparison can fail: an engine that starts empty at the cut alerts differently.
  rules::rule_engine fresh(set);
  alert_sink fresh_after;
  for (std::size_t i = cut; i < stream.size(); ++i) feed(fresh, fresh_after, stream[i]);
  auto forgotten = summary(before.alerts);
  for (auto& s : summary(fresh_after.alerts)) forgotten.push_back(std::move(s));
  if (cut > 1 && cut + 1 < stream.size()) CHECK(forgotten != summary(all.alerts));  // mid-stream cuts
}

TEST_CASE("an event_count window restored with N-1 events fires on the next one", "[rules][checkpoint]") {
  const auto set = compile(rule_with("      where: {event.kind: audit}\n      event_count: {by: [user.id], within: 10m, gte: 3}"));
  const auto t0 = macau(10);
  rules::rule_engine a(set);
  alert_sink out;
  audit(a, out, t0);
  audit(a, out, t0 + k_min);
  REQUIRE(out.alerts.empty());
  const std::string bytes = save(a);

  rules::rule_engine b(set);
  state_reader in(bytes);
  b.restore(in);
  REQUIRE(in.ok());
  CHECK(b.tracked_keys(0) == 1);
  audit(b, out, t0 + 2 * k_min);
  REQUIRE(out.alerts.size() == 1);
  CHECK(out.alerts[0].count == 3);
  CHECK(out.alerts[0].id == make_alert_id("T-1", "u1", t0));  // the same id the original would give
  CHECK(out.alerts[0].refs.size() == 3);
}

TEST_CASE("a baseline rule's watching time survives a checkpoint (new_keys: quiet)", "[rules][checkpoint]") {
  const auto set = compile(rule_with("      where: {event.kind: audit}\n      baseline: {by: [user.id], slots: hour_of_day, warmup: 2d, z: 3, min: 4, new_keys: quiet}"));
  const auto start = macau(0, 0, 0, 1);
  rules::rule_engine a(set);
  alert_sink out;
  for (std::int64_t h = 0; h < 24 * 2; ++h) audit(a, out, start + h * k_hour + 5 * k_min, "u2");
  const std::string bytes = save(a);
  rules::rule_engine b(set);
  state_reader in(bytes);
  b.restore(in);
  REQUIRE(in.ok());
  // u1 is new, the rule has watched two days: restored, it knows; fresh, it would not.
  for (int i = 0; i < 4; ++i) audit(b, out, start + 2 * k_day + 10 * k_hour + i * k_min);
  REQUIRE(out.alerts.size() == 1);
  CHECK(out.alerts[0].user_id == "u1");
}

TEST_CASE("a version 1 checkpoint restores its baselines, without the previous hour", "[rules][checkpoint]") {
  // Version 2 added a rule's first event time (i64, first in its section) and, after a
  // baseline's total, the previous hour's (f32 total, u16 first and last second), the
  // current hour's last second (u16) and the previous slot's mean and σ (u16 each): a
  // version 1 file is the same without those 8 and 14 bytes.
  const auto set = compile(rule_with("      where: {event.kind: audit}\n      baseline: {by: [user.id], slots: hour_of_day, warmup: 2d, z: 3, min: 4}"));
  const auto start = macau(0, 0, 0, 1);
  rules::rule_engine a(set);
  alert_sink out;
  for (std::int64_t h = 0; h < 24 * 3; ++h) audit(a, out, start + h * k_hour + 5 * k_min);
  REQUIRE(out.alerts.empty());
  std::string v1 = save(a);
  const std::size_t section = 4 + 8 + 4 + 4 + 3 + 8 + 8;  // header, id "T-1", fingerprint, length
  const std::size_t entry = section + 8 + 3 * 4 + 4;       // since, three empty tables, a count
  REQUIRE(v1.size() > entry + 48 + 14);
  v1.erase(entry + 8 + 8 + 4 * 8, 14);  // key, last touch, hours, first ms, total
  v1.erase(section, 8);
  v1[0] = 1;
  std::uint64_t length = 0;
  std::memcpy(&length, v1.data() + section - 8, 8);
  length -= 8 + 14;
  std::memcpy(v1.data() + section - 8, &length, 8);

  rules::rule_engine b(set);
  state_reader in(v1);
  b.restore(in);
  REQUIRE(in.ok());
  CHECK(b.tracked_keys(0) == 1);
  for (int i = 0; i < 4; ++i) audit(b, out, start + 3 * k_day + 10 * k_hour + (10 + i) * k_min);
  REQUIRE(out.alerts.size() == 1);  // warm, as restored: a new key would still be warming up
  CHECK(out.alerts[0].count == 4);
}

TEST_CASE("restore keeps the state of rules with the same id and fingerprint only", "[rules][checkpoint]") {
  const auto counting = [](const std::string& id, int gte) {
    return rule(id, fmt::format("      where: {{event.kind: audit}}\n      event_count: {{by: [user.id], within: 1h, gte: {}}}", gte));
  };
  const auto before = compile("rules:" + counting("KEEP", 3) + counting("CHANGE", 3) + counting("GONE", 3));
  const auto after = compile("rules:" + counting("NEW", 3) + counting("CHANGE", 4) + counting("KEEP", 3));
  rules::rule_engine a(before);
  alert_sink out;
  event_builder ev;
  ev.set("event.kind", "audit").set("user.id", "u1").at(macau(10));
  a.on_event(ev.ev(), out);
  const std::string bytes = save(a);

  rules::rule_engine b(after);
  state_reader in(bytes);
  b.restore(in);
  REQUIRE(in.ok());
  CHECK(b.tracked_keys(0) == 0);  // NEW
  CHECK(b.tracked_keys(1) == 0);  // CHANGE: another threshold, another fingerprint
  CHECK(b.tracked_keys(2) == 1);  // KEEP, at another position
}

TEST_CASE("malformed engine state is refused, never crashes, and leaves the engine as it was", "[rules][checkpoint]") {
  const auto set = compile(k_every_kind);
  const auto stream = make_stream(1500);
  rules::rule_engine a(set);
  alert_sink out;
  for (const auto& e : stream) feed(a, out, e);
  const std::string bytes = save(a);
  REQUIRE(bytes.size() > 1000);

  SECTION("every truncation") {
    for (std::size_t n = 0; n < bytes.size(); n += (n < 200 ? 1 : 37)) {
      rules::rule_engine b(set);
      state_reader in(std::string_view(bytes).substr(0, n));
      b.restore(in);
      INFO("first " << n << " bytes");
      CHECK_FALSE(in.ok());
      for (std::size_t r = 0; r < set->rules.size(); ++r) CHECK(b.tracked_keys(r) == 0);
    }
  }
  SECTION("another state version") {
    std::string other = bytes;
    other[0] = 9;
    rules::rule_engine b(set);
    state_reader in(other);
    b.restore(in);
    CHECK_FALSE(in.ok());
    CHECK(std::string(in.error()) == "rule engine state of another version");
  }
  SECTION("random byte flips: refused or restored, the engine keeps working") {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 300; ++i) {
      std::string bad = bytes;
      for (int k = 0; k < 4; ++k) bad[rng() % bad.size()] = static_cast<char>(rng());
      rules::rule_engine b(set);
      state_reader in(bad);
      b.restore(in);
      alert_sink sink;
      for (std::size_t j = 0; j < 50; ++j) feed(b, sink, stream[j]);
    }
    SUCCEED("no crash");
  }
}
