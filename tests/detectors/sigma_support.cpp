#include "sigma_support.hpp"

#include <fmt/format.h>

#include <catch2/catch.hpp>

namespace dingwatch::testing {

std::string sigma_rule(const std::string& detection, const std::string& extra) {
  return fmt::format(R"(title: test rule
id: S-1
tags: [pdpa.art5]
logsource:
  product: dingtalk
{}detection:
{}
)",
                     extra, detection);
}

const rules::compiled_rule& rule_by_id(const rules::rule_set& set, const std::string& id) {
  for (const auto& r : set.rules)
    if (r.id == id) return r;
  FAIL("no rule " << id);
  throw;
}

}  // namespace dingwatch::testing
