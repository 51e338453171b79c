// The evidence and store sinks register themselves and are built from the `sinks:` list.

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include "dingwatch/sinks/alert_store.hpp"
#include "dingwatch/sinks/evidence_log.hpp"
#include "dingwatch/sinks/registry.hpp"
#include "sink_test_support.hpp"

using namespace dingwatch;
using namespace dingwatch::test;

TEST_CASE("evidence and store sinks are registered", "[registry]") {
  CHECK(sink_registry::builtin().find("evidence") != nullptr);
  CHECK(sink_registry::builtin().find("store") != nullptr);
}

TEST_CASE("build_sinks builds the evidence log and the alert store from YAML", "[registry]") {
  scratch_dir dir("yaml");
  const auto evidence_dir = dir.path / "evidence";
  const auto db = dir.path / "alerts.db";
  const YAML::Node list = YAML::Load("- kind: evidence\n  dir: " + evidence_dir.string() +
                                     "\n  max_bytes: 2KiB\n  fsync: false\n- kind: store\n  path: " + db.string() +
                                     "\n");
  auto sinks = build_sinks(list, sink_context{});
  REQUIRE(sinks.size() == 2);
  CHECK(sinks[0]->name() == "evidence");
  CHECK(sinks[1]->name() == "store");
  const auto alerts = make_alerts(0, 12);
  for (auto& s : sinks) REQUIRE(s->write(alerts));
  CHECK(evidence_files(evidence_dir).size() > 1);  // 2 KiB files: rotated
  CHECK(verify_evidence({evidence_dir}).lines == 12);
  CHECK(dynamic_cast<alert_store&>(*sinks[1]).size() == 12);
}

TEST_CASE("evidence and store configuration errors name the field", "[registry]") {
  CHECK_THROWS_WITH(build_sinks(YAML::Load("- kind: evidence\n"), sink_context{}), Catch::Contains("dir: missing"));
  CHECK_THROWS_WITH(build_sinks(YAML::Load("- kind: store\n"), sink_context{}), Catch::Contains("path: missing"));
  CHECK_THROWS_WITH(build_sinks(YAML::Load("- kind: evidence\n  dir: /tmp/x\n  max_bytes: 12 parsecs\n"),
                                sink_context{}),
                    Catch::Contains("max_bytes"));
}
