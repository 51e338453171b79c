#include "dingwatch/detectors/rules/engine.hpp"

#include <fmt/format.h>
#include <hs/hs.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "dingwatch/core/mask.hpp"
#include "dingwatch/core/time.hpp"
#include "dingwatch/detectors/rules/reloader.hpp"

namespace dingwatch::rules {

namespace {

constexpr std::int64_t k_hour_ms = 3'600'000;
constexpr std::uint16_t k_unobserved = 0xFFFF;
constexpr std::size_t k_hits_per_step = 8;
constexpr std::int64_t k_sum_buckets = 60;

/// Baseline values are stored as 16-bit codes on a log scale: code = 1024·log2(1 + v),
/// so every code step is a ratio of 2^(1/1024) (±0.034 % rounding) and the range runs
/// to 1.8e19. 0xFFFF marks a slot never observed.
std::uint16_t encode(double v) noexcept {
  if (!(v > 0)) return 0;
  const double c = std::round(1024.0 * std::log2(1.0 + v));
  return static_cast<std::uint16_t>(std::min(c, 65534.0));
}
double decode(std::uint16_t c) noexcept { return std::exp2(c / 1024.0) - 1.0; }

/// The time windows and suppression go by: the event's own, else when it was received.
std::int64_t event_time(const normalized_event& ev) noexcept {
  return ev.ts_ms != k_absent ? ev.ts_ms : ev.ingest_ms;
}

std::size_t slot_count(baseline_slots s) noexcept {
  return s == baseline_slots::hour_of_week ? 168 : 48;
}
/// Macau-local hour index since the epoch.
std::int64_t local_hour(std::int64_t ts) noexcept {
  const std::int64_t t = ts + k_macau_offset_ms;
  return t >= 0 ? t / k_hour_ms : (t - k_hour_ms + 1) / k_hour_ms;
}
int weekday_of(std::int64_t hour) noexcept {  // 0 = Sunday; 1970-01-01 was a Thursday
  const std::int64_t day = hour >= 0 ? hour / 24 : (hour - 23) / 24;
  return static_cast<int>(((day + 4) % 7 + 7) % 7);
}
std::int64_t day_of(std::int64_t hour) noexcept { return hour >= 0 ? hour / 24 : (hour - 23) / 24; }
/// `hour_of_day` puts public holidays with Saturdays and Sundays: people work like it.
bool off_day(const rule_set& set, std::int64_t hour) noexcept {
  const int wd = weekday_of(hour);
  return wd == 0 || wd == 6 || set.is_holiday(day_of(hour));
}
/// The hour of the (Macau) day, 0–23.
std::size_t hour_of_day(std::int64_t hour) noexcept { return static_cast<std::size_t>(((hour % 24) + 24) % 24); }
/// The first slot of the day containing `hour`; the hour's slot is that plus its hour of day.
std::size_t day_slot(const rule_set& set, baseline_slots s, std::int64_t hour) noexcept {
  if (s == baseline_slots::hour_of_week) return static_cast<std::size_t>(weekday_of(hour)) * 24;
  return off_day(set, hour) ? 24 : 0;
}
std::size_t slot_of(const rule_set& set, baseline_slots s, std::int64_t hour) noexcept {
  return day_slot(set, s, hour) + hour_of_day(hour);
}
std::string slot_name(const rule_set& set, baseline_slots s, std::int64_t hour) {
  static constexpr std::string_view k_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  const std::size_t h = hour_of_day(hour);
  const int wd = weekday_of(hour);
  if (s == baseline_slots::hour_of_week) return fmt::format("{} {:02}:00", k_days[wd], h);
  return fmt::format("{} {:02}:00", off_day(set, hour) ? "weekend" : "weekday", h);
}
/// EWMA update of one slot (Finch 2009: incremental mean and variance).
void fold(std::uint16_t* slot, double x, double alpha) noexcept {
  if (slot[0] == k_unobserved) {
    slot[0] = encode(x);
    slot[1] = 0;
    return;
  }
  double m = decode(slot[0]);
  const double sd = decode(slot[1]);
  double var = sd * sd;
  const double diff = x - m;
  const double incr = alpha * diff;
  m += incr;
  var = (1 - alpha) * (var + diff * incr);
  slot[0] = encode(m);
  slot[1] = encode(std::sqrt(std::max(var, 0.0)));
}
/// The total above which an hour is over a slot of mean `mean` and deviation `sigma`:
/// the lower of `mean + z·σ` and `ratio × mean`, of those the rule tests.
double over_bar(double mean, double sigma, const compiled_rule& r) noexcept {
  double bar = std::numeric_limits<double>::infinity();
  if (r.z > 0) bar = std::min(bar, mean + r.z * sigma);
  if (r.ratio > 0) bar = std::min(bar, r.ratio * mean);
  return bar;
}
/// The share of the previous hour's total that counts towards the trailing hour at
/// second `s` of this one: its events spanned seconds [first, last] of it and are taken
/// as spread evenly over that span, of which [s, last] lies within the last 60 minutes.
double trailing_share(std::uint16_t first, std::uint16_t last, std::uint16_t s) noexcept {
  if (last < s) return 0;
  if (first >= s) return 1;
  return static_cast<double>(last - s) / (last - first);
}
/// `k` quiet hours of one slot at once: what `k` calls of `fold(slot, 0, alpha)` compute,
/// in closed form (one decode and encode instead of k). With d = (1 − α)^k a zero decays
/// the mean m to d·m and the variance v to d·(v + m²·(1 − d)).
void fold_zeros(std::uint16_t* slot, std::uint32_t k, double alpha) noexcept {
  // Zeros make a slot (0, 0) and keep it there; the first one does it to an unobserved slot.
  if (slot[0] == k_unobserved || (slot[0] == 0 && slot[1] == 0)) {
    slot[0] = slot[1] = 0;
    return;
  }
  const double m = decode(slot[0]);
  const double sd = decode(slot[1]);
  const double d = std::pow(1 - alpha, static_cast<double>(k));
  slot[0] = encode(d * m);
  slot[1] = encode(std::sqrt(std::max(d * (sd * sd + m * m * (1 - d)), 0.0)));
}
/// Folds a zero into every slot once per hour of [from, to): counts the hours per slot a
/// Macau day at a time (its kind looked up once), then folds each slot's count at once.
void fold_quiet_hours(const rule_set& set, baseline_slots s, std::vector<std::uint16_t>& slots,
                      std::int64_t from, std::int64_t to, double alpha) {
  std::array<std::uint32_t, 168> hours{};
  for (std::int64_t h = from; h < to;) {
    const std::int64_t day_end = (day_of(h) + 1) * 24;
    std::uint32_t* slot = &hours[day_slot(set, s, h) + hour_of_day(h)];
    for (; h < std::min(to, day_end); ++h) ++*slot++;
  }
  for (std::size_t i = 0; i < slot_count(s); ++i)
    if (hours[i] > 0) fold_zeros(&slots[2 * i], hours[i], alpha);
}
/// After an event of a rule: its keys idle since before `cutoff_ms` expire, then the
/// coldest go until `cap` remain, each counted on the rule.
template <typename V>
void age(key_table<V>& table, rule_counters& c, std::int64_t cutoff_ms, std::size_t cap) noexcept {
  c.expired.add(table.expire(cutoff_ms));
  c.evicted.add(table.trim(cap));
}

std::string number_text(double v) {
  if (std::fabs(v) < 9e15) return fmt::format("{}", std::llround(v));
  return fmt::format("{:.4g}", v);
}
/// A baseline statistic: stored with ±0.034 % precision, shown with 3 significant digits.
std::string estimate_text(double v) {
  if (v >= 1000) {
    const double unit = std::pow(10.0, std::floor(std::log10(v)) - 2);
    v = std::round(v / unit) * unit;
  } else if (v >= 10) {
    v = std::round(v);
  } else {
    return fmt::format("{:.3g}", v);
  }
  return number_text(v);
}

}  // namespace

/// Per-set bookkeeping: match stamps, counters, the rules run and which of them alert.
void rule_engine::size_for_set() {
  const std::size_t n = set_->rules.size();
  leaf_seen_.assign(set_->leaf_count, 0);
  db_scanned_.assign(set_->databases.size(), 0);
  db_matched_.assign(set_->databases.size(), 0);
  scan_memo_.assign(set_->databases.size() * k_scan_memo, {});
  detected_.assign(n, 0);
  counters_ = metrics_ ? metrics_->attach(*set_) : std::make_shared<counter_block>(*set_);
  active_ = set_->evaluation_order();
  emits_.assign(n, false);
  for (std::size_t i = 0; i < n; ++i) emits_[i] = set_->rules[i].generate;
  index_rules();
}

/// The rules to run per event class, and the key groups of the set.
void rule_engine::index_rules() {
  std::vector<bool> active(set_->rules.size(), false);
  for (const auto i : active_) active[i] = true;
  for (std::size_t cls = 0; cls < k_event_classes; ++cls) {
    dispatch_[cls].clear();
    for (const auto& cr : set_->by_class[cls])
      if (active[cr.rule]) dispatch_[cls].push_back(cr);
  }
  keys_.clear();
  const auto group = [&](const std::vector<field_id>& fields) {
    for (std::size_t g = 0; g < keys_.size(); ++g)
      if (keys_[g].fields == fields) return static_cast<std::uint32_t>(g);
    keys_.push_back(key_group{fields, 0, false, 0, {}});
    return static_cast<std::uint32_t>(keys_.size() - 1);
  };
  static const std::vector<field_id> k_per_user = {field_id::corp_id, field_id::user_id};
  rule_keys_.assign(set_->rules.size(), {});
  for (std::size_t i = 0; i < set_->rules.size(); ++i) {
    const compiled_rule& r = set_->rules[i];
    rule_keys& rk = rule_keys_[i];
    rk.by = group(r.stateful == stateful_kind::none && r.by.empty() ? k_per_user : r.by);
    rk.suppress = group(r.suppress_by);
    for (const auto& st : r.steps) rk.steps.push_back(group(st.by));
  }
}

rule_engine::rule_engine(std::shared_ptr<const rule_pack> pack, std::shared_ptr<rule_metrics> metrics)
    : rule_engine(pack->current().first, std::nullopt, metrics) {
  pack_ = std::move(pack);  // version 0: the first batch end syncs it (the set is probably the same)
}

rule_engine::rule_engine(std::shared_ptr<const rule_set> set, std::optional<std::size_t> only,
                         const std::shared_ptr<rule_metrics>& metrics)
    : set_(std::move(set)), metrics_(metrics) {
  for (const auto& d : set_->databases)
    if (hs_alloc_scratch(d.db, &scratch_) != HS_SUCCESS)
      throw std::runtime_error("rules: cannot allocate Hyperscan scratch");
  const std::size_t n = set_->rules.size();
  state_.resize(n);
  size_for_set();
  if (!only) return;
  const std::vector<std::uint32_t> order = std::move(active_);
  active_.clear();
  emits_.assign(n, false);
  // One rule (tests): it and, transitively, the rules its correlation steps reference.
  std::vector<bool> needed(n, false);
  std::vector<std::size_t> todo{*only};
  needed.at(*only) = true;
  while (!todo.empty()) {
    const std::size_t i = todo.back();
    todo.pop_back();
    for (const auto& st : set_->rules[i].steps)
      if (st.rule >= 0 && !needed[static_cast<std::size_t>(st.rule)]) {
        needed[static_cast<std::size_t>(st.rule)] = true;
        todo.push_back(static_cast<std::size_t>(st.rule));
      }
  }
  for (auto i : order)
    if (needed[i]) active_.push_back(i);
  emits_[*only] = true;
  index_rules();
}

rule_engine::~rule_engine() { hs_free_scratch(scratch_); }

void rule_engine::on_batch_end() { in_batch_ = false; }

rule_engine::rule_refs rule_engine::refs(std::size_t index) noexcept {
  return {set_->rules[index], counters_->counters[index], state_[index]};
}

void rule_engine::follow_pack() {
  if (!pack_ || pack_->version() == pack_version_) return;
  auto [next, version] = pack_->current();
  if (adopt(std::move(next))) pack_version_ = version;
}

bool rule_engine::adopt(std::shared_ptr<const rule_set> next) {
  if (next == set_) return true;
  // Grow the scratch first: on failure nothing has changed yet.
  for (const auto& d : next->databases)
    if (hs_alloc_scratch(d.db, &scratch_) != HS_SUCCESS) return false;
  std::unordered_map<std::string_view, std::size_t> before;
  for (std::size_t i = 0; i < set_->rules.size(); ++i) before.emplace(set_->rules[i].id, i);
  std::vector<rule_state> state(next->rules.size());
  for (std::size_t i = 0; i < next->rules.size(); ++i) {
    const auto it = before.find(next->rules[i].id);
    if (it != before.end() && set_->rules[it->second].fingerprint == next->rules[i].fingerprint)
      state[i] = std::move(state_[it->second]);
  }
  state_ = std::move(state);  // before set_: the old set's ids are the map's keys
  set_ = std::move(next);
  size_for_set();
  return true;
}

std::size_t rule_engine::tracked_keys(std::size_t rule) const {
  const rule_state& s = state_.at(rule);
  return s.windows.size() + s.sums.size() + s.corr.size() + s.baselines.size() + s.seen.size();
}

engine_stats rule_engine::stats() const noexcept {
  engine_stats t;
  for (std::size_t i = 0; i < counters_->ids.size(); ++i) {
    const rule_counters& c = counters_->counters[i];
    t.matched += c.matched.get();
    t.excepted += c.excepted.get();
    t.alerts += c.alerts.get();
    t.suppressed += c.suppressed.get();
    t.expired += c.expired.get();
    t.evicted += c.evicted.get();
  }
  return t;
}

std::size_t rule_engine::bytes_per_key(const compiled_rule& r) {
  // A table entry, plus per heap block the payload and malloc's 16-byte header.
  constexpr std::size_t block = 16;
  const auto threshold = static_cast<std::size_t>(std::max<std::int64_t>(r.threshold, 1));
  switch (r.stateful) {
    case stateful_kind::none: return 0;
    case stateful_kind::event_count:
      return key_table<window_state>::bytes_per_key + block + threshold * sizeof(std::pair<std::int64_t, event_ref>);
    case stateful_kind::value_count:  // values of up to 15 bytes sit in the string itself
      return key_table<window_state>::bytes_per_key + 2 * block +
             threshold * (sizeof(std::pair<std::string, std::int64_t>) + sizeof(std::pair<std::int64_t, event_ref>));
    case stateful_kind::value_sum:
      return key_table<sum_state>::bytes_per_key + block + (k_sum_buckets + 1) * sizeof(sum_bucket);
    case stateful_kind::temporal:
    case stateful_kind::temporal_ordered:
      return key_table<corr_state>::bytes_per_key + block + r.steps.size() * k_hits_per_step * sizeof(corr_hit);
    case stateful_kind::baseline:
      return key_table<baseline_state>::bytes_per_key + block + 2 * slot_count(r.slots) * sizeof(std::uint16_t);
    case stateful_kind::first_seen:
      if (r.max_values > k_listed_values)  // the table's chunks and index at their largest
        return key_table<seen_state>::bytes_per_key + 3 * block + r.max_values * key_table<seen_mark>::bytes_per_key;
      return key_table<seen_state>::bytes_per_key + block + r.max_values * sizeof(std::pair<std::uint64_t, std::int64_t>);
  }
  return 0;
}

int rule_engine::on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned,
                          void* ctx) {
  auto* self = static_cast<rule_engine*>(ctx);
  if (self->leaf_seen_[id] == self->generation_) return 0;
  // Validated leaves are compiled with HS_FLAG_SOM_LEFTMOST: `from` is the match start.
  const validator& check = self->set_->leaves[id].check;
  if (check.active() && !validate(check, self->scan_text_.substr(from, to - from))) return 0;
  self->leaf_seen_[id] = self->generation_;
  return 0;
}

void rule_engine::ensure_scanned(std::uint32_t database, const normalized_event& ev) {
  if (db_scanned_[database] == generation_) return;
  db_scanned_[database] = generation_;
  db_matched_[database] = 0;
  scan(database, string_value(ev, set_->databases[database].field));
}

bool rule_engine::pattern_matched(const cond_node& n, const normalized_event& ev) {
  ensure_scanned(n.database, ev);
  return leaf_seen_[n.leaf] == generation_;
}

bool rule_engine::excepted(const class_rule& cr, const normalized_event& ev) {
  rule_counters& c = counters_->counters[cr.rule];
  c.matched.add();
  for (std::uint32_t i = cr.exceptions_first; i < cr.exceptions_first + cr.exceptions_count; ++i)
    if (eval(set_->class_exceptions[i], ev)) {
      c.excepted.add();
      return true;
    }
  return false;
}

bool rule_engine::needs_scanned(const class_rule& cr) const {
  for (std::uint32_t i = cr.needs_first; i < cr.needs_first + cr.needs_count; ++i)
    if (db_scanned_[set_->needs[i].database] != generation_) return false;
  return true;
}

bool rule_engine::needs_met(const class_rule& cr, const normalized_event& ev) {
  for (std::uint32_t i = cr.needs_first; i < cr.needs_first + cr.needs_count; ++i) {
    const pattern_need& need = set_->needs[i];
    ensure_scanned(need.database, ev);
    if ((db_matched_[need.database] & need.leaves) != 0) return true;
  }
  return false;
}

void rule_engine::scan(std::uint32_t database, std::string_view text) {
  if (text.empty()) return;  // the loader refuses patterns that match the empty string
  const field_database& d = set_->databases[database];
  scan_memo_entry* memo = nullptr;
  std::uint64_t h = 0;
  if (d.leaves.size() <= 64) {
    h = hash64(text) | 1;
    memo = &scan_memo_[database * k_scan_memo + ((h >> 32) & (k_scan_memo - 1))];
    if (memo->hash == h) {
      db_matched_[database] = memo->matched;
      for (std::uint64_t m = memo->matched; m != 0; m &= m - 1)
        leaf_seen_[d.leaves[static_cast<std::size_t>(std::countr_zero(m))]] = generation_;
      return;
    }
  }
  scan_text_ = text;
  hs_scan(d.db, text.data(), static_cast<unsigned>(text.size()), 0, scratch_, &rule_engine::on_match, this);
  if (memo == nullptr) return;
  std::uint64_t matched = 0;
  for (std::size_t i = 0; i < d.leaves.size(); ++i)
    if (leaf_seen_[d.leaves[i]] == generation_) matched |= std::uint64_t{1} << i;
  *memo = {h, matched};
  db_matched_[database] = matched;
}

bool rule_engine::eval(std::uint32_t index, const normalized_event& ev) {
  const cond_node& n = set_->nodes[index];
  switch (n.kind) {
    case cond_kind::always: return true;
    case cond_kind::all:
      for (auto c : n.children)
        if (!eval(c, ev)) return false;
      return true;
    case cond_kind::any:
      for (auto c : n.children)
        if (eval(c, ev)) return true;
      return false;
    case cond_kind::negate: return !eval(n.children[0], ev);
    case cond_kind::str_in: {
      const std::string_view v = string_value(ev, n.field);
      const auto it = std::lower_bound(n.strings.begin(), n.strings.end(), v, shorter_first);
      return it != n.strings.end() && *it == v;
    }
    case cond_kind::enum_in: return (n.bits >> enum_code(ev, n.field)) & 1u;
    case cond_kind::num_in: {
      const auto v = number_value(ev, n.field);
      return v && std::find(n.numbers.begin(), n.numbers.end(), *v) != n.numbers.end();
    }
    case cond_kind::num_cmp: {
      const auto v = number_value(ev, n.field);
      if (!v) return false;
      const double x = n.numbers[0];
      switch (n.cmp) {
        case cmp_op::gt: return *v > x;
        case cmp_op::gte: return *v >= x;
        case cmp_op::lt: return *v < x;
        case cmp_op::lte: return *v <= x;
      }
      return false;
    }
    case cond_kind::cidr: {
      const std::optional<ip_address> ip = ip_memo_.get(string_value(ev, n.field), ip_address::parse);
      return ip && n.nets.contains(*ip);
    }
    case cond_kind::pattern: return pattern_matched(n, ev);
    case cond_kind::hour_between: {
      if (ev.ts_ms == k_absent) return false;
      const auto h = static_cast<int>(hour_of_day(local_hour(ev.ts_ms)));
      return n.from < n.to ? (h >= n.from && h < n.to) : (h >= n.from || h < n.to);
    }
    case cond_kind::weekday_in: {
      if (ev.ts_ms == k_absent) return false;
      return (n.mask >> weekday_of(local_hour(ev.ts_ms))) & 1u;
    }
    case cond_kind::holiday: {
      if (ev.ts_ms == k_absent) return false;
      return set_->is_holiday(day_of(local_hour(ev.ts_ms))) == n.want;
    }
    case cond_kind::workday: {
      if (ev.ts_ms == k_absent) return false;
      return set_->is_workday(ev.ts_ms) == n.want;
    }
    case cond_kind::exists: {
      const field_info& f = info(n.field);
      const bool present = f.type == field_type::string ? !string_value(ev, n.field).empty()
                                                        : number_value(ev, n.field).has_value();
      return present == n.want;
    }
  }
  return false;
}

const rule_engine::key_group& rule_engine::key(std::uint32_t group, const normalized_event& ev) {
  key_group& k = keys_[group];
  if (k.generation == generation_) return k;
  k.generation = generation_;
  k.text.clear();
  k.complete = true;
  for (std::size_t i = 0; i < k.fields.size(); ++i) {
    if (i) k.text += '|';
    const std::size_t before = k.text.size();
    append_value(k.text, ev, k.fields[i]);
    if (k.text.size() == before && k.fields[i] != field_id::corp_id) k.complete = false;
  }
  k.hash = hash64(k.text);
  return k;
}

std::optional<std::int64_t> rule_engine::announce(std::size_t index, const normalized_event& ev) {
  detected_[index] = generation_;
  if (!emits_[index]) return std::nullopt;
  const auto [r, c, st] = refs(index);
  if (r.suppress_ms <= 0) return 0;
  const std::int64_t ts = event_time(ev);
  suppress_state& s = st.suppression.touch(key(rule_keys_[index].suppress, ev).hash, ts);
  if (ts < s.until_ms) {
    ++s.folded;
    c.suppressed.add();
    return std::nullopt;
  }
  const std::int64_t folded = s.folded;
  s.folded = 0;
  s.until_ms = ts + r.suppress_ms;
  // Keep a key's fold count for a while after its window so the next alert can report it.
  age(st.suppression, c, ts - 2 * r.suppress_ms, r.max_keys);
  return folded;
}

void rule_engine::on_event(const normalized_event& ev, alert_emitter& out) {
  if (++generation_ == 0) {  // wrapped: forget every stamp
    std::fill(leaf_seen_.begin(), leaf_seen_.end(), 0);
    std::fill(db_scanned_.begin(), db_scanned_.end(), 0);
    std::fill(detected_.begin(), detected_.end(), 0);
    for (auto& k : keys_) k.generation = 0;
    generation_ = 1;
  }
  if (!in_batch_) {  // a batch's first event: the boundary where a reloaded set comes in
    in_batch_ = true;
    follow_pack();
  }
  ++seq_;
  const std::int64_t ts = event_time(ev);
  // Most rules fail on most events: that test stays in this loop, the work after it is a call.
  for (const auto& cr : dispatch_[event_class(ev)]) {
    if (is_correlation(cr.stateful)) {
      if (const std::uint32_t steps = step_hits(cr, ev)) on_correlation(cr, steps, ev, ts, out);
    } else if (holds(cr, ev)) {
      on_rule(cr, ev, ts, out);
    }
  }
}

bool rule_engine::holds(const class_rule& cr, const normalized_event& ev) {
  std::uint32_t i = cr.first;
  if (cr.needs_count != 0) {
    // What the scans found is free to check once they ran; a scan still to run waits
    // until the conjuncts that read no pattern have passed.
    if (cr.cheap != 0 && !needs_scanned(cr))
      for (; i < cr.first + cr.cheap; ++i)
        if (!eval(set_->residual[i], ev)) return false;
    if (!needs_met(cr, ev)) return false;
  }
  for (; i < cr.first + cr.count; ++i)
    if (!eval(set_->residual[i], ev)) return false;
  return true;
}

std::uint32_t rule_engine::step_hits(const class_rule& cr, const normalized_event& ev) {
  // A referenced rule detected on this event, or a macro holds. This reads only the
  // class's compact steps.
  std::uint32_t hit_mask = 0;
  for (std::uint32_t j = 0; j < cr.count; ++j) {
    const class_step& cs = set_->class_steps[cr.first + j];
    bool hit = cs.rule >= 0 ? detected_[static_cast<std::size_t>(cs.rule)] == generation_ : cs.possible;
    for (std::uint32_t i = cs.first; hit && cs.rule < 0 && i < cs.first + cs.count; ++i) hit = eval(set_->residual[i], ev);
    if (hit) hit_mask |= 1u << j;
  }
  return hit_mask;
}

void rule_engine::on_rule(const class_rule& cr, const normalized_event& ev, std::int64_t ts, alert_emitter& out) {
  if (excepted(cr, ev)) return;
  const std::size_t index = cr.rule;
  switch (cr.stateful) {
    case stateful_kind::none:
      if (const auto folded = announce(index, ev))
        fire(index, ev, key(rule_keys_[index].by, ev).text, ev.event_id, *folded, {ts, 1, ts, {ev.ref}, {}, {}}, out);
      return;
    case stateful_kind::event_count:
    case stateful_kind::value_count: on_counting(index, ev, ts, out); return;
    case stateful_kind::value_sum: on_sum(index, ev, ts, out); return;
    case stateful_kind::baseline: on_baseline(index, ev, ts, out); return;
    case stateful_kind::first_seen: on_first_seen(index, ev, ts, out); return;
    case stateful_kind::temporal:
    case stateful_kind::temporal_ordered: return;
  }
}

void rule_engine::on_counting(std::size_t index, const normalized_event& ev, std::int64_t ts,
                              alert_emitter& out) {
  const auto [r, c, st] = refs(index);
  const key_group& k = key(rule_keys_[index].by, ev);
  const std::int64_t cutoff = ts - r.within_ms;
  window_state& w = st.windows.touch(k.hash, ts);
  bool fired = false;
  if (r.stateful == stateful_kind::event_count) {
    auto& evs = w.events;
    evs.erase(evs.begin(), std::find_if(evs.begin(), evs.end(),
                                        [&](const auto& e) { return e.first > cutoff; }));
    const auto pos = std::upper_bound(evs.begin(), evs.end(), ts,
                                      [](std::int64_t t, const auto& e) { return t < e.first; });
    if (ts > cutoff) evs.insert(pos, {ts, ev.ref});
    if (static_cast<std::int64_t>(evs.size()) >= r.threshold) {
      if (const auto folded = announce(index, ev)) {
        detection d{evs.front().first, static_cast<std::int64_t>(evs.size()), evs.front().first, {}, {}, {}};
        d.refs.reserve(evs.size());
        for (const auto& e : evs) d.refs.push_back(e.second);
        fire(index, ev, k.text, {}, *folded, std::move(d), out);
      }
      fired = true;
    }
  } else {
    auto& vals = w.values;
    std::erase_if(vals, [&](const auto& v) { return v.second <= cutoff; });
    value_.clear();
    append_value(value_, ev, r.value_field);
    if (!value_.empty()) {
      auto it = std::find_if(vals.begin(), vals.end(), [&](const auto& v) { return v.first == value_; });
      if (it == vals.end()) {
        vals.emplace_back(value_, ts);
        w.events.emplace_back(ts, ev.ref);
      } else {
        it->second = std::max(it->second, ts);
      }
      // Refs of values that left the window go too.
      std::erase_if(w.events, [&](const auto& e) { return e.first <= cutoff; });
      const auto folded = static_cast<std::int64_t>(vals.size()) >= r.threshold ? announce(index, ev) : std::nullopt;
      if (folded) {
        std::int64_t first = ts;
        for (const auto& v : vals) first = std::min(first, v.second);
        detection d{first, static_cast<std::int64_t>(vals.size()), first, {}, {}, {}};
        for (const auto& e : w.events) d.refs.push_back(e.second);
        std::string joined;
        const field_info& f = info(r.value_field);
        for (const auto& v : vals) {
          if (!joined.empty()) joined += ", ";
          joined += f.mask == field_mask::name ? mask_name(v.first) : v.first;
        }
        d.evidence.emplace_back(std::string(f.name), std::move(joined));
        fire(index, ev, k.text, {}, *folded, std::move(d), out);
      }
      fired = static_cast<std::int64_t>(vals.size()) >= r.threshold;
    }
  }
  if (fired) st.windows.erase(k.hash);
  age(st.windows, c, cutoff, r.max_keys);
}

void rule_engine::on_sum(std::size_t index, const normalized_event& ev, std::int64_t ts,
                         alert_emitter& out) {
  const auto [r, c, st] = refs(index);
  const auto v = number_value(ev, r.value_field);
  if (!v) return;  // no number: nothing to add
  const key_group& k = key(rule_keys_[index].by, ev);
  const std::int64_t cutoff = ts - r.within_ms;
  const std::int64_t width = std::max<std::int64_t>(1, r.within_ms / k_sum_buckets);
  sum_state& s = st.sums.touch(k.hash, ts);
  auto& b = s.buckets;
  std::erase_if(b, [&](const sum_bucket& x) { return x.last_ms <= cutoff; });
  const std::int64_t idx = ts >= 0 ? ts / width : (ts - width + 1) / width;
  auto it = std::lower_bound(b.begin(), b.end(), idx,
                             [](const sum_bucket& x, std::int64_t i) { return x.index < i; });
  if (it == b.end() || it->index != idx) it = b.insert(it, sum_bucket{idx, ts, ts, 0, ev.ref});
  it->sum += *v;
  it->first_ms = std::min(it->first_ms, ts);
  if (ts >= it->last_ms) {
    it->last_ms = ts;
    it->ref = ev.ref;
  }
  double total = 0;
  std::int64_t first = ts;
  for (const auto& x : b) {
    total += x.sum;
    first = std::min(first, x.first_ms);
  }
  if (total >= static_cast<double>(r.threshold)) {
    if (const auto folded = announce(index, ev)) {
      detection d{first, std::llround(total), first, {}, {}, {}};
      for (const auto& x : b) d.refs.push_back(x.ref);
      fire(index, ev, k.text, {}, *folded, std::move(d), out);
    }
    st.sums.erase(k.hash);
  }
  age(st.sums, c, cutoff, r.max_keys);
}

void rule_engine::on_correlation(const class_rule& cr, std::uint32_t hit_mask, const normalized_event& ev,
                                 std::int64_t ts, alert_emitter& out) {
  const std::size_t index = cr.rule;
  const auto [r, c, st] = refs(index);
  if (excepted(cr, ev)) return;
  const bool ordered = r.stateful == stateful_kind::temporal_ordered;
  const std::size_t n = r.steps.size();
  for (std::size_t j = 0; j < n; ++j) {
    if (!(hit_mask & (1u << j))) continue;
    // Key fields other than corp.id must be present: an empty user never correlates.
    const key_group& k = key(rule_keys_[index].steps[j], ev);
    if (!k.complete) continue;
    corr_state& cs = st.corr.touch(k.hash, ts);
    cs.latest_ms = std::max(cs.latest_ms, ts);
    std::erase_if(cs.hits, [&](const corr_hit& h) { return h.ts <= cs.latest_ms - r.within_ms; });
    corr_hit hit{ts, seq_, ev.ref, static_cast<std::uint8_t>(j)};
    const auto before = [](const corr_hit& a, const corr_hit& b) {
      return a.ts != b.ts ? a.ts < b.ts : a.seq < b.seq;
    };
    cs.hits.insert(std::upper_bound(cs.hits.begin(), cs.hits.end(), hit, before), hit);
    std::size_t of_step = 0;
    std::uint32_t steps_hit = 0;
    for (const auto& h : cs.hits) {
      of_step += h.step == j;
      steps_hit |= 1u << h.step;
    }
    if (of_step > k_hits_per_step)  // keep the newest hits of a step
      cs.hits.erase(std::find_if(cs.hits.begin(), cs.hits.end(),
                                 [&](const corr_hit& h) { return h.step == j; }));
    // No chain without a hit of every step; most events only add to one.
    if (steps_hit != (1u << n) - 1) continue;

    // Look for a chain: one hit per step, within T (strictly), in step order when ordered.
    std::array<const corr_hit*, k_max_correlation_steps> chain{};
    bool found = false;
    for (const auto& start : cs.hits) {
      if (ordered && start.step != 0) continue;
      bool ok = true;
      const corr_hit* prev = &start;
      std::int64_t last = start.ts;
      for (std::size_t k = 0; k < n && ok; ++k) {
        if (ordered && k == 0) {
          chain[0] = &start;
          continue;
        }
        const corr_hit* pick = nullptr;
        for (const auto& h : cs.hits) {
          if (h.step != k) continue;
          const bool after = ordered ? before(*prev, h) : !before(h, start);
          if (after) {
            pick = &h;
            break;
          }
        }
        if (pick == nullptr) ok = false;
        else {
          chain[k] = pick;
          if (ordered) prev = pick;
          last = std::max(last, pick->ts);
        }
      }
      if (ok && last - start.ts < r.within_ms) {
        found = true;
        break;
      }
    }
    if (!found) continue;
    if (const auto folded = announce(index, ev)) {
      for (std::size_t i = 1; i < n; ++i)  // by time (insertion sort: at most 8 steps)
        for (std::size_t m = i; m > 0 && before(*chain[m], *chain[m - 1]); --m) std::swap(chain[m], chain[m - 1]);
      const std::int64_t first = chain[0]->ts;
      detection d{first, static_cast<std::int64_t>(n), first, {}, {}, {}};
      std::string sequence;
      for (std::size_t i = 0; i < n; ++i) {
        d.refs.push_back(chain[i]->ref);
        if (!sequence.empty()) sequence += " → ";
        sequence += fmt::format("{} {}", r.steps[chain[i]->step].name, iso8601_utc(chain[i]->ts));
      }
      d.evidence.emplace_back("sequence", std::move(sequence));
      fire(index, ev, k.text, {}, *folded, std::move(d), out);
    }
    st.corr.erase(k.hash);
  }
  age(st.corr, c, ts - r.within_ms, r.max_keys);
}

void rule_engine::on_baseline(std::size_t index, const normalized_event& ev, std::int64_t ts,
                              alert_emitter& out) {
  const auto [r, c, st] = refs(index);
  double value = 1;
  if (r.baseline_sum) {
    const auto v = number_value(ev, r.value_field);
    if (!v) return;
    value = *v;
  }
  const key_group& k = key(rule_keys_[index].by, ev);
  const std::int64_t hour = local_hour(ts);
  const std::int64_t hour_start = hour * k_hour_ms - k_macau_offset_ms;
  const auto second = static_cast<std::uint16_t>((ts - hour_start) / 1000);
  const std::size_t nslots = slot_count(r.slots);
  if (st.since_ms == 0) st.since_ms = ts;
  baseline_state& b = st.baselines.touch(k.hash, ts);
  if (b.slots.empty()) {
    // A new key learns for the warm-up; with `new_keys: quiet`, once the rule itself has
    // watched that long, it had no activity before: its slots start at zero, warm.
    const bool quiet = r.quiet_new_keys && ts - st.since_ms >= r.warmup_ms;
    b.slots.assign(2 * nslots, quiet ? 0 : k_unobserved);
    b.first_hour = b.hour = hour;
    if (quiet) b.first_hour -= (r.warmup_ms + k_hour_ms - 1) / k_hour_ms;
    b.bucket_first_ms = ts;
    b.last_s = second;
  }
  if (hour > b.hour) {
    // Close the bucket, and fold the quiet hours in between as zeros (at most eight
    // rounds of the slots: older gaps have decayed by then). An hour that fired teaches
    // its slot only what would just have fired: one burst must not raise the bar for the
    // next (baseline poisoning), while a lasting change is learned within a few hours.
    std::uint16_t* closed = &b.slots[2 * slot_of(*set_, r.slots, b.hour)];
    // The trailing-hour test reads the hour closed now against its slot as it was, unless
    // the hour fired (its burst is reported) or the slot had no history.
    b.prev_total = 0;
    if (hour == b.hour + 1 && !b.alerted && closed[0] != k_unobserved) {
      b.prev_total = static_cast<float>(b.total);
      b.prev_first_s = static_cast<std::uint16_t>((b.bucket_first_ms - (hour_start - k_hour_ms)) / 1000);
      b.prev_last_s = b.last_s;
      b.prev_mean = closed[0];
      b.prev_sigma = closed[1];
    }
    double taught = b.total;
    if (b.alerted) taught = std::min(taught, std::max(over_bar(decode(closed[0]), decode(closed[1]), r), r.min_value));
    fold(closed, taught, r.alpha);
    const std::int64_t from = std::max(b.hour + 1, hour - static_cast<std::int64_t>(8 * nslots));
    fold_quiet_hours(*set_, r.slots, b.slots, from, hour, r.alpha);
    b.hour = hour;
    b.total = 0;
    b.alerted = false;
    b.bucket_first_ms = ts;
    b.last_s = second;
  }
  if (hour == b.hour) {  // a late event of a closed bucket is not counted
    b.bucket_first_ms = std::min(b.bucket_first_ms, ts);
    b.last_s = std::max(b.last_s, second);
    b.total += value;
    const std::uint16_t* slot = &b.slots[2 * slot_of(*set_, r.slots, hour)];
    const bool warm = (hour - b.first_hour) * k_hour_ms >= r.warmup_ms && slot[0] != k_unobserved;
    if (!b.alerted && warm) {
      // The clock hour's total against its slot; failing that, the trailing 60 minutes
      // (this hour's total and the share of the previous one's that falls within them)
      // against the two slots' statistics weighted alike (the previous slot by that share,
      // this one by the part of the hour gone), so that a burst straddling the turn of the
      // hour is not split in two.
      double total = b.total, mean = 0, sigma = 0;
      std::int64_t first_ms = b.bucket_first_ms;
      bool over = false, trailing = false;
      if (total >= r.min_value) {
        mean = decode(slot[0]);
        sigma = decode(slot[1]);
        over = total > over_bar(mean, sigma, r);
      }
      const double share = b.prev_total > 0 ? trailing_share(b.prev_first_s, b.prev_last_s, second) : 0;
      if (!over && share > 0 && total + share * b.prev_total >= r.min_value) {
        const double gone = second / 3600.0;
        total += share * b.prev_total;
        mean = share * decode(b.prev_mean) + gone * decode(slot[0]);
        sigma = share * decode(b.prev_sigma) + gone * decode(slot[1]);
        over = total > over_bar(mean, sigma, r);
        trailing = true;
        first_ms = hour_start - k_hour_ms + 1000 * std::max(b.prev_first_s, second);
      }
      const auto folded = over ? announce(index, ev) : std::nullopt;
      if (folded) {
        detection d{hour_start, std::llround(total), first_ms, {ev.ref}, {}, estimate_text(mean)};
        d.evidence.emplace_back("baseline.slot", slot_name(*set_, r.slots, hour));
        d.evidence.emplace_back("baseline.window", trailing ? "trailing 60 min" : "clock hour");
        d.evidence.emplace_back("baseline.mean", estimate_text(mean));
        d.evidence.emplace_back("baseline.sigma", estimate_text(sigma));
        d.evidence.emplace_back("baseline.value", number_text(total));
        fire(index, ev, k.text, {}, *folded, std::move(d), out);
      }
      b.alerted = b.alerted || over;
    }
  }
  age(st.baselines, c, ts - r.within_ms, r.max_keys);
}

void rule_engine::on_first_seen(std::size_t index, const normalized_event& ev, std::int64_t ts,
                                alert_emitter& out) {
  const auto [r, c, st] = refs(index);
  const bool teaching = r.teach && eval(*r.teach, ev);
  // A taught value is known for the rule's learning period, as a new key's values are:
  // it is stored as if last seen that long before the TTL runs out.
  const std::int64_t seen_ms = teaching ? std::min(ts, ts - r.within_ms + r.learn_ms) : ts;
  value_.clear();
  append_value(value_, ev, teaching ? r.teach_field : r.value_field);
  if (value_.empty()) return;
  const std::uint64_t h = hash64(value_);
  const key_group& k = key(rule_keys_[index].by, ev);
  seen_state& s = st.seen.touch(k.hash, ts);
  const bool fresh = s.first_ms == 0 && s.values.empty() && !s.many;
  if (fresh) s.first_ms = ts;
  const std::int64_t cutoff = ts - r.within_ms;
  std::size_t known = 0;  // values within the TTL before this event
  bool found = false;
  if (r.max_values > k_listed_values) {
    if (!s.many) s.many = std::make_unique<key_table<seen_mark>>();
    c.expired.add(s.many->expire(cutoff + 1));  // last seen at or before the cutoff
    // A value seen out of order sits behind fresher ones: its own time decides.
    const std::optional<std::int64_t> last = s.many->last_touch(h);
    found = last && *last > cutoff;
    if (last && !found) {
      s.many->erase(h);
      c.expired.add();
    }
    known = s.many->size();
    s.many->touch(h, seen_ms);
    c.evicted.add(s.many->trim(r.max_values));
  } else {
    // Look for this one, reading only: most events expire nothing, and rewriting the
    // list (up to 64 entries, 1 KiB) on every event dirtied all of its cache lines.
    std::size_t expired = 0;
    for (auto& v : s.values) {
      if (v.second <= cutoff) ++expired;
      else if (v.first == h) {
        v.second = std::max(v.second, seen_ms);
        found = true;
      }
    }
    if (expired > 0) {
      std::erase_if(s.values, [&](const auto& v) { return v.second <= cutoff; });
      c.expired.add(expired);
    }
    known = s.values.size();
    if (!found) {
      s.values.emplace_back(h, seen_ms);
      if (s.values.size() > r.max_values) {  // forget the value seen least recently
        s.values.erase(std::min_element(s.values.begin(), s.values.end(),
                                        [](const auto& a, const auto& b) { return a.second < b.second; }));
        c.evicted.add();
      }
    }
  }
  const auto folded = !found && !teaching && ts - s.first_ms >= r.learn_ms ? announce(index, ev) : std::nullopt;
  if (folded) {
    detection d{ts, static_cast<std::int64_t>(known), ts, {ev.ref}, {}, {}};
    d.evidence.emplace_back("first_seen.known", std::to_string(known));
    fire(index, ev, k.text, value_, *folded, std::move(d), out);
  }
  age(st.seen, c, cutoff, r.max_keys);
}

void rule_engine::fire(std::size_t index, const normalized_event& ev, std::string_view key_text,
                       std::string_view suffix, std::int64_t folded, detection d, alert_emitter& out) {
  const compiled_rule& r = set_->rules[index];
  rule_counters& c = counters_->counters[index];
  const std::int64_t ts = event_time(ev);

  alert_key_.assign(key_text);
  if (!suffix.empty()) {
    alert_key_ += '|';
    alert_key_ += suffix;
  }
  alert a;
  a.id = make_alert_id(r.id, alert_key_, d.window_start);
  a.rule_id = r.id;
  a.rule_name = r.name;
  a.family = r.family;
  a.severity = r.severity;
  a.rule_version = r.version;
  a.pdpa_articles = r.pdpa;
  a.mitre_technique = r.mitre;
  a.timestamp_ms = a.last_ms = ts;
  a.first_ms = d.first_ms;
  a.count = d.count;
  a.refs = std::move(d.refs);
  a.suppressed = folded;
  a.user_id = ev.user_id;
  a.user_name = ev.user_name.empty() ? std::string() : mask_name(ev.user_name);
  a.corp_id = ev.corp_id;
  a.source_ip = ev.ip;
  a.source_country = ev.source_country;
  a.destination_domain = ev.dst_host;
  a.destination_ip = ev.dst_ip;
  a.destination_country = ev.destination_country;
  a.received_ms = ev.ingest_ms;
  const auto extra = [&](std::string_view name) -> std::pair<std::string, std::string>* {
    for (auto& e : d.evidence)
      if (e.first == name) return &e;
    return nullptr;
  };
  for (const auto f : r.evidence) {
    if (auto* e = extra(info(f).name)) {
      a.evidence.emplace_back(e->first, std::move(e->second));
      e->first.clear();
      continue;
    }
    std::string v = display_value(ev, f, true);
    if (!v.empty()) a.evidence.emplace_back(std::string(info(f).name), std::move(v));
  }
  for (auto& e : d.evidence)
    if (!e.first.empty()) a.evidence.emplace_back(std::move(e));
  for (const auto& p : r.message) {
    switch (p.what) {
      case message_part::kind::text: a.message += p.text; break;
      case message_part::kind::field: a.message += display_value(ev, p.field, true); break;
      case message_part::kind::count: a.message += std::to_string(d.count); break;
      case message_part::kind::window: a.message += r.within_text; break;
      case message_part::kind::rule_id: a.message += r.id; break;
      case message_part::kind::rule_name: a.message += r.name; break;
      case message_part::kind::expected: a.message += d.expected; break;
    }
  }
  c.alerts.add();
  out.emit(std::move(a));
}

detector_factory make_rule_factory(std::shared_ptr<const rule_pack> pack,
                                   std::shared_ptr<rule_metrics> metrics) {
  return [pack = std::move(pack), metrics = std::move(metrics)] {
    std::vector<std::unique_ptr<detector>> v;
    v.push_back(std::make_unique<rule_engine>(pack, metrics));
    return v;
  };
}

detector_factory make_rule_factory(std::shared_ptr<const rule_set> set,
                                   std::shared_ptr<rule_metrics> metrics) {
  return [set = std::move(set), metrics = std::move(metrics)] {
    std::vector<std::unique_ptr<detector>> v;
    v.push_back(std::make_unique<rule_engine>(set, std::nullopt, metrics));
    return v;
  };
}

}  // namespace dingwatch::rules
