// Validators on pattern matches: the checks themselves, and pattern leaves that count
// only when one of their matches validates (Hyperscan reports the match start).

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <set>

#include "dingwatch/detectors/rules/validators.hpp"
#include "rules_support.hpp"

using namespace dingwatch;
using namespace dingwatch::testing;
using rules::validate;
using rules::validator;
using rules::validator_kind;

namespace {

bool valid(validator_kind k, std::string_view text) { return validate(validator{k}, text); }

std::shared_ptr<const rules::rule_set> where(const std::string& cond) {
  return compile(rule_with("      where: " + cond));
}

bool fires_on_name(const std::shared_ptr<const rules::rule_set>& s, std::string name) {
  return fires(s, event_builder().set("file.name", std::move(name)).ev());
}

}  // namespace

TEST_CASE("luhn accepts card numbers with a valid check digit, spaces and dashes allowed", "[rules][validator]") {
  CHECK(valid(validator_kind::luhn, "4111111111111111"));
  CHECK(valid(validator_kind::luhn, "4111 1111 1111 1111"));
  CHECK(valid(validator_kind::luhn, "5500-0000-0000-0004"));
  CHECK_FALSE(valid(validator_kind::luhn, "4111111111111112"));  // check digit off by one
  CHECK_FALSE(valid(validator_kind::luhn, "0000000000"));        // too short for a card
  CHECK_FALSE(valid(validator_kind::luhn, "4111x11111111111"));
}

TEST_CASE("luhn ignores the boundaries a pattern matched around the number", "[rules][validator]") {
  CHECK(valid(validator_kind::luhn, "號4111 1111 1111 1111."));
  CHECK(valid(validator_kind::luhn, "_4111111111111111"));
  CHECK_FALSE(valid(validator_kind::luhn, "號4111 1111 1111 1112."));
  CHECK_FALSE(valid(validator_kind::luhn, "卡號"));
  // A 20-digit order number holds 16-digit windows that pass Luhn; bounded by non-digits,
  // only the whole number is ever handed to the validator.
  const auto s = where(R"({file.name: {regex: '(^|[^0-9])[0-9]{16}([^0-9]|$)', validate: luhn}})");
  CHECK(fires_on_name(s, "卡號4111111111111111.pdf"));
  CHECK(fires_on_name(s, "4111111111111111"));
  CHECK_FALSE(fires_on_name(s, "訂單 20261125411111111111.pdf"));
  CHECK_FALSE(fires_on_name(s, "卡號4111111111111112.pdf"));
}

TEST_CASE("prc_id checks ISO 7064 MOD 11-2 and a real birth date", "[rules][validator]") {
  CHECK(valid(validator_kind::prc_id, "110101199003077774"));
  CHECK(valid(validator_kind::prc_id, "44030419851231002X"));
  CHECK(valid(validator_kind::prc_id, "44030419851231002x"));
  CHECK(valid(validator_kind::prc_id, "820000200402291234"));         // 29 Feb of a leap year
  CHECK_FALSE(valid(validator_kind::prc_id, "110101199003077775"));   // wrong check character
  CHECK_FALSE(valid(validator_kind::prc_id, "110101199013077778"));   // month 13 (check is right)
  CHECK_FALSE(valid(validator_kind::prc_id, "11010119900307777"));    // 17 characters
  CHECK_FALSE(valid(validator_kind::prc_id, "010101199003077771"));   // no region starts with 0
}

TEST_CASE("hkid checks the mod 11 check character, with or without brackets", "[rules][validator]") {
  CHECK(valid(validator_kind::hkid, "A123456(3)"));
  CHECK(valid(validator_kind::hkid, "A1234563"));
  CHECK(valid(validator_kind::hkid, "XA123456(8)"));
  CHECK(valid(validator_kind::hkid, "K654321(9)"));
  CHECK_FALSE(valid(validator_kind::hkid, "A123456(4)"));
  CHECK_FALSE(valid(validator_kind::hkid, "a123456(3)"));
  CHECK_FALSE(valid(validator_kind::hkid, "A123456(3"));
}

TEST_CASE("macau_id checks the written form [157]NNNNNN(N)", "[rules][validator]") {
  CHECK(valid(validator_kind::macau_id, "1234567(8)"));
  CHECK(valid(validator_kind::macau_id, "5000000(0)"));
  CHECK(valid(validator_kind::macau_id, "7654321(1)"));
  CHECK_FALSE(valid(validator_kind::macau_id, "9234567(1)"));  // first digit
  CHECK_FALSE(valid(validator_kind::macau_id, "12345678"));    // no brackets
  CHECK_FALSE(valid(validator_kind::macau_id, "123456(8)"));   // six digits
}

TEST_CASE("range accepts decimal numbers within the bounds", "[rules][validator]") {
  const validator r{validator_kind::range, 1, 31};
  CHECK(validate(r, "1"));
  CHECK(validate(r, "31"));
  CHECK(validate(r, "7.5"));
  CHECK(validate(r, "day 12."));  // the text around the number is not part of it
  CHECK_FALSE(validate(r, "32"));
  CHECK_FALSE(validate(r, "0"));
  CHECK_FALSE(validate(r, "3 to 4"));  // two numbers
  CHECK_FALSE(validate(r, "n/a"));
}

TEST_CASE("a validated pattern fires only when a match validates", "[rules][validator]") {
  const auto s = where(R"({file.name: {regex: '[1-9][0-9]{16}[0-9Xx]', validate: prc_id}})");
  CHECK(fires_on_name(s, "身份證副本_110101199003077774.pdf"));
  CHECK_FALSE(fires_on_name(s, "身份證副本_110101199003077775.pdf"));
  CHECK_FALSE(fires_on_name(s, "invoice 110101199013077778.pdf"));
  // Two candidates: the first fails, the second validates.
  CHECK(fires_on_name(s, "110101199003077775 and 44030419851231002X.zip"));
  // Inside a longer run of digits every 18-digit window is tried.
  CHECK(fires_on_name(s, "99110101199003077774"));
}

TEST_CASE("the validator sees exactly the matched span, in Chinese text too", "[rules][validator]") {
  const auto s = where(R"({file.name: {regex: '[A-Z]{1,2}[0-9]{6}\([0-9A]\)', validate: hkid}})");
  CHECK(fires_on_name(s, "新員工資料 A123456(3).docx"));
  CHECK(fires_on_name(s, "新員工資料A123456(3)"));
  CHECK_FALSE(fires_on_name(s, "新員工資料 A123456(4).docx"));
  const auto range = where("{file.name: {regex: 'day [0-9]+', validate: {range: [1, 31]}}}");
  CHECK(fires_on_name(range, "day 12"));
  CHECK_FALSE(fires_on_name(range, "day 0"));
  // Each match end is reported with its leftmost start: `[0-9]+` alone would hand the
  // validator "9" out of "99"; boundaries in the pattern make the span the whole number.
  const auto days = where("{file.name: {regex: '(^|[^0-9])[0-9]+([^0-9]|$)', validate: {range: [1, 31]}}}");
  CHECK(fires_on_name(days, "report-12.pdf"));
  CHECK_FALSE(fires_on_name(days, "report-99.pdf"));
}

TEST_CASE("unvalidated and validated leaves on one field share the field's database", "[rules][validator]") {
  const auto s = compile(rule_with(R"(      where:
        any:
          - file.name: {contains: 身份證}
          - file.name: {regex: '[157][0-9]{6}\([0-9]\)', validate: macau_id})"));
  CHECK(s->databases.size() == 1);
  CHECK(fires_on_name(s, "身份證.pdf"));
  CHECK(fires_on_name(s, "BIR 1234567(8) - cópia.jpg"));
  CHECK_FALSE(fires_on_name(s, "BIR 9234567(8) - cópia.jpg"));
}

TEST_CASE("a value seen again matches exactly as its first scan did", "[rules][validator][pattern]") {
  // One engine over many events: the engine remembers scan results per value (a memo of
  // 1,024 entries per field), so values come back after others took their entries too.
  const auto set = compile("rules:\n" + rule("P-1", "      where: {file.name: {contains: report}}") +
                           rule("P-2", "      where: {file.name: {regex: '[0-9]{16}', validate: luhn}}") +
                           rule("P-3", "      where: {file.name: {suffix: .xlsx}}"));
  std::vector<std::string> names, digits;
  for (int i = 0; i < 2500; ++i) {
    digits.push_back(i % 3 ? "4111111111111111" : std::to_string(4111111111111112 + i));
    names.push_back(fmt::format("{}{}{}", i % 2 ? "report-" : "memo-", digits.back(), i % 5 ? ".xlsx" : ".pdf"));
  }
  rules::rule_engine engine(set);
  std::size_t events = 0;
  for (std::size_t stride : {1, 7, 3, 1}) {
    for (std::size_t i = 0; i < names.size(); i += stride) {
      alert_sink out;
      engine.on_event(event_builder().set("file.name", names[i]).set("user.id", "u1").ev(), out);
      engine.on_batch_end();
      std::set<std::string> fired, expected;
      for (const auto& a : out.alerts) fired.insert(a.rule_id);
      if (names[i].find("report") != std::string::npos) expected.insert("P-1");
      if (valid(validator_kind::luhn, digits[i])) expected.insert("P-2");
      if (names[i].ends_with(".xlsx")) expected.insert("P-3");
      INFO(names[i]);
      CHECK(fired == expected);
      ++events;
    }
  }
  CHECK(events > 5000);
}

TEST_CASE("validator mistakes are diagnosed with their position and a hint", "[rules][validator][diagnostics]") {
  const auto r = rules::load_rules_text(rule_with(R"(      where:
        any:
          - file.name: {regex: '[0-9]{18}', validate: prc-id}
          - file.name: {regex: '[0-9]+', validate: range}
          - file.name: {equals: x, validate: luhn}
          - file.name: {regex: '[0-9]+', validate: {range: [9, 1]}})"),
                                         "v.yaml");
  REQUIRE_FALSE(r.ok());
  const auto& d = r.problems.list();
  REQUIRE(d.size() == 4);
  CHECK(d[0].message == "unknown validator 'prc-id'");
  CHECK_THAT(d[0].hint, Catch::Contains("did you mean 'prc_id'?"));
  CHECK(d[0].where.file == "v.yaml");
  CHECK(d[0].where.line == 10);
  CHECK(d[0].where.column == 55);
  CHECK(d[1].message == "validator 'range' needs its bounds");
  CHECK_THAT(d[2].message, Catch::Contains("has no pattern"));
  CHECK_THAT(d[3].message, Catch::Contains("MIN ≤ MAX"));
}
