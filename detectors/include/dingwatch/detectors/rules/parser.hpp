#pragma once
/// Loading rule files: YAML (yaml-cpp) → diagnostics + a compiled `rule_set`.
///
/// ## Grammar (docs/rules.md has the long form with examples)
///
///     file       := { lists?: {NAME: [value…]…}, macros?: {NAME: condition…},
///                     holidays?: {YYYY-MM-DD: name…}, rules?: [rule…] }
///     rule       := { id, name, family, severity, pdpa: [article…],
///                     mitre?, version?, description?, message?, generate?: bool,
///                     detection, suppress?, exceptions?: [condition…], tests?: [test…] }
///     family     := excessive_collection | anomalous_access | cross_border
///     severity   := low | medium | high | critical
///     detection  := { where: condition, stateful?, max_keys?: N }
///                 | { correlation, max_keys?: N }          (no `where`)
///     stateful   := event_count: { by?: [FIELD…], within: DURATION, gte: N }
///                 | value_count: { field: FIELD, by?: [FIELD…], within: DURATION, gte: N }
///                 | value_sum:   { field: NUMBER-FIELD, by?: [FIELD…], within: DURATION, gte: N }
///                 | baseline:    { by?, sum?: NUMBER-FIELD, slots?: hour_of_week | hour_of_day,
///                                  z?: X, ratio?: X, min: X, warmup?: DURATION, alpha?: X, ttl?: DURATION,
///                                  new_keys?: warm_up | quiet }
///                 | first_seen:  { field: FIELD, by?, learn?: DURATION, ttl?: DURATION, max_values?: N,
///                                  teach?: { where: condition, field: FIELD } }
///     correlation:= temporal | temporal_ordered:
///                     { rules: [STEP…], within: DURATION, by?: [FIELD…] | {STEP: [FIELD…]…} }
///     STEP       := RULE-ID (any file of the load) | MACRO-NAME
///     suppress   := { for: DURATION, by?: [FIELD…] }
///     condition  := MACRO-NAME
///                 | { entry… }                       all entries must hold
///     entry      := all: [condition…] | any: [condition…] | not: condition | macro: NAME
///                 | FIELD: matcher
///     matcher    := scalar                            equals
///                 | [value…]                          in
///                 | { op: arg …, nocase?: bool, validate?: validator }   every op must hold
///     op         := equals | in | prefix | suffix | contains | regex   (strings; arg: value or [value…])
///                 | gt | gte | lt | lte                                (numbers)
///                 | cidr                                               (IP strings; arg: CIDR or [CIDR…])
///                 | hour_between: [FROM, TO]  | weekday_in: [mon…sun]  (timestamp, Asia/Macau)
///                 | holiday: bool | workday: bool                      (timestamp, Macau calendar)
///                 | exists: bool
///     validator  := luhn | prc_id | hkid | macau_id | { range: [MIN, MAX] }
///                   (on the text each regex/contains/prefix/suffix match covered; validators.hpp)
///     value      := scalar | $LIST-NAME  (expands to the list's values); `in: LIST-NAME` also works
///     DURATION   := N s|m|h|d   (`30s`, `10m`, `1h`, `7d`)
///     message    := text with {FIELD}, {count}, {window}, {expected}, {rule.id}, {rule.name} placeholders
///     test       := { name?, events: [event…], expect: N | [{alert-field: value…}…] }
///     event      := 'raw DingTalk JSON'
///                 | { FIELD: value…, repeat?: N, every?: DURATION }
///
/// Lists, macros and holidays are shared by every file of one load. `holidays` are Macau
/// public holidays: `holiday: true` holds on them, `workday: false` on them and on
/// weekends, and `hour_of_day` baselines count them as weekend hours. Field names are the table of
/// field.hpp. `timestamp` values in test events are epoch ms or Macau local
/// "yyyy-MM-dd HH:mm:ss"; events without one follow the previous event by 1 s.
///
/// The loader collects EVERY problem (YAML syntax, unknown keys, unknown fields, lists
/// or macros, type mismatches, regex errors from Hyperscan, unknown validators,
/// duplicate ids, limits exceeded …) with file:line:column and a hint, and builds the
/// set only when there is no error.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dingwatch/detectors/rules/diagnostics.hpp"
#include "dingwatch/detectors/rules/rule_set.hpp"

namespace dingwatch::rules {

/// Bounds on what one load accepts, so a hostile or mistaken rule file is rejected with a
/// diagnostic instead of exhausting memory, stack or the pattern compiler.
struct load_limits {
  std::size_t max_file_bytes = 4u << 20;           ///< one rule file
  std::size_t max_rules = 10'000;                  ///< rules in one load
  std::size_t max_pattern_bytes = 4096;            ///< one pattern, as compiled
  std::size_t max_patterns_per_field = 10'000;     ///< patterns in one field's database
  std::size_t max_pattern_bytes_per_field = 1u << 20;  ///< their total size
  int max_condition_depth = 32;                    ///< nested all/any/not/macro levels
  /// Tests in one condition (a rule's `where`, an exception, a macro step) with every
  /// macro expanded where it is used: a macro used twice inside another used twice…
  /// doubles per level, and evaluation (per event) and compilation (per event class)
  /// follow the expanded size.
  std::size_t max_condition_nodes = 10'000;
  /// One pattern's estimated automaton (states once bounded repeats are unrolled; `.` 4,
  /// \d 16, \w 128; ×8 with `validate`): Hyperscan's compile time and memory grow with it,
  /// about a second at the limit.
  std::uint64_t max_regex_cost = 1'000;
  std::uint64_t max_regex_cost_per_load = 10'000;  ///< what all patterns add beyond their text
  std::size_t max_values = 1'000'000;              ///< operator values once `$list`s are expanded
  std::size_t max_yaml_nodes = 1'000'000;          ///< one document, each alias counted where used
};

/// What a load produced: the rule set (null when any error) and every diagnostic.
struct load_result {
  std::shared_ptr<const rule_set> rules;
  diagnostics problems;
  std::size_t files = 0;  ///< rule files read

  [[nodiscard]] bool ok() const noexcept { return rules != nullptr; }
};

/// Loads rule files. Each path is a file or a directory (its `*.yaml` / `*.yml` files,
/// sorted by name, not recursive). Never throws.
load_result load_rules(const std::vector<std::string>& paths, const load_limits& limits = {});

/// Loads one document from memory; `name` stands for the file in diagnostics.
load_result load_rules_text(std::string_view yaml, std::string_view name = "<text>",
                            const load_limits& limits = {});

}  // namespace dingwatch::rules
