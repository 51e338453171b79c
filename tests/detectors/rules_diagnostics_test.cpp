// Golden diagnostics: each tests/golden/rules/<case>/ holds a broken `rules.yaml` and
// the exact `rules check` text it must produce (`expected.txt`, paths relative to the
// case directory). Set DINGWATCH_UPDATE_GOLDEN=1 to rewrite the expected files.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "dingwatch/detectors/rules/tooling.hpp"
#include "rules_support.hpp"

using namespace dingwatch;
using namespace dingwatch::testing;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string relative_to(std::string text, const std::string& dir) {
  const std::string prefix = dir + "/";
  for (std::size_t pos; (pos = text.find(prefix)) != std::string::npos;) text.erase(pos, prefix.size());
  return text;
}

}  // namespace

TEST_CASE("rules check prints every problem of a broken rule file (golden)", "[rules][diagnostics]") {
  std::vector<fs::path> cases;
  for (const auto& e : fs::directory_iterator(DINGWATCH_GOLDEN_RULES_DIR))
    if (e.is_directory()) cases.push_back(e.path());
  std::sort(cases.begin(), cases.end());
  REQUIRE(cases.size() >= 5);
  const bool update = std::getenv("DINGWATCH_UPDATE_GOLDEN") != nullptr;
  for (const auto& dir : cases) {
    DYNAMIC_SECTION(dir.filename().string()) {
      int rc = 0;
      const std::string out = relative_to(
          capture([&](std::FILE* f) { return rules::rules_check({(dir / "rules.yaml").string()}, "text", f); }, &rc),
          dir.string());
      if (update) std::ofstream(dir / "expected.txt", std::ios::binary) << out;
      CHECK(rc == 1);
      CHECK(out == read(dir / "expected.txt"));
    }
  }
}

TEST_CASE("rules check reports JSON with positions", "[rules][diagnostics]") {
  int rc = 0;
  const std::string dir = std::string(DINGWATCH_GOLDEN_RULES_DIR) + "/unknown_names";
  const std::string out = capture(
      [&](std::FILE* f) { return rules::rules_check({dir + "/rules.yaml"}, "json", f); }, &rc);
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("\"severity\": \"error\""));
  CHECK_THAT(out, Catch::Contains("\"line\": "));
  CHECK_THAT(out, Catch::Contains("did you mean 'user.name'?"));
  CHECK(capture([&](std::FILE* f) { return rules::rules_check({dir}, "xml", f); }, &rc).size() > 0);
  CHECK(rc == 2);
}

TEST_CASE("a missing path is an error, not an empty rule set", "[rules][diagnostics]") {
  int rc = 0;
  const std::string out = capture(
      [&](std::FILE* f) { return rules::rules_check({"/nonexistent/rules"}, "text", f); }, &rc);
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("no such file or directory"));
}

TEST_CASE("YAML syntax errors carry the position", "[rules][diagnostics]") {
  const auto r = rules::load_rules_text("rules:\n  - id: [unclosed\n", "bad.yaml");
  REQUIRE_FALSE(r.ok());
  const auto& d = r.problems.list().at(0);
  CHECK(d.where.file == "bad.yaml");
  CHECK(d.where.line >= 2);
  CHECK_THAT(d.message, Catch::StartsWith("YAML syntax"));
}
