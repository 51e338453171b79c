#include "dingwatch/detectors/rules/rule_set.hpp"

#include <algorithm>
#include <bit>
#include <optional>
#include <span>
#include <tuple>

#include "dingwatch/core/event.hpp"
#include "dingwatch/core/time.hpp"

namespace dingwatch::rules {

namespace {

constexpr std::int64_t k_day_ms = 86'400'000;

std::int64_t macau_day(std::int64_t epoch_ms) noexcept {
  const std::int64_t t = epoch_ms + k_macau_offset_ms;
  return t >= 0 ? t / k_day_ms : (t - k_day_ms + 1) / k_day_ms;
}

/// FNV-1a over the bytes of the values mixed in, with a separator after each, so that
/// ("ab", "c") and ("a", "bc") differ.
class hasher {
 public:
  hasher& text(std::string_view s) noexcept {
    h_ = fnv1a(s, h_);
    return byte(0xff);
  }
  hasher& number(std::uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) byte(static_cast<std::uint8_t>(v >> (8 * i)));
    return byte(0xfe);
  }
  hasher& real(double v) noexcept { return number(std::bit_cast<std::uint64_t>(v)); }
  [[nodiscard]] std::uint64_t value() const noexcept { return h_; }

 private:
  hasher& byte(std::uint8_t b) noexcept {
    h_ = (h_ ^ b) * 1099511628211ull;
    return *this;
  }
  std::uint64_t h_ = 14695981039346656037ull;
};

/// What a rule's state depends on, for `fingerprint`.
class rule_hasher {
 public:
  explicit rule_hasher(const rule_set& set) : set_(set) {
    for (const auto& d : set.holidays) calendar_.number(static_cast<std::uint64_t>(d.day));
  }

  std::uint64_t operator()(const compiled_rule& r) {
    hasher h;
    reads_calendar_ = r.stateful == stateful_kind::baseline && r.slots == baseline_slots::hour_of_day;
    h.number(static_cast<std::uint64_t>(r.stateful));
    if (!is_correlation(r.stateful))
      node(h, r.condition);
    h.number(r.exceptions.size());
    for (auto e : r.exceptions) node(h, e);
    fields(h, r.by);
    h.number(static_cast<std::uint64_t>(r.value_field)).number(static_cast<std::uint64_t>(r.within_ms));
    h.number(static_cast<std::uint64_t>(r.threshold)).number(r.max_keys);
    h.number(r.steps.size());
    for (const auto& st : r.steps) {
      h.text(st.name);
      if (st.rule >= 0) h.number(set_.rules[static_cast<std::size_t>(st.rule)].fingerprint);
      else node(h, st.condition);
      fields(h, st.by);
    }
    h.number(static_cast<std::uint64_t>(r.slots)).number(r.baseline_sum ? 1 : 0);
    h.real(r.alpha).real(r.z).real(r.ratio).real(r.min_value);
    h.number(static_cast<std::uint64_t>(r.warmup_ms)).number(static_cast<std::uint64_t>(r.learn_ms));
    h.number(r.max_values).number(static_cast<std::uint64_t>(r.suppress_ms));
    // The teaching condition is hashed with `condition`, whose second alternative it is.
    if (r.teach) h.number(static_cast<std::uint64_t>(r.teach_field));
    fields(h, r.suppress_by);
    if (reads_calendar_) h.number(calendar_.value());
    return h.value();
  }

 private:
  static void fields(hasher& h, const std::vector<field_id>& list) {
    h.number(list.size());
    for (auto f : list) h.number(static_cast<std::uint64_t>(f));
  }

  void node(hasher& h, std::uint32_t index) {
    const cond_node& n = set_.nodes[index];
    h.number(static_cast<std::uint64_t>(n.kind)).number(static_cast<std::uint64_t>(n.field));
    switch (n.kind) {
      case cond_kind::all:
      case cond_kind::any:
      case cond_kind::negate:
        h.number(n.children.size());
        for (auto c : n.children) node(h, c);
        break;
      case cond_kind::str_in:
      case cond_kind::cidr:  // the CIDRs as written
        h.number(n.strings.size());
        for (const auto& s : n.strings) h.text(s);
        break;
      case cond_kind::num_in:
      case cond_kind::num_cmp:
        h.number(static_cast<std::uint64_t>(n.cmp)).number(n.numbers.size());
        for (auto v : n.numbers) h.real(v);
        break;
      case cond_kind::pattern: {
        const leaf_patterns& p = set_.leaves[n.leaf];
        h.number(p.flags).number(static_cast<std::uint64_t>(p.check.kind)).real(p.check.min).real(p.check.max);
        h.number(p.expressions.size());
        for (const auto& e : p.expressions) h.text(e);
        break;
      }
      case cond_kind::hour_between: h.number(static_cast<std::uint64_t>(n.from)).number(static_cast<std::uint64_t>(n.to)); break;
      case cond_kind::weekday_in: h.number(n.mask); break;
      case cond_kind::enum_in: h.number(n.bits); break;
      case cond_kind::holiday:
      case cond_kind::workday: reads_calendar_ = true; [[fallthrough]];
      case cond_kind::exists: h.number(n.want ? 1 : 0); break;
      case cond_kind::always: break;
    }
  }

  const rule_set& set_;
  hasher calendar_;
  bool reads_calendar_ = false;
};

/// The event classes on which a condition can hold, and whether that is exact (the
/// condition reads nothing but the event's kind and action) or an over-approximation.
struct class_bound {
  event_classes classes{};
  bool exact = true;
};

constexpr std::uint16_t k_every_action = (1u << k_audit_actions) - 1;

class_bound every_class(bool exact) {
  class_bound b;
  b.classes.fill(k_every_action);
  b.exact = exact;
  return b;
}

class_bound bound_of(const rule_set& set, std::uint32_t index) {
  const cond_node& n = set.nodes[index];
  switch (n.kind) {
    case cond_kind::always: return every_class(true);
    case cond_kind::all:
    case cond_kind::any: {
      const bool all = n.kind == cond_kind::all;
      class_bound b = every_class(true);
      if (!all) b.classes.fill(0);
      for (auto c : n.children) {
        const class_bound x = bound_of(set, c);
        for (std::size_t k = 0; k < k_event_kinds; ++k)
          b.classes[k] = all ? (b.classes[k] & x.classes[k]) : (b.classes[k] | x.classes[k]);
        b.exact = b.exact && x.exact;
      }
      return b;
    }
    case cond_kind::negate: {
      class_bound b = bound_of(set, n.children[0]);
      if (!b.exact) return every_class(false);
      for (auto& a : b.classes) a = static_cast<std::uint16_t>(~a & k_every_action);
      return b;
    }
    case cond_kind::enum_in: {
      if (n.field == field_id::event_kind) {
        class_bound b;
        for (std::size_t k = 0; k < k_event_kinds; ++k)
          b.classes[k] = (n.bits >> k) & 1u ? k_every_action : 0;
        return b;
      }
      if (n.field == field_id::event_action) {
        class_bound b;
        b.classes.fill(static_cast<std::uint16_t>(n.bits & k_every_action));
        return b;
      }
      return every_class(false);
    }
    default: return every_class(false);
  }
}

bool admitted(const event_classes& c, std::size_t cls) noexcept {
  return ((c[cls / k_audit_actions] >> (cls % k_audit_actions)) & 1u) != 0;
}

/// What is left of a condition on events of one class: it holds on every such event,
/// on none, or when `node` (the condition, or a narrower node built for the class) holds.
struct residual_node {
  enum { holds, fails, test } what = test;
  std::uint32_t node = 0;
};

/// What `specialize` made of each source node for the class at hand: a macro used in
/// several places is specialized (and its narrower node built) once per class.
using specialized = std::vector<std::optional<residual_node>>;
residual_node specialize_once(rule_set& set, std::uint32_t index, std::size_t cls, specialized& done);

/// Partially evaluates condition `index` for class `cls`: conditions the class decides
/// (exact bounds) fold away, `any` keeps only the alternatives the class admits, and
/// a changed `all` / `any` / `not` becomes a new node appended to `set.nodes`.
residual_node specialize(rule_set& set, std::uint32_t index, std::size_t cls, specialized& done) {
  if (done[index]) return *done[index];
  const residual_node r = specialize_once(set, index, cls, done);
  done[index] = r;
  return r;
}

residual_node specialize_once(rule_set& set, std::uint32_t index, std::size_t cls, specialized& done) {
  const class_bound b = bound_of(set, index);
  if (!admitted(b.classes, cls)) return {residual_node::fails};
  if (b.exact) return {residual_node::holds};
  const cond_kind kind = set.nodes[index].kind;
  const std::vector<std::uint32_t> children = set.nodes[index].children;  // nodes may grow below
  const auto build = [&](cond_kind k, std::vector<std::uint32_t> kids) {
    if (kids == children) return residual_node{residual_node::test, index};
    cond_node n;
    n.kind = k;
    n.children = std::move(kids);
    set.nodes.push_back(std::move(n));
    return residual_node{residual_node::test, static_cast<std::uint32_t>(set.nodes.size() - 1)};
  };
  switch (kind) {
    case cond_kind::all:
    case cond_kind::any: {
      const bool all = kind == cond_kind::all;
      std::vector<std::uint32_t> kept;
      for (const auto c : children) {
        const residual_node r = specialize(set, c, cls, done);
        if (r.what == residual_node::test) kept.push_back(r.node);
        else if ((r.what == residual_node::holds) != all) return r;  // decides the whole node
      }
      if (kept.empty()) return {all ? residual_node::holds : residual_node::fails};
      if (kept.size() == 1) return {residual_node::test, kept[0]};
      return build(kind, std::move(kept));
    }
    case cond_kind::negate: {
      const residual_node r = specialize(set, children[0], cls, done);
      if (r.what == residual_node::holds) return {residual_node::fails};
      if (r.what == residual_node::fails) return {residual_node::holds};
      return build(kind, {r.node});
    }
    default: return {residual_node::test, index};
  }
}

/// The conjuncts of condition `index` left to test on class `cls`, appended to
/// `set.residual` (an `all` opens up); false when the condition cannot hold there.
bool collect_residual(rule_set& set, std::uint32_t index, std::size_t cls, specialized& done) {
  const residual_node r = specialize(set, index, cls, done);
  if (r.what != residual_node::test) return r.what == residual_node::holds;
  if (set.nodes[r.node].kind != cond_kind::all) {
    set.residual.push_back(r.node);
    return true;
  }
  const std::vector<std::uint32_t> conjuncts = set.nodes[r.node].children;
  set.residual.insert(set.residual.end(), conjuncts.begin(), conjuncts.end());
  return true;
}

/// A rough cost of testing a node by itself: a pattern may cost a Hyperscan scan of its
/// field (hundreds of instructions, a dozen cache misses), a CIDR test an address parse,
/// a string list a binary search; most other tests read one field of the event.
constexpr std::uint64_t k_pattern_cost = 64;
std::uint64_t own_test_cost(const cond_node& n) {
  switch (n.kind) {
    case cond_kind::pattern: return k_pattern_cost;
    case cond_kind::cidr: return 8;
    case cond_kind::str_in: return 2;
    default: return 1;
  }
}

/// Leaves of which at least one must match for all of `conjuncts` to hold (the fewest any
/// one conjunct needs), or nothing when they may hold with no pattern matching.
std::optional<std::vector<std::uint32_t>> needed_leaves(const rule_set& set, std::span<const std::uint32_t> conjuncts);

/// The same for one node.
std::optional<std::vector<std::uint32_t>> needed_leaves(const rule_set& set, std::uint32_t index) {
  const cond_node& n = set.nodes[index];
  switch (n.kind) {
    case cond_kind::pattern: return std::vector<std::uint32_t>{n.leaf};
    case cond_kind::all: return needed_leaves(set, n.children);
    case cond_kind::any: {
      std::vector<std::uint32_t> leaves;
      for (const auto c : n.children) {
        const auto x = needed_leaves(set, c);
        if (!x) return std::nullopt;  // this alternative may hold without a pattern
        leaves.insert(leaves.end(), x->begin(), x->end());
      }
      return leaves;
    }
    default: return std::nullopt;
  }
}

std::optional<std::vector<std::uint32_t>> needed_leaves(const rule_set& set, std::span<const std::uint32_t> conjuncts) {
  std::optional<std::vector<std::uint32_t>> best;
  for (const auto c : conjuncts)
    if (auto x = needed_leaves(set, c); x && (!best || x->size() < best->size())) best = std::move(x);
  return best;
}

/// `leaves` as one requirement per database, appended to `set.needs`; how many were
/// appended (0 when a database has too many leaves for a 64-bit mask, or more than 255
/// databases would be needed: no requirement then).
std::uint8_t append_needs(rule_set& set, const std::vector<std::uint32_t>& leaves) {
  const std::size_t first = set.needs.size();
  const auto give_up = [&] {
    set.needs.resize(first);
    return std::uint8_t{0};
  };
  for (const auto leaf : leaves) {
    const auto field = static_cast<std::size_t>(set.leaves[leaf].field);
    const int db = field < set.database_of_field.size() ? set.database_of_field[field] : -1;
    if (db < 0) return give_up();
    const auto database = static_cast<std::uint32_t>(db);
    const std::vector<std::uint32_t>& ids = set.databases[database].leaves;
    const auto at = std::lower_bound(ids.begin(), ids.end(), leaf);
    if (ids.size() > 64 || at == ids.end() || *at != leaf || set.needs.size() - first >= 255) return give_up();
    auto need = std::find_if(set.needs.begin() + static_cast<std::ptrdiff_t>(first), set.needs.end(),
                             [&](const pattern_need& x) { return x.database == database; });
    if (need == set.needs.end()) need = set.needs.insert(need, pattern_need{database, 0});
    need->leaves |= std::uint64_t{1} << (at - ids.begin());
  }
  return static_cast<std::uint8_t>(set.needs.size() - first);
}

}  // namespace

std::vector<std::uint64_t> expanded_weights(const rule_set& set, std::uint64_t cap,
                                            std::uint64_t (*own)(const cond_node&)) {
  std::vector<std::uint64_t> weight(set.nodes.size(), 0);  // 0: not yet counted
  const auto of = [&](auto&& self, std::uint32_t index) -> std::uint64_t {
    if (weight[index] != 0) return weight[index];
    const cond_node& n = set.nodes[index];
    std::uint64_t w = std::min(cap, std::max<std::uint64_t>(own(n), 1));
    for (const auto child : n.children) w = std::min(cap, w + self(self, child));
    return weight[index] = w;
  };
  for (std::uint32_t i = 0; i < set.nodes.size(); ++i) of(of, i);
  return weight;
}

void classify_rules(rule_set& set) {
  const auto classify = [&](compiled_rule& r) {
    if (!is_correlation(r.stateful)) {
      r.admits = bound_of(set, r.condition).classes;
      return;
    }
    r.admits.fill(0);  // a correlation runs when one of its steps matches
    for (const auto& st : r.steps) {
      const event_classes step = st.rule >= 0 ? set.rules[static_cast<std::size_t>(st.rule)].admits
                                              : bound_of(set, st.condition).classes;
      for (std::size_t k = 0; k < k_event_kinds; ++k) r.admits[k] |= step[k];
    }
  };
  const std::vector<std::uint32_t> order = set.evaluation_order();
  for (const auto i : order) classify(set.rules[i]);

  // Nodes built for classes by an earlier call go: the set is classified afresh.
  if (set.source_nodes == 0) set.source_nodes = set.nodes.size();
  set.nodes.resize(set.source_nodes);
  set.residual.clear();
  set.class_steps.clear();
  set.class_exceptions.clear();
  const auto always = static_cast<std::uint32_t>(set.nodes.size());
  set.nodes.emplace_back();  // cond_kind::always: an exception the class alone satisfies
  for (std::size_t cls = 0; cls < k_event_classes; ++cls) {
    specialized done(set.nodes.size());  // nodes built for this class are never specialized
    auto& list = set.by_class[cls];
    list.clear();
    for (const auto i : order) {
      const compiled_rule& r = set.rules[i];
      if (!admitted(r.admits, cls)) continue;
      const auto first = static_cast<std::uint32_t>(set.residual.size());
      class_rule cr{.rule = i, .first = first, .count = 0, .stateful = r.stateful};
      if (!is_correlation(r.stateful)) {
        if (!collect_residual(set, r.condition, cls, done)) {
          set.residual.resize(first);
          continue;
        }
        cr.count = static_cast<std::uint32_t>(set.residual.size()) - first;
      } else {
        cr.first = static_cast<std::uint32_t>(set.class_steps.size());
        cr.count = static_cast<std::uint32_t>(r.steps.size());
      }
      cr.exceptions_first = static_cast<std::uint32_t>(set.class_exceptions.size());
      for (const auto e : r.exceptions) {
        const residual_node x = specialize(set, e, cls, done);
        if (x.what != residual_node::fails) set.class_exceptions.push_back(x.what == residual_node::holds ? always : x.node);
      }
      cr.exceptions_count = static_cast<std::uint32_t>(set.class_exceptions.size()) - cr.exceptions_first;
      list.push_back(cr);
      if (!is_correlation(r.stateful)) continue;
      for (const auto& st : r.steps) {
        class_step cs;
        cs.rule = st.rule;
        if (st.rule < 0) {
          cs.first = static_cast<std::uint32_t>(set.residual.size());
          cs.possible = collect_residual(set, st.condition, cls, done);
          cs.count = static_cast<std::uint32_t>(set.residual.size()) - cs.first;
        }
        set.class_steps.push_back(cs);
      }
    }
  }

  // Conditions tested together (conjuncts, alternatives) run cheapest first: they have no
  // side effects, so only the work done before one decides changes.
  const std::vector<std::uint64_t> cost = expanded_weights(set, 1u << 30, own_test_cost);
  const auto cheapest_first = [&](std::vector<std::uint32_t>::iterator first, std::vector<std::uint32_t>::iterator last) {
    std::stable_sort(first, last, [&](std::uint32_t a, std::uint32_t b) { return cost[a] < cost[b]; });
  };
  for (auto& n : set.nodes)
    if (n.kind == cond_kind::all || n.kind == cond_kind::any) cheapest_first(n.children.begin(), n.children.end());
  const auto range = [&](std::uint32_t first, std::uint32_t count) {
    const auto begin = set.residual.begin() + first;
    cheapest_first(begin, begin + count);
  };
  for (const auto& list : set.by_class)
    for (const auto& cr : list) {
      if (!is_correlation(cr.stateful)) range(cr.first, cr.count);
      const auto begin = set.class_exceptions.begin() + cr.exceptions_first;
      cheapest_first(begin, begin + cr.exceptions_count);
    }
  for (const auto& cs : set.class_steps)
    if (cs.rule < 0) range(cs.first, cs.count);

  set.needs.clear();
  for (auto& list : set.by_class)
    for (auto& cr : list) {
      if (is_correlation(cr.stateful)) continue;
      const auto conjuncts = std::span(set.residual).subspan(cr.first, cr.count);
      const auto leaves = needed_leaves(set, conjuncts);
      if (!leaves) continue;
      cr.needs_first = static_cast<std::uint32_t>(set.needs.size());
      cr.needs_count = append_needs(set, *leaves);
      // The conjuncts cheaper than any pattern (none holds one) come before the needs: a
      // scan is not worth forcing for an event they reject anyway.
      while (cr.cheap < 255 && cr.cheap < cr.count && cost[conjuncts[cr.cheap]] < k_pattern_cost) ++cr.cheap;
    }
}

bool rule_set::is_holiday(std::int64_t day) const noexcept {
  const auto it = std::lower_bound(holidays.begin(), holidays.end(), day,
                                   [](const holiday_entry& h, std::int64_t d) { return h.day < d; });
  return it != holidays.end() && it->day == day;
}

bool rule_set::is_workday(std::int64_t epoch_ms) const noexcept {
  const int wd = to_civil(epoch_ms, k_macau_offset_ms).weekday;
  return wd != 0 && wd != 6 && !is_holiday(macau_day(epoch_ms));
}

std::vector<std::uint32_t> rule_set::evaluation_order() const {
  if (order.size() == rules.size()) return order;
  std::vector<std::uint32_t> all(rules.size());
  for (std::uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  return all;
}

int rule_set::find_rule(std::string_view id) const noexcept {
  for (std::size_t i = 0; i < rules.size(); ++i)
    if (rules[i].id == id) return static_cast<int>(i);
  return -1;
}

void compute_fingerprints(rule_set& set) {
  rule_hasher hash(set);
  for (const auto i : set.evaluation_order()) set.rules[i].fingerprint = hash(set.rules[i]);  // referenced rules first
}

}  // namespace dingwatch::rules
