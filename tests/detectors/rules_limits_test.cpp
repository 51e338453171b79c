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

TEST_CASE("a condition whose macros expand past the limit is refused, counted without expanding", "[rules][limits]") {
  // Each macro uses the previous one twice: 2^levels tests per event, and the compiler
  // specializes the condition per event class. 14 levels took 5 s and 600 MB to load
  // before this limit (the Sigma fuzzer found it).
  const auto doubling = [](int levels) {
    std::string yaml = "macros:\n  m0: {any: [{event.kind: audit}, {user.id: z}, {user.id: w}]}\n";
    for (int k = 1; k <= levels; ++k)
      yaml += fmt::format("  m{0}: {{any: [{{macro: m{1}}}, {{all: [{{macro: m{1}}}, {{user.id: b{0}}}]}}]}}\n", k, k - 1);
    return yaml + rule_with(fmt::format("      where: {{macro: m{}}}", levels));
  };
  // 2^levels × 7 − 3 tests once expanded: 7,165 at 10 levels, 14,333 at 11.
  const auto loaded = rules::load_rules_text(doubling(10), "macros.yaml");
  REQUIRE(loaded.ok());
  CHECK(fires(loaded.rules, event_builder().set("event.kind", "audit").ev()));
  const auto d = only_error(rules::load_rules_text(doubling(11), "macros.yaml"));
  CHECK(d.message == "rule 'T-1' has a condition of more than 10000 tests once its macros are expanded");
  CHECK(d.where.file == "macros.yaml");
  CHECK(d.where.line == 15);  // the rule, after 13 lines of macros and `rules:`
  CHECK_THAT(d.hint, Catch::Contains("doubles"));
  // Far past it (deeper would hit the nesting limit), counting stops at the limit.
  CHECK(only_error(rules::load_rules_text(doubling(14), "macros.yaml")).message ==
        "rule 'T-1' has a condition of more than 10000 tests once its macros are expanded");
  // Exceptions count too.
  rules::load_limits small;
  small.max_condition_nodes = 100;
  const auto e = only_error(rules::load_rules_text(
      doubling(4).substr(0, doubling(4).find("rules:")) +
          rule_with("      where: {event.kind: audit}", "    exceptions: [{macro: m4}]\n"),
      "macros.yaml", small));
  CHECK_THAT(e.message, Catch::Contains("more than 100 tests"));
}

TEST_CASE("Hyperscan's own limits surface as diagnostics", "[rules][limits]") {
  // Too large for Hyperscan's start-of-match tracking: a bounded repeat this wide. The
  // complexity limit refuses it first by default, so it is raised here.
  rules::load_limits loose;
  loose.max_regex_cost = loose.max_regex_cost_per_load = 1'000'000;
  const auto r = rules::load_rules_text(
      rule_with("      where: {file.name: {regex: '[0-9]{1,3000}x[0-9]{1,3000}', validate: luhn}}"), "hs.yaml", loose);
  REQUIRE_FALSE(r.ok());
  CHECK(r.problems.list()[0].where.line == 8);
  CHECK_THAT(r.problems.list()[0].message, Catch::Contains("compile"));
}

TEST_CASE("a regex that unrolls into a huge automaton is refused before Hyperscan compiles it", "[rules][limits]") {
  // Each of these took Hyperscan seconds to minutes and hundreds of MB (fuzz_rules found
  // the kind); the limit refuses them in microseconds, naming the pattern and its cost.
  const auto d = only_error(rules::load_rules_text(
      rule_with("      where: {file.name: {regex: '(\\w{1,50}\\s){1,50}'}}"), "re.yaml"));
  CHECK(d.where.file == "re.yaml");
  CHECK(d.where.line == 8);
  CHECK(d.where.column == 34);
  CHECK(d.message == "pattern '(\\w{1,50}\\s){1,50}' is too complex: it expands to about 320400 automaton "
                     "states, over the limit of 1000");
  CHECK_THAT(d.hint, Catch::Contains("[0-9] rather than \\d"));

  // Nested counted repeats multiply; an ASCII class counts 1, `.` 4, \\w 128.
  CHECK_THAT(only_error(rules::load_rules_text(rule_with("      where: {file.name: {regex: '((a{1,20}){1,20}){1,20}'}}")))
                 .message,
             Catch::Contains("about 8000 automaton states"));
  CHECK(rules::load_rules_text(rule_with("      where: {file.name: {regex: '[0-9]{1,1000}'}}")).ok());
  CHECK_THAT(only_error(rules::load_rules_text(rule_with("      where: {file.name: {regex: '\\w{1,8}'}}"))).message,
             Catch::Contains("about 1024 automaton states"));
  CHECK(rules::load_rules_text(rule_with("      where: {file.name: {regex: '\\w{1,7}'}}")).ok());
  CHECK_FALSE(rules::load_rules_text(rule_with("      where: {file.name: {regex: '.{1,251}'}}")).ok());

  // With `validate`, matches need their start: the same pattern counts 8 times.
  CHECK(rules::load_rules_text(rule_with("      where: {file.name: {regex: '[0-9]{125}'}}")).ok());
  const auto v = only_error(rules::load_rules_text(
      rule_with("      where: {file.name: {regex: '[0-9]{126}', validate: luhn}}")));
  CHECK_THAT(v.message, Catch::Contains("about 1008 automaton states"));
  CHECK_THAT(v.hint, Catch::Contains("validated pattern counts 8 times"));

  // The shipped pack's patterns are far below it.
  CHECK(rules::load_rules_text(rule_with(
            "      where: {file.name: {regex: '[1-9][0-9]{16}[0-9Xx]', validate: prc_id}}")).ok());
}

TEST_CASE("the patterns of one load share a complexity budget", "[rules][limits]") {
  rules::load_limits small;
  small.max_regex_cost_per_load = 100;
  // 19 states beyond its 13 bytes of text each: the sixth pattern is one too many.
  std::string any = "      where:\n        any:\n";
  for (int i = 0; i < 6; ++i) any += fmt::format("          - file.name: {{regex: 'x{}[a-z]{{1,30}}'}}\n", i);
  const auto d = only_error(rules::load_rules_text(rule_with(any), "sum.yaml", small));
  CHECK(d.message == "the patterns of this load expand to more than 100 automaton states beyond their text");
  CHECK(d.where.line == 15);  // the sixth
  // Plain literals add nothing beyond their text, however many.
  CHECK(rules::load_rules_text(
            rule_with("      where: {file.name: {contains: [aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, "
                      "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb]}}"),
            "lit.yaml", small)
            .ok());
}

TEST_CASE("lists expanded into more values than the limit are refused once", "[rules][limits]") {
  // A list used many times multiplies: 2000 uses of a 2000-value list were 4 million
  // values and minutes of work before this limit.
  std::string values, uses;
  for (int i = 0; i < 100; ++i) values += fmt::format("{}v{}", i ? ", " : "", i);
  for (int i = 0; i < 100; ++i) uses += fmt::format("{}$big", i ? ", " : "");
  rules::load_limits small;
  small.max_values = 1'000;
  const std::string yaml = "lists: {big: [" + values + "]}\n" + rule_with("      where: {user.id: {in: [" + uses + "]}}");
  const auto d = only_error(rules::load_rules_text(yaml, "lists.yaml", small));
  CHECK(d.message == "more than 1000 values in one load once lists are expanded");
  CHECK(d.where.line == 9);
  CHECK_THAT(d.hint, Catch::Contains("macro"));
  small.max_values = 10'000;
  CHECK(rules::load_rules_text(yaml, "lists.yaml", small).ok());
}

TEST_CASE("a document whose aliases expand past the node limit is refused unread", "[rules][limits]") {
  // "Billion laughs": each level repeats the one before ten times.
  std::string yaml = "macros:\n  m0: &l0 {file.name: {contains: [x]}}\n";
  for (int i = 1; i <= 8; ++i) {
    yaml += fmt::format("  m{}: &l{} {{any: [", i, i);
    for (int k = 0; k < 10; ++k) yaml += fmt::format("{}*l{}", k ? ", " : "", i - 1);
    yaml += "]}\n";
  }
  yaml += rule_with("      where: m8");
  const auto d = only_error(rules::load_rules_text(yaml, "laughs.yaml"));
  CHECK(d.message == "the document has more than 1000000 YAML nodes once its aliases are expanded");
  CHECK(d.where.file == "laughs.yaml");
  CHECK(d.where.line == 1);
  CHECK_THAT(d.hint, Catch::Contains("alias"));

  // An alias inside its own anchor is a loop: refused the same way, not followed forever.
  rules::load_limits small;
  small.max_yaml_nodes = 500;
  const auto loop = rules::load_rules_text("lists: &a {x: [*a]}\n", "loop.yaml", small);
  REQUIRE_FALSE(loop.ok());
  CHECK_THAT(rules::format_text(loop.problems.list()), Catch::Contains("more than 500 YAML nodes"));
}

TEST_CASE("a Sigma condition nested deeper than the limit is refused, not recursed into", "[rules][limits]") {
  auto sigma = [](const std::string& condition) {
    return "title: t\nid: s-1\nlevel: high\ntags: [pdpa.art5]\nlogsource: {product: dingtalk, service: audit}\n"
           "detection:\n  sel: {event.action: download}\n  condition: " + condition + "\n";
  };
  const auto shallow = rules::load_rules_text(sigma("not (not sel)"));
  INFO(rules::format_text(shallow.problems.list()));
  CHECK(shallow.ok());
  // 100,000 levels overflowed the stack before the limit.
  for (const auto& deep : {std::string(100'000, '(') + "sel" + std::string(100'000, ')'),
                           [] { std::string s; for (int i = 0; i < 100'000; ++i) s += "not "; return s + "sel"; }()}) {
    const auto r = rules::load_rules_text(sigma(deep), "deep.yml");
    REQUIRE_FALSE(r.ok());
    const auto text = rules::format_text(r.problems.list());
    CHECK_THAT(text, Catch::Contains("the condition nests deeper than 32 levels"));
    CHECK_THAT(text, Catch::Contains("deep.yml:8:"));
  }
}
