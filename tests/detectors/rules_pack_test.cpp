// The shipped rule pack: it compiles cleanly, every rule has tests, and every file's
// embedded tests pass (what `dingwatch rules test` runs).

#include <catch2/catch.hpp>

#include <filesystem>

#include "dingwatch/detectors/registry.hpp"
#include "dingwatch/detectors/rules/tooling.hpp"
#include "rules_support.hpp"

using namespace dingwatch;
using namespace dingwatch::testing;
namespace fs = std::filesystem;

TEST_CASE("every file of the default rule pack passes its embedded tests", "[rules][pack]") {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(DINGWATCH_RULES_DIR))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 3);
  for (const auto& f : files) {
    DYNAMIC_SECTION(f.filename().string()) {
      int rc = 0;
      const std::string out =
          capture([&](std::FILE* o) { return rules::rules_test({f.string()}, o); }, &rc);
      INFO(out);
      CHECK(rc == 0);
      CHECK_THAT(out, !Catch::Contains("FAIL"));
      CHECK_THAT(out, Catch::Contains(" 0 failed, 0 rule(s) without tests"));
    }
  }
}

TEST_CASE("the default rule pack checks clean, without warnings", "[rules][pack]") {
  CHECK(rules::default_rules_dir() == fs::path(DINGWATCH_RULES_DIR));
  int rc = 0;
  const std::string out = capture([](std::FILE* o) { return rules::rules_check({}, "text", o); }, &rc);
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("ok (0 warning(s))"));
  const auto r = rules::load_rules({DINGWATCH_RULES_DIR});
  REQUIRE(r.ok());
  CHECK(r.rules->rules.size() >= 7);
}

TEST_CASE("rules test reports a failing expectation and exits non-zero", "[rules][pack]") {
  const fs::path tmp = fs::temp_directory_path() / "dingwatch_rules_fail.yaml";
  const std::string yaml = R"(rules:
  - id: T-FAIL
    name: fails
    family: anomalous_access
    severity: low
    pdpa: ["5"]
    detection: {where: {event.kind: audit}}
    tests:
      - {name: wrong count, events: [{event.kind: audit}], expect: 2}
      - {name: right count, events: [{event.kind: audit}, {event.kind: flow}], expect: 1}
      - {name: wrong field, events: [{event.kind: audit, user.id: u1}], expect: [{user.id: u2}]}
)";
  {
    std::FILE* f = std::fopen(tmp.c_str(), "w");
    std::fputs(yaml.c_str(), f);
    std::fclose(f);
  }
  int rc = 0;
  const std::string out = capture([&](std::FILE* o) { return rules::rules_test({tmp.string()}, o); }, &rc);
  fs::remove(tmp);
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("expected 2 alert(s), got 1"));
  CHECK_THAT(out, Catch::Contains("alert 1: user.id is 'u1', expected 'u2'"));
  CHECK_THAT(out, Catch::Contains("1 passed, 2 failed"));
}

TEST_CASE("detector kind `rules` builds per-shard engines from paths", "[rules][pack]") {
  const YAML::Node config = YAML::Load(std::string("- {kind: rules, paths: [") + DINGWATCH_RULES_DIR + "]}");
  const detector_factory factory = build_detectors(config);
  auto shard = factory();
  REQUIRE(shard.size() == 1);
  CHECK(shard[0]->name() == "rules");
  alert_sink sink;
  event_builder b;
  b.set("event.kind", "flow").set("user.id", "u1").set("destination.domain", "api.example.cn")
      .set("destination.country", "CN")  // what the pipeline's jurisdiction enrichment fills in
      .set("flow.records", "7").at(macau(10));
  shard[0]->on_event(b.ev(), sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].rule_id == "DW-XB-101");

  const YAML::Node broken = YAML::Load("- {kind: rules, paths: [/nonexistent]}");
  CHECK_THROWS_WITH(build_detectors(broken), Catch::Contains("no such file or directory"));
}

TEST_CASE("the pack's company-wide first-seen sets hold a large employer's staff", "[rules][pack]") {
  // Macau's largest employers have 20,000 staff; one shard may see all of them. A set that
  // forgot the least recently active past its cap would make every returning user look
  // "first active in 30 days" (DW-AA-026, the first step of DW-AA-025's dormant accounts).
  const auto r = rules::load_rules({DINGWATCH_RULES_DIR});
  REQUIRE(r.ok());
  const int index = r.rules->find_rule("DW-AA-026");
  REQUIRE(index >= 0);
  rules::rule_engine engine(r.rules, static_cast<std::size_t>(index));
  alert_sink sink;
  constexpr int staff = 20'000;
  std::vector<std::string> ids(staff);
  for (int i = 0; i < staff; ++i) ids[static_cast<std::size_t>(i)] = "u" + std::to_string(i);
  const auto sign_in_all = [&](std::int64_t day) {
    for (int i = 0; i < staff; ++i) {
      event_builder b;
      b.set("event.kind", "audit").set("event.action", "login").set("user.id", ids[static_cast<std::size_t>(i)]);
      engine.on_event(b.at(day + i * 1'000).ev(), sink);
    }
    engine.on_batch_end();
  };
  const std::int64_t start = macau(9, 0, 0, 1);
  sign_in_all(start);              // learning: everyone is remembered silently
  sign_in_all(start + 15 * k_day);  // past the 14 days of learning, within the 30-day TTL
  CHECK(sink.alerts.empty());
  CHECK(engine.rule_stats(static_cast<std::size_t>(index)).evicted == 0);
}
