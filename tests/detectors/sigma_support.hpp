#pragma once
// Helpers for Sigma import tests: a one-document Sigma rule around a detection,
// and the rule of a compiled set by id.

#include <string>

#include "rules_support.hpp"

namespace dingwatch::testing {

/// A minimal valid Sigma detection rule (id `S-1`, product dingtalk) around
/// `detection` (the lines under `detection:`, indented by two spaces).
std::string sigma_rule(const std::string& detection, const std::string& extra = "");

/// The compiled rule with `id`; fails the test when there is none.
const rules::compiled_rule& rule_by_id(const rules::rule_set& set, const std::string& id);

}  // namespace dingwatch::testing
