// Loading Sigma files: detection by content in a mixed directory, metadata
// mapping, building blocks, shared Hyperscan databases, and `rules check` over the test rules.

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "dingwatch/detectors/rules/sigma.hpp"
#include "dingwatch/detectors/rules/tooling.hpp"
#include "sigma_support.hpp"

using namespace dingwatch;
using namespace dingwatch::testing;
namespace fs = std::filesystem;

namespace {

const std::string k_dir = std::string(DINGWATCH_TEST_DATA_DIR) + "/sigma";

}  // namespace

TEST_CASE("rules check passes over a directory mixing Sigma .yml and native .yaml files", "[sigma][import]") {
  int rc = -1;
  const std::string out = capture([](std::FILE* f) { return rules::rules_check({k_dir}, "text", f); }, &rc);
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("ok (0 warning(s))"));
  const auto r = rules::load_rules({k_dir});
  REQUIRE(r.ok());
  CHECK(r.files == 6);
  // 10 Sigma documents and 6 native rules.
  CHECK(r.rules->rules.size() == 16);
}

TEST_CASE("rules test runs the tests embedded in Sigma rules", "[sigma][import]") {
  int rc = -1;
  const std::string out = capture([](std::FILE* f) { return rules::rules_test({k_dir}, f); }, &rc);
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains(" 0 failed, 0 rule(s) without tests"));
}

TEST_CASE("a Sigma file is recognised by its keys, whatever its extension", "[sigma][import]") {
  const fs::path dir = fs::temp_directory_path() / "dingwatch_sigma_ext";
  fs::create_directories(dir);
  fs::copy_file(k_dir + "/foreign_ip_login.yml", dir / "foreign.yaml", fs::copy_options::overwrite_existing);
  const auto r = rules::load_rules({dir.string()});
  INFO(rules::format_text(r.problems.list()));
  REQUIRE(r.ok());
  CHECK(r.rules->rules.at(0).id == "2f1e0d9c-8b7a-4c5d-9e6f-a1b2c3d4e501");
  fs::remove_all(dir);
}

TEST_CASE("Sigma metadata maps onto the rule: title, level, tags, status, false positives",
          "[sigma][import]") {
  const auto r = rules::load_rules({k_dir});
  REQUIRE(r.ok());
  const auto& bulk = rule_by_id(*r.rules, "5d0c3f5e-6a55-4c1e-9a57-2f0b8f7c1a01");
  CHECK(bulk.name == "Bulk download or export by one user");
  CHECK(bulk.severity == severity::high);
  CHECK(bulk.family == family::anomalous_access);
  CHECK(bulk.pdpa == std::vector<std::string>{"5", "15", "16"});
  CHECK(bulk.mitre == "T1530");
  CHECK(bulk.generate);
  CHECK(bulk.stateful == rules::stateful_kind::event_count);
  CHECK(bulk.threshold == 30);
  CHECK(bulk.within_ms == 3'600'000);
  CHECK(bulk.by == std::vector<rules::field_id>{rules::field_id::corp_id, rules::field_id::user_id});
  CHECK_THAT(bulk.description, Catch::StartsWith("30 or more files"));
  CHECK_THAT(bulk.description, Catch::Contains("Sigma status: test."));
  CHECK_THAT(bulk.description,
             Catch::Contains("False positives: Backup and HR-sync service accounts (filtered)."));

  // The base rule the correlation references is a building block with its metadata.
  const auto& base = rule_by_id(*r.rules, "5d0c3f5e-6a55-4c1e-9a57-2f0b8f7c1a02");
  CHECK_FALSE(base.generate);
  CHECK(base.severity == severity::high);
  CHECK(base.pdpa == bulk.pdpa);

  const auto& foreign = rule_by_id(*r.rules, "2f1e0d9c-8b7a-4c5d-9e6f-a1b2c3d4e501");
  CHECK(foreign.family == family::cross_border);
  CHECK(foreign.severity == severity::medium);
  CHECK(foreign.mitre == "T1078");
  CHECK(foreign.generate);

  const auto& failed = rule_by_id(*r.rules, "9b7c2d10-3f4e-4a8b-8c6d-0e1f2a3b4c01");
  CHECK(failed.threshold == 10);  // gt: 9

  // A chain: temporal_ordered over a detection rule and an event_count
  // correlation, with per-step keys from `aliases`.
  const auto& grant = rule_by_id(*r.rules, "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e01");
  CHECK(grant.stateful == rules::stateful_kind::temporal_ordered);
  REQUIRE(grant.steps.size() == 2);
  CHECK(grant.steps[0].by ==
        std::vector<rules::field_id>{rules::field_id::corp_id, rules::field_id::target_user});
  CHECK(grant.steps[1].by ==
        std::vector<rules::field_id>{rules::field_id::corp_id, rules::field_id::user_id});
  CHECK(grant.steps[0].rule >= 0);
  CHECK(grant.steps[1].rule >= 0);
  CHECK_FALSE(rule_by_id(*r.rules, "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e03").generate);
}

TEST_CASE("Sigma patterns share the per-field Hyperscan database with native rules", "[sigma][import]") {
  const auto r = rules::load_rules({k_dir});
  REQUIRE(r.ok());
  const auto n =
      std::count_if(r.rules->databases.begin(), r.rules->databases.end(),
                    [](const rules::field_database& d) { return d.field == rules::field_id::file_name; });
  CHECK(n == 1);
  const int db = r.rules->database_of_field[static_cast<std::size_t>(rules::field_id::file_name)];
  REQUIRE(db >= 0);
  // NAT-HEALTH's one leaf of 8 literals; the Sigma rule's two contains-lists (5 + 3).
  CHECK(r.rules->databases[static_cast<std::size_t>(db)].patterns == 16);
}

TEST_CASE("the Sigma field table names real engine fields and no name twice", "[sigma][import]") {
  std::vector<std::string_view> names;
  for (const auto& f : rules::sigma_fields()) {
    CAPTURE(f.name);
    CHECK(rules::find_field(f.name) == nullptr);  // not an engine name too
    CHECK(rules::find_sigma_field(f.name) == &rules::info(f.field));
    names.push_back(f.name);
  }
  std::sort(names.begin(), names.end());
  CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
  CHECK(rules::find_sigma_field("source.ip") == rules::find_field("source.ip"));
  CHECK(rules::find_sigma_field("ipAdress") == nullptr);
}

TEST_CASE("rules check on a broken Sigma file fails with file:line:column", "[sigma][import]") {
  const fs::path file = fs::temp_directory_path() / "dingwatch_sigma_broken.yml";
  std::ofstream(file) << R"(title: broken
id: B-1
tags: [pdpa.art5]
logsource: {product: dingtalk}
detection:
  selection:
    resource|windash: x
  condition: selection
)";
  int rc = 0;
  const std::string out =
      capture([&](std::FILE* f) { return rules::rules_check({file.string()}, "text", f); }, &rc);
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains(file.string() + ":7:14: error: modifier 'windash' is not supported"));
  fs::remove(file);
}

TEST_CASE("a Sigma temporal correlation names a native rule of another file by id", "[sigma][import]") {
  const fs::path dir = fs::temp_directory_path() / "dingwatch_sigma_cross";
  fs::create_directories(dir);
  std::ofstream(dir / "native.yaml") << R"(rules:
  - id: N-GRANT
    name: admin grant
    family: anomalous_access
    severity: low
    pdpa: ["15"]
    detection: {where: {event.kind: org_change, event.type: org_admin_add}}
    tests: []
)";
  std::ofstream(dir / "sigma.yml") << R"(title: Grant then a login
id: S-T
tags: [pdpa.art15]
correlation:
  type: temporal_ordered
  rules: [N-GRANT, login]
  group-by: [corpId, subject]
  aliases: {subject: {N-GRANT: UserId, login: userId}}
  timespan: 1h
  generate: true
---
title: A login
name: login
id: S-L
logsource: {product: dingtalk, service: audit}
detection: {selection: {event.action: login}, condition: selection}
)";
  const auto r = rules::load_rules({dir.string()});
  INFO(rules::format_text(r.problems.list()));
  REQUIRE(r.ok());
  const auto& corr = rule_by_id(*r.rules, "S-T");
  REQUIRE(corr.steps.size() == 2);
  CHECK(r.rules->rules.at(static_cast<std::size_t>(corr.steps[0].rule)).id == "N-GRANT");
  CHECK(rule_by_id(*r.rules, "S-L").generate);  // `generate: true` keeps its alerts

  rules::rule_engine engine(r.rules);
  alert_sink sink;
  event_builder grant, login;
  grant.set("event.kind", "org_change").set("event.type", "org_admin_add").set("target.user", "u1").at(macau(10));
  login.set("event.kind", "audit").set("event.action", "login").set("user.id", "u1").at(macau(10, 5));
  engine.on_event(grant.ev(), sink);
  engine.on_event(login.ev(), sink);
  std::vector<std::string> ids;
  for (const auto& a : sink.alerts) ids.push_back(a.rule_id);
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<std::string>{"N-GRANT", "S-L", "S-T"});
  fs::remove_all(dir);
}
