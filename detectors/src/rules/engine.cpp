#include "dingwatch/detectors/rules/engine.hpp"

#include <fmt/format.h>
#include <hs/hs.h>

#include <algorithm>
#include <stdexcept>

#include "dingwatch/core/mask.hpp"
#include "dingwatch/core/time.hpp"

namespace dingwatch::rules {

rule_engine::rule_engine(std::shared_ptr<const rule_set> set, std::optional<std::size_t> only)
    : set_(std::move(set)), only_(only) {
  for (const auto& d : set_->databases)
    if (hs_alloc_scratch(d.db, &scratch_) != HS_SUCCESS)
      throw std::runtime_error("rules: cannot allocate Hyperscan scratch");
  leaf_seen_.assign(set_->leaf_count, 0);
  db_scanned_.assign(set_->databases.size(), 0);
  state_.resize(set_->rules.size());
}

rule_engine::~rule_engine() { hs_free_scratch(scratch_); }

std::size_t rule_engine::tracked_keys(std::size_t rule) const {
  return state_.at(rule).windows.size();
}

int rule_engine::on_match(unsigned id, unsigned long long, unsigned long long, unsigned,
                          void* ctx) {
  auto* self = static_cast<rule_engine*>(ctx);
  self->leaf_seen_[id] = self->generation_;
  return 0;
}

bool rule_engine::pattern_matched(const cond_node& n, const normalized_event& ev) {
  if (db_scanned_[n.database] != generation_) {
    db_scanned_[n.database] = generation_;
    const std::string_view text = string_value(ev, n.field);
    hs_scan(set_->databases[n.database].db, text.empty() ? "" : text.data(),
            static_cast<unsigned>(text.size()), 0, scratch_, &rule_engine::on_match, this);
  }
  return leaf_seen_[n.leaf] == generation_;
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
      const auto it = std::lower_bound(n.strings.begin(), n.strings.end(), v,
                                       [](const std::string& a, std::string_view b) { return a < b; });
      return it != n.strings.end() && *it == v;
    }
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
      const std::string_view v = string_value(ev, n.field);
      return !v.empty() && n.nets.contains(v);
    }
    case cond_kind::pattern: return pattern_matched(n, ev);
    case cond_kind::hour_between: {
      if (ev.ts_ms == k_absent) return false;
      const int h = to_civil(ev.ts_ms, k_macau_offset_ms).hour;
      return n.from < n.to ? (h >= n.from && h < n.to) : (h >= n.from || h < n.to);
    }
    case cond_kind::weekday_in: {
      if (ev.ts_ms == k_absent) return false;
      return (n.mask >> to_civil(ev.ts_ms, k_macau_offset_ms).weekday) & 1u;
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

const std::string& rule_engine::key_of(const std::vector<field_id>& by, const normalized_event& ev) {
  key_.clear();
  for (std::size_t i = 0; i < by.size(); ++i) {
    if (i) key_ += '|';
    const field_info& f = info(by[i]);
    if (f.type == field_type::string) key_ += string_value(ev, by[i]);
    else key_ += display_value(ev, by[i], false);
  }
  return key_;
}

void rule_engine::on_event(const normalized_event& ev, alert_emitter& out) {
  if (++generation_ == 0) {  // wrapped: forget every stamp
    std::fill(leaf_seen_.begin(), leaf_seen_.end(), 0);
    std::fill(db_scanned_.begin(), db_scanned_.end(), 0);
    generation_ = 1;
  }
  if (only_) {
    on_rule(*only_, ev, out);
    return;
  }
  for (std::size_t i = 0; i < set_->rules.size(); ++i) on_rule(i, ev, out);
}

void rule_engine::on_rule(std::size_t index, const normalized_event& ev, alert_emitter& out) {
  const compiled_rule& r = set_->rules[index];
  if (!eval(r.condition, ev)) return;
  ++stats_.matched;
  for (auto e : r.exceptions)
    if (eval(e, ev)) {
      ++stats_.excepted;
      return;
    }
  const std::int64_t ts = ev.ts_ms != k_absent ? ev.ts_ms : ev.ingest_ms;

  if (r.stateful == stateful_kind::none) {
    static const std::vector<field_id> k_default = {field_id::corp_id, field_id::user_id};
    std::string key = key_of(r.by.empty() ? k_default : r.by, ev);
    if (!ev.event_id.empty()) {
      key += '|';
      key += ev.event_id;
    }
    fire(index, ev, key, ts, 1, ts, {ev.ref}, nullptr, out);
    return;
  }

  rule_state& st = state_[index];
  const std::string key = key_of(r.by, ev);
  const std::int64_t cutoff = ts - r.within_ms;
  window_state& w = st.windows.touch(key, ts);
  bool fired = false;
  if (r.stateful == stateful_kind::event_count) {
    auto& evs = w.events;
    evs.erase(evs.begin(), std::find_if(evs.begin(), evs.end(),
                                        [&](const auto& e) { return e.first > cutoff; }));
    const auto pos = std::upper_bound(evs.begin(), evs.end(), ts,
                                      [](std::int64_t t, const auto& e) { return t < e.first; });
    if (ts > cutoff) evs.insert(pos, {ts, ev.ref});
    if (static_cast<std::int64_t>(evs.size()) >= r.threshold) {
      std::vector<event_ref> refs;
      refs.reserve(evs.size());
      for (const auto& e : evs) refs.push_back(e.second);
      fire(index, ev, key, evs.front().first, static_cast<std::int64_t>(evs.size()),
           evs.front().first, std::move(refs), &w, out);
      fired = true;
    }
  } else {
    auto& vals = w.values;
    std::erase_if(vals, [&](const auto& v) { return v.second <= cutoff; });
    std::string value = display_value(ev, r.value_field, false);
    if (!value.empty()) {
      auto it = std::find_if(vals.begin(), vals.end(), [&](const auto& v) { return v.first == value; });
      if (it == vals.end()) {
        vals.emplace_back(std::move(value), ts);
        w.events.emplace_back(ts, ev.ref);
      } else {
        it->second = std::max(it->second, ts);
      }
      // Refs of values that left the window go too.
      std::erase_if(w.events, [&](const auto& e) { return e.first <= cutoff; });
      if (static_cast<std::int64_t>(vals.size()) >= r.threshold) {
        std::int64_t first = ts;
        for (const auto& v : vals) first = std::min(first, v.second);
        std::vector<event_ref> refs;
        for (const auto& e : w.events) refs.push_back(e.second);
        fire(index, ev, key, first, static_cast<std::int64_t>(vals.size()), first,
             std::move(refs), &w, out);
        fired = true;
      }
    }
  }
  if (fired) st.windows.erase(key);
  stats_.expired += st.windows.expire(cutoff);
  stats_.evicted += st.windows.trim(r.max_keys);
}

void rule_engine::fire(std::size_t index, const normalized_event& ev, const std::string& key,
                       std::int64_t window_start, std::int64_t count, std::int64_t first_ms,
                       std::vector<event_ref> refs, const window_state* window,
                       alert_emitter& out) {
  const compiled_rule& r = set_->rules[index];
  const std::int64_t ts = ev.ts_ms != k_absent ? ev.ts_ms : ev.ingest_ms;
  std::int64_t folded = 0;
  if (r.suppress_ms > 0) {
    rule_state& st = state_[index];
    const std::string skey = key_of(r.suppress_by, ev);
    suppress_state& s = st.suppression.touch(skey, ts);
    if (ts < s.until_ms) {
      ++s.folded;
      ++stats_.suppressed;
      return;
    }
    folded = s.folded;
    s.folded = 0;
    s.until_ms = ts + r.suppress_ms;
    // Keep a key's fold count for a while after its window so the next alert can report it.
    stats_.expired += st.suppression.expire(ts - 2 * r.suppress_ms);
    stats_.evicted += st.suppression.trim(r.max_keys);
  }

  alert a;
  a.id = make_alert_id(r.id, key, window_start);
  a.rule_id = r.id;
  a.rule_name = r.name;
  a.family = r.family;
  a.severity = r.severity;
  a.rule_version = r.version;
  a.pdpa_articles = r.pdpa;
  a.mitre_technique = r.mitre;
  a.timestamp_ms = a.last_ms = ts;
  a.first_ms = first_ms;
  a.count = count;
  a.refs = std::move(refs);
  a.suppressed = folded;
  a.user_id = ev.user_id;
  a.user_name = ev.user_name.empty() ? std::string() : mask_name(ev.user_name);
  a.corp_id = ev.corp_id;
  a.source_ip = ev.ip;
  a.destination_domain = ev.dst_host;
  a.destination_ip = ev.dst_ip;
  a.received_ms = ev.ingest_ms;
  for (const auto f : r.evidence) {
    if (window && r.stateful == stateful_kind::value_count && f == r.value_field) {
      std::string joined;
      for (const auto& v : window->values) {
        if (!joined.empty()) joined += ", ";
        joined += info(f).mask == field_mask::name ? mask_name(v.first) : v.first;
      }
      a.evidence.emplace_back(std::string(info(f).name), std::move(joined));
      continue;
    }
    std::string v = display_value(ev, f, true);
    if (!v.empty()) a.evidence.emplace_back(std::string(info(f).name), std::move(v));
  }
  for (const auto& p : r.message) {
    switch (p.what) {
      case message_part::kind::text: a.message += p.text; break;
      case message_part::kind::field: a.message += display_value(ev, p.field, true); break;
      case message_part::kind::count: a.message += std::to_string(count); break;
      case message_part::kind::window: a.message += r.within_text; break;
      case message_part::kind::rule_id: a.message += r.id; break;
      case message_part::kind::rule_name: a.message += r.name; break;
    }
  }
  ++stats_.alerts;
  out.emit(std::move(a));
}

detector_factory make_rule_factory(std::shared_ptr<const rule_set> set) {
  return [set = std::move(set)] {
    std::vector<std::unique_ptr<detector>> v;
    v.push_back(std::make_unique<rule_engine>(set));
    return v;
  };
}

}  // namespace dingwatch::rules
