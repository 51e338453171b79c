// `dingwatch eval` as the issue defines the quality bar: the default rule pack, on a week of
// generated traffic after a month of learning, finds ≥ 90 % of each family's incidents
// with ≥ 90 % of its alerts true, and stays silent on benign-only traffic.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "support/process.hpp"

using namespace dingwatch::test;
using json = nlohmann::json;

namespace {

json eval(std::vector<std::string> extra) {
  std::vector<std::string> argv{DINGWATCH_BINARY, "eval", "--seed", "2", "--users", "200", "--days", "7",
                                "--format", "json"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const auto [code, out] = run_to_end(argv);
  INFO(out);
  REQUIRE(code == 0);
  return json::parse(out);
}

}  // namespace

TEST_CASE("the default rule pack reaches 0.9 precision and recall in every family") {
  const json r = eval({"--fail-under", "0.9"});
  for (const char* family : {"excessive_collection", "anomalous_access", "cross_border"}) {
    INFO(family << ": " << r["families"][family].dump());
    const json& f = r["families"][family];
    CHECK(f["incidents"].get<int>() >= 5);  // a family without incidents would pass vacuously
    CHECK(f["precision"].get<double>() >= 0.9);
    CHECK(f["recall"].get<double>() >= 0.9);
  }
  CHECK(r["records"].get<long>() > 100'000);
}

TEST_CASE("benign-only traffic raises no alert") {
  const json r = eval({"--incident-rate", "0"});
  CHECK(r["total"]["incidents"].get<int>() == 0);
  CHECK(r["false_alerts"].get<int>() == 0);
  CHECK(r["false_alerts_per_10k_user_days"].get<double>() == 0.0);
}

TEST_CASE("eval exits 1 when a family falls below --fail-under") {
  // A pack whose one rule pages on every sign-in: excessive-collection precision near 0.
  const auto dir = std::filesystem::temp_directory_path();
  const std::string rules = (dir / "dingwatch_eval_test_noisy.yaml").string();
  std::ofstream(rules) << R"(rules:
  - id: T-NOISY
    name: every sign-in
    family: excessive_collection
    severity: low
    pdpa: ["5"]
    detection: {where: {event.kind: audit, event.action: login}}
)";
  const std::string err = (dir / "dingwatch_eval_test.err").string();
  const auto [code, out] = run_to_end({DINGWATCH_BINARY, "eval", "--seed", "2", "--users", "200", "--days", "7",
                                       "--rules", rules, "--fail-under", "0.9"},
                                      err);
  CHECK(code == 1);
  std::ifstream in(err);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text.find("excessive_collection precision 0.") != std::string::npos);
  CHECK(text.find("is below 0.90") != std::string::npos);
}
