#pragma once
/// The compiled form of a set of rules: what the loader (parser.hpp) produces and the
/// engine (engine.hpp) runs. Immutable once built and shared by every shard.
///
/// Conditions are a flat vector of `cond_node`s (children by index). String patterns
/// (`contains`, `prefix`, `suffix`, `regex`, and `equals`/`in` with `nocase`) are not
/// matched node by node: every pattern of the set on one field is compiled into ONE
/// Hyperscan database for that field, and each pattern leaf owns a global `leaf` id.
/// Per event the engine scans a field at most once (lazily, when a rule first asks)
/// and marks the leaves that matched. A leaf with a validator (validators.hpp) is
/// marked only when the text of one of its matches passes the check.
///
/// The set also carries the holiday calendar of the load (`holidays:`, Macau dates) that
/// the `holiday` / `workday` predicates and `hour_of_day` baselines consult, and a
/// fingerprint per rule that says whether two loads compiled the same detection (hot
/// reload keeps the state of rules whose id and fingerprint did not change).

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dingwatch/core/alert.hpp"
#include "dingwatch/detectors/cidr.hpp"
#include "dingwatch/detectors/rules/diagnostics.hpp"
#include "dingwatch/detectors/rules/field.hpp"
#include "dingwatch/detectors/rules/validators.hpp"

struct hs_database;

namespace dingwatch::rules {

/// What a condition node tests.
enum class cond_kind : std::uint8_t {
  always,        ///< true (empty `where`)
  all,           ///< every child
  any,           ///< at least one child
  negate,        ///< not the only child
  str_in,        ///< string field equals one of `strings` (sorted by `shorter_first`)
  enum_in,       ///< enumerated field (field.hpp `enum_code`) has one of the codes in `bits`
  num_in,        ///< number field equals one of `numbers`
  num_cmp,       ///< number field `cmp` `numbers[0]`
  cidr,          ///< string field parses as an IP inside `nets`
  pattern,       ///< leaf `leaf` of the field's Hyperscan database matched
  hour_between,  ///< Macau local hour of a time field in [from, to) (wrapping past midnight)
  weekday_in,    ///< Macau local weekday (0 = Sunday) in `mask` bits
  exists,        ///< field present (non-empty / has a number) == `want`
  holiday,       ///< the Macau date of a time field is in the calendar == `want`
  workday,       ///< Monday–Friday and not a holiday (Macau) == `want`
};

/// Numeric comparison of `num_cmp`.
enum class cmp_op : std::uint8_t { gt, gte, lt, lte };

/// The order of a `str_in` node's `strings`: by length, then bytes, so that a lookup's
/// comparisons mostly end on the length without reading the text.
inline bool shorter_first(std::string_view a, std::string_view b) noexcept {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

/// One node of a condition tree.
struct cond_node {
  cond_kind kind = cond_kind::always;
  field_id field = field_id::user_id;
  cmp_op cmp = cmp_op::gt;
  bool want = true;            ///< exists
  std::uint32_t leaf = 0;      ///< pattern: global leaf id
  std::uint32_t database = 0;  ///< pattern: index into rule_set::databases
  int from = 0, to = 0;        ///< hour_between
  std::uint8_t mask = 0;       ///< weekday_in
  std::uint32_t bits = 0;      ///< enum_in: bit per code
  std::vector<std::uint32_t> children;
  std::vector<std::string> strings;
  std::vector<double> numbers;
  cidr_set nets;
};

/// What a pattern leaf was compiled from: its expressions (one per value written, all
/// reported under the leaf's id), their Hyperscan flags, and the validator its matches
/// must pass.
struct leaf_patterns {
  field_id field = field_id::user_id;
  std::vector<std::string> expressions;
  unsigned flags = 0;
  validator check;
};

/// The classes of events a rule can detect on, for skipping it cheaply: per event kind,
/// a bit per audit action (`event_classes[kind] >> action & 1`). Every event has exactly
/// one class; a rule whose conditions cannot hold for a class is never run on it.
inline constexpr std::size_t k_event_kinds = static_cast<std::size_t>(event_kind::generic) + 1;
inline constexpr std::size_t k_audit_actions = static_cast<std::size_t>(audit_action::other) + 1;
using event_classes = std::array<std::uint16_t, k_event_kinds>;
static_assert(k_audit_actions <= 16, "event_classes holds an action bit per kind in 16 bits");
inline constexpr std::size_t k_event_classes = k_event_kinds * k_audit_actions;

/// The class number of an event: kind × action.
inline std::size_t event_class(const normalized_event& ev) noexcept {
  return static_cast<std::size_t>(ev.kind) * k_audit_actions + static_cast<std::size_t>(ev.action);
}

/// The stateful part of a rule's detection.
enum class stateful_kind : std::uint8_t {
  none,
  event_count,       ///< ≥ N events per key within T
  value_count,       ///< ≥ N distinct values of a field per key within T
  value_sum,         ///< sum of a number field per key within T ≥ N
  temporal,          ///< every step matched for the key within T, any order
  temporal_ordered,  ///< the steps matched for the key in order within T
  baseline,          ///< hourly count/sum per key far above its own EWMA baseline
  first_seen,        ///< a value of a field new for the key after a learning period
};

/// `temporal` or `temporal_ordered`: the rule detects through steps, not a `where`.
inline bool is_correlation(stateful_kind k) noexcept {
  return k == stateful_kind::temporal || k == stateful_kind::temporal_ordered;
}

/// A rule to run on events of one class, with what is left of its `where` there: the
/// conjuncts the class does not decide (`rule_set::residual[first, first + count)`, all
/// must hold; none for a rule whose `where` the class alone satisfies). For a
/// correlation, `first` and `count` select its steps in `rule_set::class_steps`.
struct class_rule {
  std::uint32_t rule = 0;
  std::uint32_t first = 0;
  std::uint32_t count = 0;
  /// The rule's `stateful`, here so that an event its residual rejects reads nothing of
  /// the (large) compiled rule.
  stateful_kind stateful = stateful_kind::none;
  /// When non-zero, the residual cannot hold unless one of the pattern requirements
  /// `rule_set::needs[needs_first, needs_first + needs_count)` is met (`classify_rules`);
  /// the first `cheap` conjuncts, which read no pattern, are tested before that.
  std::uint8_t needs_count = 0;
  std::uint8_t cheap = 0;
  std::uint32_t needs_first = 0;
  /// The rule's exceptions as they stand on the class, cheapest first: any of the nodes
  /// `rule_set::class_exceptions[exceptions_first, exceptions_first + exceptions_count)`
  /// holding silences the event (one that the class alone satisfies is an `always` node).
  std::uint32_t exceptions_first = 0;
  std::uint32_t exceptions_count = 0;
};
/// Leaves of one Hyperscan database of which at least one must match: bit i stands for
/// the database's `leaves[i]`. Most events match no pattern, and checking what a scan
/// found is far cheaper than walking a condition tree down to its pattern leaves.
struct pattern_need {
  std::uint32_t database = 0;
  std::uint64_t leaves = 0;
};

/// A correlation step on one event class. A macro step holds when `possible` and the
/// conjuncts `residual[first, first + count)` hold; a step naming a rule holds when that
/// rule detected on the event.
struct class_step {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
  int rule = -1;  ///< the step's `correlation_step::rule`, here so a miss reads nothing else
  bool possible = true;
};

/// One Hyperscan database: every pattern of the set on one field.
struct field_database {
  field_id field = field_id::user_id;
  hs_database* db = nullptr;
  std::size_t patterns = 0;
  std::vector<std::uint32_t> leaves;  ///< the leaf ids its patterns report, ascending
};

/// Steps a correlation may have.
inline constexpr std::size_t k_max_correlation_steps = 8;

/// A step of a correlation (`temporal`, `temporal_ordered`): another rule of the load
/// (it "matches" when it detects: each matching event for a stateless rule, each time
/// the threshold is crossed for a stateful one) or a macro evaluated on each event.
struct correlation_step {
  std::string name;             ///< as written: a rule id or a macro name
  int rule = -1;                ///< index of the referenced rule, or -1 for a macro
  std::uint32_t condition = 0;  ///< macro: root node
  std::vector<field_id> by;     ///< the correlation key read from this step's events
};

/// Slot layouts of `baseline` (Asia/Macau hours).
enum class baseline_slots : std::uint8_t {
  hour_of_week,  ///< 168 slots: weekday × hour
  hour_of_day,   ///< 48 slots: hour × {Monday–Friday, Saturday–Sunday}
};

/// A message template piece: literal text, or a placeholder.
struct message_part {
  enum class kind : std::uint8_t { text, field, count, window, rule_id, rule_name, expected };
  kind what = kind::text;
  std::string text;
  field_id field = field_id::user_id;
};

/// An event in a rule's embedded test: raw DingTalk JSON or normalized fields.
struct test_event {
  std::string json;  ///< raw record when non-empty
  std::vector<std::pair<field_id, std::string>> fields;
  int repeat = 1;
  std::int64_t every_ms = 1000;
  source_location where;
};

/// One embedded test: input events → expected alerts.
struct rule_test {
  std::string name;
  std::vector<test_event> events;
  std::optional<int> expect_count;  ///< `expect: N`
  /// `expect: [{field: value …}]`: one map per expected alert, in order.
  std::vector<std::vector<std::pair<std::string, std::string>>> expect_alerts;
  source_location where;
};

/// One compiled rule.
struct compiled_rule {
  std::string id;
  std::string name;
  std::string description;
  dingwatch::family family = family::anomalous_access;
  dingwatch::severity severity = severity::medium;
  int version = 1;
  std::vector<std::string> pdpa;
  std::string mitre;
  source_location where;

  std::uint32_t condition = 0;           ///< root node of `detection.where`
  std::vector<std::uint32_t> exceptions;  ///< roots; any true silences the event

  stateful_kind stateful = stateful_kind::none;
  std::vector<field_id> by;        ///< grouping key
  field_id value_field = field_id::user_id;  ///< value_count: the field counted distinct
  std::int64_t within_ms = 0;
  std::int64_t threshold = 1;
  std::size_t max_keys = 100'000;  ///< cap on tracked keys per shard (LRU beyond)
  std::string within_text;         ///< as written, for messages

  bool generate = true;  ///< false: a building block that only feeds correlations
  /// The event classes on which the rule can detect: a correlation, those of its steps
  /// (computed by `classify_rules`).
  event_classes admits{};

  // value_count / value_sum / first_seen read `value_field`; baseline sums it when
  // `baseline_sum`, else counts events.
  std::vector<correlation_step> steps;  ///< temporal, temporal_ordered
  baseline_slots slots = baseline_slots::hour_of_week;
  bool baseline_sum = false;
  double alpha = 0.2;            ///< EWMA weight of the newest bucket
  double z = 0;                  ///< 0: no z-score test
  double ratio = 0;              ///< 0: no ratio test
  double min_value = 1;          ///< the bucket must reach this much to fire
  std::int64_t warmup_ms = 0;    ///< baseline: key age before firing
  /// baseline `new_keys: quiet`: a key first seen once the rule has watched for
  /// `warmup_ms` starts warm, from a history of zeros.
  bool quiet_new_keys = false;
  std::int64_t learn_ms = 0;     ///< first_seen: key age before new values alert
  std::size_t max_values = 32;   ///< first_seen: remembered values per key
  /// first_seen `teach`: events meeting this node (a child of `condition`) add their
  /// `teach_field` to the key's set without alerting.
  std::optional<std::uint32_t> teach;
  field_id teach_field = field_id::user_id;
  // (`within_ms` is the TTL of idle keys for every kind, and of values for first_seen.)

  std::int64_t suppress_ms = 0;  ///< 0: no suppression
  std::vector<field_id> suppress_by;

  std::vector<message_part> message;
  std::vector<field_id> evidence;  ///< fields the rule reads, quoted (masked) in alerts
  std::vector<rule_test> tests;

  /// Hash of everything that shapes the rule's detection state: its conditions (macros
  /// expanded, patterns and validators included), exceptions, stateful part, key fields,
  /// suppression, the fingerprints of the rules its steps reference, and the holiday
  /// calendar when it reads it. Name, severity, message, description and tests are not
  /// part of it: editing those keeps the rule's state across a reload.
  std::uint64_t fingerprint = 0;
};

/// A Macau public holiday of the calendar.
struct holiday_entry {
  std::int32_t day = 0;  ///< days since 1970-01-01 (Macau date)
  std::string name;
};

/// A compiled, immutable rule set.
class rule_set {
 public:
  rule_set() = default;
  ~rule_set();
  rule_set(const rule_set&) = delete;
  rule_set& operator=(const rule_set&) = delete;

  std::vector<cond_node> nodes;
  std::vector<compiled_rule> rules;
  std::vector<field_database> databases;
  std::uint32_t leaf_count = 0;
  /// Per leaf id: what it was compiled from (validators are read from here per match).
  std::vector<leaf_patterns> leaves;
  /// The holiday calendar, sorted by day, no duplicates.
  std::vector<holiday_entry> holidays;
  /// Database index per field_id, or -1 when no pattern reads that field.
  std::vector<int> database_of_field;
  /// Rule numbers in evaluation order: a rule a correlation references runs before it.
  std::vector<std::uint32_t> order;
  /// Per event class: the rules that admit it, in evaluation order (`classify_rules`).
  std::array<std::vector<class_rule>, k_event_classes> by_class;
  /// Condition nodes the classes leave to test (see `class_rule`, `class_step`).
  std::vector<std::uint32_t> residual;
  /// `nodes[0, source_nodes)` are the rules' conditions; the rest were built for event
  /// classes by `classify_rules` (what is left of an `any` or `not` on a class).
  std::size_t source_nodes = 0;
  /// Correlation steps per event class (see `class_rule`).
  std::vector<class_step> class_steps;
  /// Exceptions of the rules per event class (see `class_rule::exceptions_first`).
  std::vector<std::uint32_t> class_exceptions;
  /// Pattern requirements of the rules per event class (see `class_rule::needs_count`).
  std::vector<pattern_need> needs;

  /// Whether Macau day `day` (days since 1970-01-01) is a holiday of the calendar.
  [[nodiscard]] bool is_holiday(std::int64_t day) const noexcept;
  /// Whether the Macau date of `epoch_ms` is Monday–Friday and not a holiday.
  [[nodiscard]] bool is_workday(std::int64_t epoch_ms) const noexcept;
  /// `order`, or every rule in turn when `order` was not filled (sets built by hand).
  [[nodiscard]] std::vector<std::uint32_t> evaluation_order() const;
  /// The index of rule `id`, or -1.
  [[nodiscard]] int find_rule(std::string_view id) const noexcept;
};

/// Per node: its own weight (`own`) plus its children's, a node shared by several parents
/// (a macro) counted at every use as if expanded, saturating at `cap`; computed once per
/// node. With weight 1 it is the number of tests once macros are expanded.
std::vector<std::uint64_t> expanded_weights(const rule_set& set, std::uint64_t cap,
                                            std::uint64_t (*own)(const cond_node&));

/// Fills every rule's `admits` from its conditions (`event.kind` / `event.action` tests
/// narrow it; anything else may hold on any class), then `by_class` and `residual`: each
/// condition partially evaluated per class (what the class decides folds away, `any`
/// keeps the alternatives the class admits), so a rule that cannot hold on a class is not
/// listed for it; the exceptions likewise (`class_exceptions`); and what each residual
/// needs some pattern to match for (`needs`).
/// Needs `order` and the databases; may append nodes.
void classify_rules(rule_set& set);

/// Fills every rule's `fingerprint` (rules in `order` first, so a correlation can
/// include the rules it references). The loader calls it once the set is complete.
void compute_fingerprints(rule_set& set);

}  // namespace dingwatch::rules
