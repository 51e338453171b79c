// The rule engine's checkpoint: its per-rule state to bytes and back (engine.hpp).
//
// Layout (state_io.hpp encoding):
//     u32 k_state_version · u64 seq · u32 n ·
//     n × (string rule id · u64 fingerprint · section:
//          i64 since (version 2) · windows · sums · corr · baselines · seen · suppression)
// and each table: u32 n · n × (u64 key hash · i64 last touch · value), coldest first.
// A rule's state is a section, so a rule that changed or left the set is skipped whole.
//
// Kept apart from engine.cpp (the evaluation loop) so the two change independently; only
// the state structs are shared. A restore checks every invariant the evaluation relies on
// for memory safety (a correlation hit's step exists, a baseline has its slot count):
// a hostile file can make detection wrong, never crash it.

#include <spdlog/spdlog.h>

#include <cmath>
#include <unordered_map>

#include "dingwatch/detectors/rules/engine.hpp"

namespace dingwatch::rules {

namespace {

/// 2: a baseline keeps the previous hour for its trailing-hour test, a rule when it first
/// saw an event (`new_keys: quiet`). Version 1 files are read as well (their baselines
/// start without a previous hour, their rules as if watching from the restore on).
constexpr std::uint32_t k_state_version = 2;
constexpr std::size_t k_ref_bytes = 1 + 4 + 8;  // state_writer::put_ref
constexpr std::size_t k_max_list = 1u << 24;    // any per-key list; the input bounds it first
constexpr std::size_t k_max_text = 1u << 20;    // a value_count value
// Saved times lie within ±31,000 years of the epoch (hours within ±277 million): the
// evaluation's arithmetic on them (differences, × 3,600,000) then cannot overflow.
constexpr std::int64_t k_max_ms = 1'000'000'000'000'000;
constexpr std::int64_t k_max_hours = k_max_ms / 3'600'000;

/// A time in milliseconds, or hours with `bound` k_max_hours; out of range fails `r`.
std::int64_t get_time(state_reader& r, std::int64_t bound = k_max_ms) {
  const auto v = r.get<std::int64_t>();
  if (v < -bound || v > bound) r.fail("time out of range");
  return v;
}
/// A finite number.
double get_number(state_reader& r) {
  const auto v = r.get<double>();
  if (!std::isfinite(v)) r.fail("number not finite");
  return v;
}

}  // namespace

struct rule_engine::state_codec {
  std::uint32_t version = k_state_version;  ///< of the state being read

  // --- values ---------------------------------------------------------------------
  static void put(state_writer& w, const window_state& v) {
    w.put(static_cast<std::uint32_t>(v.events.size()));
    for (const auto& [ts, ref] : v.events) {
      w.put(ts);
      w.put_ref(ref);
    }
    w.put(static_cast<std::uint32_t>(v.values.size()));
    for (const auto& [text, ts] : v.values) {
      w.put_string(text);
      w.put(ts);
    }
  }
  void get(state_reader& r, const compiled_rule&, window_state& v) const {
    v.events.resize(r.count(k_max_list, 8 + k_ref_bytes));
    for (auto& [ts, ref] : v.events) {
      ts = get_time(r);
      ref = r.get_ref();
    }
    v.values.resize(r.count(k_max_list, 4 + 8));
    for (auto& [text, ts] : v.values) {
      text = std::string(r.get_string(k_max_text));
      ts = get_time(r);
    }
  }

  static void put(state_writer& w, const sum_state& v) {
    w.put(static_cast<std::uint32_t>(v.buckets.size()));
    for (const auto& b : v.buckets) {
      w.put(b.index);
      w.put(b.first_ms);
      w.put(b.last_ms);
      w.put(b.sum);
      w.put_ref(b.ref);
    }
  }
  void get(state_reader& r, const compiled_rule&, sum_state& v) const {
    v.buckets.resize(r.count(k_max_list, 4 * 8 + k_ref_bytes));
    for (auto& b : v.buckets) {
      b.index = get_time(r);
      b.first_ms = get_time(r);
      b.last_ms = get_time(r);
      b.sum = get_number(r);
      b.ref = r.get_ref();
    }
  }

  static void put(state_writer& w, const corr_state& v) {
    w.put(v.latest_ms);
    w.put(static_cast<std::uint32_t>(v.hits.size()));
    for (const auto& h : v.hits) {
      w.put(h.ts);
      w.put(h.seq);
      w.put_ref(h.ref);
      w.put(h.step);
    }
  }
  void get(state_reader& r, const compiled_rule& rule, corr_state& v) const {
    v.latest_ms = get_time(r);
    v.hits.resize(r.count(k_max_list, 8 + 8 + k_ref_bytes + 1));
    for (auto& h : v.hits) {
      h.ts = get_time(r);
      h.seq = r.get<std::uint64_t>();
      h.ref = r.get_ref();
      h.step = r.get<std::uint8_t>();
      if (h.step >= rule.steps.size()) r.fail("correlation hit of a step the rule does not have");
    }
  }

  static void put(state_writer& w, const baseline_state& v) {
    w.put(v.first_hour);
    w.put(v.hour);
    w.put(v.bucket_first_ms);
    w.put(v.total);
    w.put(v.prev_total);
    w.put(v.prev_first_s);
    w.put(v.prev_last_s);
    w.put(v.last_s);
    w.put(v.prev_mean);
    w.put(v.prev_sigma);
    w.put(static_cast<std::uint8_t>(v.alerted));
    w.put(static_cast<std::uint32_t>(v.slots.size()));
    for (const auto s : v.slots) w.put(s);
  }
  void get(state_reader& r, const compiled_rule& rule, baseline_state& v) const {
    v.first_hour = get_time(r, k_max_hours);
    v.hour = get_time(r, k_max_hours);
    v.bucket_first_ms = get_time(r);
    v.total = get_number(r);
    if (version >= 2) {
      v.prev_total = r.get<float>();
      if (!std::isfinite(v.prev_total)) r.fail("number not finite");
      v.prev_first_s = r.get<std::uint16_t>();
      v.prev_last_s = r.get<std::uint16_t>();
      v.last_s = r.get<std::uint16_t>();
      v.prev_mean = r.get<std::uint16_t>();
      v.prev_sigma = r.get<std::uint16_t>();
    }
    v.alerted = r.get_bool();
    // on_baseline indexes 2 × slot count entries (mean, σ) once the key has any.
    const std::size_t want = 2 * (rule.slots == baseline_slots::hour_of_week ? 168 : 48);
    const std::size_t n = r.count(want, 2);
    if (n != 0 && n != want) r.fail("baseline with the wrong number of slots");
    v.slots.resize(r.ok() ? n : 0);
    for (auto& s : v.slots) s = r.get<std::uint16_t>();
  }

  // A large set (`many`, rules with max_values > k_listed_values) is written as the list
  // of a small one, coldest first, and read back into a table.
  static void put(state_writer& w, const seen_state& v) {
    w.put(v.first_ms);
    if (v.many) {
      w.put(static_cast<std::uint32_t>(v.many->size()));
      v.many->for_each([&](std::uint64_t h, std::int64_t ts, const seen_mark&) {
        w.put(h);
        w.put(ts);
      });
      return;
    }
    w.put(static_cast<std::uint32_t>(v.values.size()));
    for (const auto& [h, ts] : v.values) {
      w.put(h);
      w.put(ts);
    }
  }
  void get(state_reader& r, const compiled_rule& rule, seen_state& v) const {
    v.first_ms = get_time(r);
    const std::size_t n = r.count(rule.max_values, 16);
    if (rule.max_values > k_listed_values) {
      v.many = std::make_unique<key_table<seen_mark>>();  // the engine makes it at a key's first value
      for (std::size_t i = 0; i < n && r.ok(); ++i) {
        const auto h = r.get<std::uint64_t>();
        v.many->restore(h, get_time(r));
      }
      return;
    }
    v.values.resize(n);
    for (auto& [h, ts] : v.values) {
      h = r.get<std::uint64_t>();
      ts = get_time(r);
    }
  }

  static void put(state_writer& w, const suppress_state& v) {
    w.put(v.until_ms);
    w.put(v.folded);
  }
  void get(state_reader& r, const compiled_rule&, suppress_state& v) const {
    v.until_ms = get_time(r);
    v.folded = get_time(r);  // a count, bounded alike
    if (v.folded < 0) r.fail("negative count");
  }

  // --- tables and rules -----------------------------------------------------------
  template <typename V>
  static void put_table(state_writer& w, const key_table<V>& t) {
    w.put(static_cast<std::uint32_t>(t.size()));
    t.for_each([&](std::uint64_t key, std::int64_t last_ms, const V& v) {
      w.put(key);
      w.put(last_ms);
      put(w, v);
    });
  }
  template <typename V>
  void get_table(state_reader& r, const compiled_rule& rule, key_table<V>& t) const {
    const std::size_t n = r.count(k_max_list, 16);
    for (std::size_t i = 0; i < n && r.ok(); ++i) {
      const auto key = r.get<std::uint64_t>();
      const auto last_ms = get_time(r);
      get(r, rule, t.restore(key, last_ms));
    }
    t.trim(rule.max_keys);  // a smaller cap than when saved drops the coldest, as it would live
  }

  static void put_rule(state_writer& w, const rule_state& s) {
    w.put(s.since_ms);
    put_table(w, s.windows);
    put_table(w, s.sums);
    put_table(w, s.corr);
    put_table(w, s.baselines);
    put_table(w, s.seen);
    put_table(w, s.suppression);
  }
  void get_rule(state_reader& r, const compiled_rule& rule, rule_state& s) const {
    if (version >= 2) s.since_ms = get_time(r);
    get_table(r, rule, s.windows);
    get_table(r, rule, s.sums);
    get_table(r, rule, s.corr);
    get_table(r, rule, s.baselines);
    get_table(r, rule, s.seen);
    get_table(r, rule, s.suppression);
  }
  static bool empty(const rule_state& s) noexcept {
    return s.since_ms == 0 && s.windows.size() + s.sums.size() + s.corr.size() + s.baselines.size() +
                                  s.seen.size() + s.suppression.size() ==
                              0;
  }
};

void rule_engine::save(state_writer& out) const {
  out.put(k_state_version);
  out.put(seq_);
  std::uint32_t n = 0;
  for (const auto& s : state_) n += !state_codec::empty(s);
  out.put(n);
  for (std::size_t i = 0; i < state_.size(); ++i) {
    if (state_codec::empty(state_[i])) continue;
    const compiled_rule& r = set_->rules[i];
    out.put_string(r.id);
    out.put(r.fingerprint);
    const std::size_t section = out.begin_section();
    state_codec::put_rule(out, state_[i]);
    out.end_section(section);
  }
}

void rule_engine::restore(state_reader& in) {
  const auto version = in.get<std::uint32_t>();
  if (in.ok() && (version < 1 || version > k_state_version)) {
    in.fail("rule engine state of another version");
    return;
  }
  seq_ = in.get<std::uint64_t>();
  std::unordered_map<std::string_view, std::size_t> by_id;
  for (std::size_t i = 0; i < set_->rules.size(); ++i) by_id.emplace(set_->rules[i].id, i);
  std::vector<rule_state> state(set_->rules.size());
  std::size_t kept = 0, dropped = 0;
  const std::size_t n = in.count(k_max_list, 4 + 8 + 8);
  for (std::size_t k = 0; k < n && in.ok(); ++k) {
    const std::string_view id = in.get_string(4096);
    const auto fingerprint = in.get<std::uint64_t>();
    state_reader section(in.get_section());
    const auto it = by_id.find(id);
    if (!in.ok()) break;
    if (it == by_id.end() || set_->rules[it->second].fingerprint != fingerprint) {
      ++dropped;  // changed or removed since the checkpoint: starts empty, as on reload
      continue;
    }
    rule_state& s = state[it->second];
    s = rule_state{};  // a repeated id (only in a forged file): the last one counts
    state_codec{version}.get_rule(section, set_->rules[it->second], s);
    if (section.ok() && !section.at_end()) section.fail("bytes after a rule's state");
    if (!section.ok()) in.fail(section.error());
    ++kept;
  }
  if (in.ok() && !in.at_end()) in.fail("bytes after the rule engine's state");
  if (!in.ok()) return;
  state_ = std::move(state);
  if (dropped > 0)
    spdlog::debug("rules: checkpoint restored for {} rule(s); {} changed since and start empty", kept, dropped);
}

}  // namespace dingwatch::rules
