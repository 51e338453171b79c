// Limits on what one load accepts (issue 8: hostile input): file size, rules per load,
// pattern length, patterns per field, condition depth — each a diagnostic naming the
// file, line and column, never a crash or an unbounded compile.

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "rules_support.hpp"

using namespace dingwatch;
using namespace dingwatch::testing;

namespace {

/// The only error of a load that must fail.
rules::diagnostic only_error(const rules::load_result& r) {
  INFO(rules::format_text(r.problems.list()));
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.problems.error_count() == 1);
  for (const auto& d : r.problems.list())
    if (d.level == rules::diag_level::error) return d;
  FAIL("no error");
  return {};
}

std::string rules_file(int n) {
  std::string text = "rules:\n";
  for (int i = 0; i < n; ++i)
    text += fmt::format(R"(  - id: R-{}
    name: r
    family: anomalous_access
    severity: low
    pdpa: ["5"]
    detection: {{where: {{event.kind: audit}}}}
    tests: []
)",
                        i);
  return text;
}

}  // namespace

TEST_CASE("a rule file over the size limit is rejected without being parsed", "[rules][limits]") {
  rules::load_limits small;
  small.max_file_bytes = 100;
  const auto d = only_error(rules::load_rules_text(rules_file(3), "big.yaml", small));
  CHECK(d.where.file == "big.yaml");
  CHECK(d.where.line == 1);
  CHECK(d.where.column == 1);
  CHECK_THAT(d.message, Catch::Contains("over the limit of 100 bytes"));
  CHECK_THAT(d.hint, Catch::Contains("split it into several files"));

  const auto path = std::filesystem::temp_directory_path() / "dingwatch-big-rules.yaml";
  std::ofstream(path) << rules_file(3);
  const auto from_disk = only_error(rules::load_rules({path.string()}, small));
  CHECK(from_disk.where.file == path.string());
  CHECK_THAT(from_disk.message, Catch::Contains("over the limit"));
  std::filesystem::remove(path);
}

TEST_CASE("more rules than the limit per load: an error at the first rule too many", "[rules][limits]") {
  rules::load_limits small;
  small.max_rules = 2;
  const auto d = only_error(rules::load_rules_text(rules_file(3), "many.yaml", small));
  CHECK(d.message == "more than 2 rules in one load");
  CHECK(d.where.line == 16);  // the third rule
  CHECK(d.where.column == 5);
  CHECK(rules::load_rules_text(rules_file(2), "two.yaml", small).ok());
}

TEST_CASE("a pattern longer than the limit is rejected at its position", "[rules][limits]") {
  rules::load_limits small;
  small.max_pattern_bytes = 16;
  const auto r = rules::load_rules_text(
      rule_with("      where: {file.name: {contains: [short, 'a much longer literal value']}}"), "p.yaml", small);
  const auto d = only_error(r);
  CHECK_THAT(d.message, Catch::Contains("over the limit of 16 bytes"));
  CHECK(d.where.line == 8);
  CHECK(d.where.column == 37);
}

TEST_CASE("patterns per field are capped, in count and in bytes", "[rules][limits]") {
  const std::string yaml = rule_with(R"(      where:
        any:
          - file.name: {contains: [aaaa, bbbb]}
          - file.name: {regex: 'cccc'}
          - chat.title: {contains: [x, y]})");
  rules::load_limits count;
  count.max_patterns_per_field = 2;
  const auto d = only_error(rules::load_rules_text(yaml, "f.yaml", count));
  CHECK(d.message == "more than 2 patterns on 'file.name' in one load");
  CHECK(d.where.line == 11);  // the third pattern on file.name
  rules::load_limits bytes;
  bytes.max_pattern_bytes_per_field = 10;
  const auto b = only_error(rules::load_rules_text(yaml, "f.yaml", bytes));
  CHECK(b.message == "patterns on 'file.name' exceed 10 bytes in one load");
}

TEST_CASE("conditions nested deeper than the limit are rejected", "[rules][limits]") {
  auto nested = [](int depth) {
    std::string c = "{event.kind: audit}";
    for (int i = 0; i < depth; ++i) c = "{not: " + c + "}";
    return rule_with("      where: " + c);
  };
  CHECK(rules::load_rules_text(nested(30)).ok());
  const auto d = only_error(rules::load_rules_text(nested(40), "deep.yaml"));
  CHECK(d.message == "conditions nest deeper than 32 levels");
  CHECK(d.where.file == "deep.yaml");
  CHECK(d.where.line == 8);
  CHECK(d.where.column > 100);
  CHECK_THAT(d.hint, Catch::Contains("flatten"));
}

TEST_CASE("Hyperscan's own limits surface as diagnostics", "[rules][limits]") {
  // Too large for Hyperscan's start-of-match tracking: a bounded repeat this wide.
  const auto r = rules::load_rules_text(
      rule_with("      where: {file.name: {regex: '[0-9]{1,3000}x[0-9]{1,3000}', validate: luhn}}"), "hs.yaml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.problems.list()[0].where.line == 8);
  CHECK_THAT(r.problems.list()[0].message, Catch::Contains("compile"));
}
