#pragma once
/// Sigma rules for DingTalk: what the loader accepts and how it maps onto native rules.
///
/// A rule file whose first YAML document has a top-level `logsource`, `detection` or
/// `correlation` key is a Sigma file (any extension; a directory may mix Sigma `.yml`
/// and native `.yaml` files in one load). Each of its documents (`---`) becomes one
/// native rule, compiled by the same loader into the same rule set and Hyperscan
/// databases (docs/rules.md, "Sigma rules", has the long form):
///
///     detection rule := { title, id | name, logsource: {product: dingtalk, service?, category?},
///                         detection: {IDENTIFIER: selection…, condition}, level?, status?,
///                         tags?, description?, falsepositives?, [tests?, message?, suppress?] }
///     selection      := { FIELD[|MODIFIER…]: value | [value…] … }   every field holds
///                     | [ {…}, {…} ]                               one of the maps holds
///     MODIFIER       := contains | startswith | endswith | re (| i | m | s) | cidr | all
///                     | cased | exists | neq | gt | gte | lt | lte
///     value          := string with * and ? wildcards (\* \? \\ escape them), number,
///                       true | false, null (field absent)
///     condition      := expr | [expr…]   (a list: any of them)
///     expr           := expr or expr | expr and expr | not expr | ( expr ) | IDENTIFIER
///                     | (1 | all) of (PATTERN | them)           PATTERN: IDENTIFIER with *
///     correlation rule := { title, id | name, correlation: {
///                           type: event_count | value_count | value_sum | temporal | temporal_ordered,
///                           rules: [RULE-NAME | RULE-ID…], group-by: [FIELD…], timespan: DURATION,
///                           condition?: {gte | gt: N, field?: FIELD}, aliases?: {ALIAS: {RULE: FIELD…}},
///                           generate?: bool }, level?, tags?, … }
///
/// Counting correlations (event_count, value_count, value_sum) count detection rules of
/// the same file, named by `name` or `id`; temporal ones may also name any rule id of the
/// load (Sigma or native), correlations included.
///
/// Strings match case-insensitively unless `|cased` (Sigma's default; `re` is
/// case-sensitive unless `|re|i`). `title` → name, `id` (else `name`) → rule id,
/// `level` → severity (informational → low), tags `attack.tNNNN` → mitre,
/// `pdpa.artN` → PDPA articles, `pdpa.<family>` → family (default anomalous_access);
/// `description`, `status` and `falsepositives` → description. `tests`, `message` and
/// `suppress` are dingwatch extensions passed through as in native rules.
///
/// Field names are the engine's own (`user.id`) or the DingTalk names of the table
/// below (`userId`, `ipAddress` …). Unsupported Sigma features (keyword searches,
/// encoding modifiers such as `windash` or `base64`, `| count()` aggregations, `near`)
/// are diagnostics with file:line:column and a hint, never silently dropped.

#include <span>
#include <string_view>

#include "dingwatch/detectors/rules/field.hpp"

namespace dingwatch::rules {

/// One row of the Sigma field table: a DingTalk payload field name a Sigma rule may use
/// and the engine field it reads.
struct sigma_field {
  std::string_view name;  ///< as Sigma rules write it: `ipAddress`
  field_id field;         ///< what the engine reads
};

/// The DingTalk names, in documentation order (docs/rules.md reproduces the table).
std::span<const sigma_field> sigma_fields() noexcept;

/// The engine field a Sigma rule's field name means: an engine name (`source.ip`) or a
/// DingTalk name of `sigma_fields()` (`ipAddress`, `ip_address`). Null when neither.
const field_info* find_sigma_field(std::string_view name) noexcept;

}  // namespace dingwatch::rules
