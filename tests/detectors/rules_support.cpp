#include "rules_support.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "dingwatch/core/time.hpp"

namespace dingwatch::testing {

std::shared_ptr<const rules::rule_set> compile(const std::string& yaml) {
  auto r = rules::load_rules_text(yaml, "test.yaml");
  INFO(rules::format_text(r.problems.list()));
  REQUIRE(r.ok());
  return r.rules;
}

std::string rule(const std::string& id, const std::string& detection, const std::string& extra) {
  return fmt::format(R"(
  - id: {}
    name: rule {}
    family: anomalous_access
    severity: low
    pdpa: ["5"]
    detection:
{}
{}
    tests: []
)",
                     id, id, detection, extra);
}

std::string rule_with(const std::string& detection, const std::string& extra) {
  return "rules:" + rule("T-1", detection, extra);
}

std::string evidence_of(const alert& a, std::string_view key) {
  for (const auto& [k, v] : a.evidence)
    if (k == key) return v;
  return {};
}

event_builder& event_builder::set(std::string_view field, std::string value) {
  const auto* f = rules::find_field(field);
  REQUIRE(f != nullptr);
  strings_.push_back(std::move(value));
  REQUIRE(rules::set_field(ev_, f->id, strings_.back()));
  return *this;
}

bool fires(const std::shared_ptr<const rules::rule_set>& set, const normalized_event& ev) {
  rules::rule_engine engine(set);
  alert_sink sink;
  engine.on_event(ev, sink);
  return !sink.alerts.empty();
}

std::int64_t macau(int hh, int mm, int ss, int day) {
  const std::string s = fmt::format("2026-11-{:02} {:02}:{:02}:{:02}", day, hh, mm, ss);
  std::int64_t ms = 0;
  REQUIRE(parse_macau_local(s.data(), s.size(), ms));
  return ms;
}

}  // namespace dingwatch::testing
