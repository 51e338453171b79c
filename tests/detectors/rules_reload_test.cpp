// Hot reload in the engine: rule fingerprints, state migration when an engine adopts a
// new set (unchanged rules keep their state, changed ones start fresh), and rule packs
// that publish only sets that load without errors.

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "dingwatch/detectors/rules/reloader.hpp"
#include "rules_support.hpp"

using namespace dingwatch;
using namespace dingwatch::testing;
namespace fs = std::filesystem;

namespace {

std::string counting_rule(const std::string& id, int gte, const std::string& name = "counting") {
  return fmt::format(R"(
  - id: {}
    name: {}
    family: anomalous_access
    severity: low
    pdpa: ["5"]
    message: "{{user.id}} {{count}}"
    detection:
      where: {{event.kind: audit}}
      event_count: {{by: [user.id], within: 1h, gte: {}}}
    tests: []
)",
                     id, name, gte);
}

std::shared_ptr<const rules::rule_set> set_of(std::initializer_list<std::string> rules) {
  std::string yaml = "rules:";
  for (const auto& r : rules) yaml += r;
  return compile(yaml);
}

void audit(rules::rule_engine& e, alert_sink& out, std::int64_t ts, const char* user = "u1") {
  event_builder b;
  b.set("event.kind", "audit").set("user.id", user).at(ts);
  e.on_event(b.ev(), out);
}

std::size_t alerts_of(const alert_sink& s, std::string_view rule) {
  return static_cast<std::size_t>(std::count_if(s.alerts.begin(), s.alerts.end(),
                                                [&](const alert& a) { return a.rule_id == rule; }));
}

}  // namespace

TEST_CASE("a rule's fingerprint follows its detection, not its presentation", "[rules][reload]") {
  const auto a = set_of({counting_rule("R-1", 3)});
  const auto same = set_of({counting_rule("R-1", 3)});
  const auto renamed = set_of({counting_rule("R-1", 3, "another title")});
  const auto changed = set_of({counting_rule("R-1", 4)});
  CHECK(a->rules[0].fingerprint != 0);
  CHECK(a->rules[0].fingerprint == same->rules[0].fingerprint);
  CHECK(a->rules[0].fingerprint == renamed->rules[0].fingerprint);
  CHECK(a->rules[0].fingerprint != changed->rules[0].fingerprint);
  // Patterns, validators and CIDRs are part of it.
  const auto p1 = compile(rule_with("      where: {file.name: {regex: '[0-9]{18}', validate: prc_id}}"));
  const auto p2 = compile(rule_with("      where: {file.name: {regex: '[0-9]{18}', validate: luhn}}"));
  const auto c1 = compile(rule_with("      where: {source.ip: {cidr: 10.0.0.0/8}}"));
  const auto c2 = compile(rule_with("      where: {source.ip: {cidr: 10.0.0.0/16}}"));
  CHECK(p1->rules[0].fingerprint != p2->rules[0].fingerprint);
  CHECK(c1->rules[0].fingerprint != c2->rules[0].fingerprint);
}

TEST_CASE("adopting a new set: an unchanged rule keeps its window, a changed rule starts fresh", "[rules][reload]") {
  const auto before = set_of({counting_rule("KEEP", 3), counting_rule("CHANGE", 3), counting_rule("GONE", 3)});
  const auto after = set_of({counting_rule("CHANGE", 2), counting_rule("NEW", 3), counting_rule("KEEP", 3, "renamed")});
  const auto changes = rules::compare_sets(*before, *after);
  CHECK(changes.kept == 1);
  CHECK(changes.fresh == 2);
  CHECK(changes.removed == 1);

  rules::rule_engine engine(before);
  alert_sink out;
  const std::int64_t t0 = macau(10);
  audit(engine, out, t0);
  audit(engine, out, t0 + 60'000);
  CHECK(out.alerts.empty());
  REQUIRE(engine.adopt(after));
  CHECK(engine.set() == after);
  CHECK(engine.tracked_keys(2) == 1);  // KEEP (now rule 2) still holds u1's window
  CHECK(engine.tracked_keys(0) == 0);  // CHANGE starts empty
  audit(engine, out, t0 + 120'000);
  // KEEP: 2 events before the swap + 1 after = 3 → fires, counted over the swap.
  REQUIRE(alerts_of(out, "KEEP") == 1);
  CHECK(out.alerts[0].count == 3);
  CHECK(out.alerts[0].rule_name == "renamed");
  // CHANGE (gte 2 now) saw only one event since it changed: quiet, even though 3 ≥ 2.
  CHECK(alerts_of(out, "CHANGE") == 0);
  CHECK(alerts_of(out, "NEW") == 0);
  audit(engine, out, t0 + 180'000);
  CHECK(alerts_of(out, "CHANGE") == 1);
}

TEST_CASE("suppression state of an unchanged rule survives a swap", "[rules][reload]") {
  const std::string stateless = R"(
  - id: S-1
    name: stateless
    family: anomalous_access
    severity: low
    pdpa: ["5"]
    detection: {where: {event.kind: audit}}
    suppress: {for: 1h, by: [user.id]}
    tests: []
)";
  const auto before = set_of({stateless});
  rules::rule_engine engine(before);
  alert_sink out;
  audit(engine, out, macau(10));
  REQUIRE(out.alerts.size() == 1);
  REQUIRE(engine.adopt(set_of({stateless, counting_rule("X", 5)})));
  audit(engine, out, macau(10, 5));
  audit(engine, out, macau(11, 1));
  REQUIRE(out.alerts.size() == 2);
  CHECK(out.alerts[1].suppressed == 1);  // the fold count crossed the swap
}

TEST_CASE("an engine on a pack switches at the first batch boundary after a publish", "[rules][reload]") {
  auto pack = std::make_shared<rules::rule_pack>(std::vector<std::string>{}, set_of({counting_rule("A", 2)}));
  rules::rule_engine engine(pack);
  alert_sink out;
  engine.on_batch_end();  // syncs the version; same set
  audit(engine, out, macau(10));
  pack->publish(set_of({counting_rule("A", 2), counting_rule("B", 1)}));
  audit(engine, out, macau(10, 1));  // still the old set mid-batch: A fires, no B
  CHECK(alerts_of(out, "A") == 1);
  CHECK(alerts_of(out, "B") == 0);
  engine.on_batch_end();
  audit(engine, out, macau(10, 2));  // the next batch starts with the new set
  CHECK(engine.set()->rules.size() == 2);
  CHECK(alerts_of(out, "B") == 1);
}

TEST_CASE("a pack reload publishes a valid set and keeps the old one on errors", "[rules][reload]") {
  const fs::path dir = fs::temp_directory_path() / "dingwatch-reload-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "r.yaml") << "rules:" << counting_rule("A", 2);
  auto first = rules::load_rules({dir.string()});
  REQUIRE(first.ok());
  auto pack = std::make_shared<rules::rule_pack>(std::vector<std::string>{dir.string()}, first.rules);
  auto packs = std::make_shared<rules::rule_packs>();
  packs->add(pack);

  std::ofstream(dir / "r.yaml") << "rules:" << counting_rule("A", 2) << counting_rule("B", 5);
  const auto ok = packs->reload_all();
  CHECK(ok.ok);
  CHECK(ok.packs == 1);
  CHECK(ok.rules == 2);
  CHECK(ok.changes.kept == 1);
  CHECK(ok.changes.fresh == 1);
  CHECK(pack->version() == 2);
  const auto good = pack->current().first;

  std::ofstream(dir / "r.yaml") << "rules:" << counting_rule("A", 2) << "  - id: [broken\n";
  const auto bad = packs->reload_all();
  CHECK_FALSE(bad.ok);
  REQUIRE(bad.problems.has_errors());
  CHECK(bad.problems.list()[0].where.file == (dir / "r.yaml").string());
  CHECK(bad.problems.list()[0].where.line > 0);
  CHECK(pack->version() == 2);
  CHECK(pack->current().first == good);  // the old set keeps running

  pack.reset();  // engines gone: the registry forgets the pack
  CHECK(packs->live().empty());
  fs::remove_all(dir);
}
