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
