#pragma once
/// The rule engine: one `rule_engine` detector per shard runs a compiled `rule_set`.
///
/// Per event, for each rule: evaluate `detection.where` (pattern leaves trigger at most
/// one Hyperscan scan per field per event, with this shard's own scratch), then the
/// exceptions, then the stateful part:
///   - `event_count`: the event's time is appended to its key's window; when the window
///     (events newer than `ts - within`) holds ≥ `gte` events, an alert fires and the
///     key's window restarts empty.
///   - `value_count`: same with distinct values of a field (the latest time each value
///     was seen); fires at ≥ `gte` distinct values.
/// Alert ids are `make_alert_id(rule, key, window_start)` with window_start the time of
/// the oldest event in the window (the event's own time for stateless rules), so a
/// replay produces the same ids.
///
/// State is bounded per rule and shard: keys are kept in least-recently-touched order;
/// keys idle longer than the window are expired from the cold end as new events arrive,
/// and past `max_keys` the coldest keys are evicted (counted in `stats().evicted`).
/// Suppression (`suppress: {for, by}`) drops alerts of the same rule and suppression key
/// until `for` has passed since the last alert sent, and the next alert sent carries how
/// many were dropped in `alert::suppressed`.

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "dingwatch/core/detector.hpp"
#include "dingwatch/detectors/rules/rule_set.hpp"

struct hs_scratch;

namespace dingwatch::rules {

/// Counters of one engine instance (one shard).
struct engine_stats {
  std::uint64_t matched = 0;     ///< events that met a rule's `where`
  std::uint64_t excepted = 0;    ///< of those, silenced by an exception
  std::uint64_t alerts = 0;      ///< alerts emitted
  std::uint64_t suppressed = 0;  ///< alerts folded by suppression
  std::uint64_t expired = 0;     ///< keys dropped after their window passed
  std::uint64_t evicted = 0;     ///< keys dropped because a rule hit `max_keys`
};

/// Keys in least-recently-touched order with a per-key value; bounded by the caller.
template <typename V>
class lru_map {
 public:
  /// The value for `key`, created (default) when absent; marks it most recent.
  V& touch(std::string_view key, std::int64_t now_ms) {
    auto it = map_.find(key);
    if (it == map_.end()) {
      order_.emplace_back(key);
      it = map_.emplace(std::string_view(order_.back()), entry{V{}, now_ms, std::prev(order_.end())}).first;
    } else {
      order_.splice(order_.end(), order_, it->second.pos);
      it->second.last_ms = std::max(it->second.last_ms, now_ms);
    }
    return it->second.value;
  }
  /// The value for `key`, or null.
  V* find(std::string_view key) {
    const auto it = map_.find(key);
    return it == map_.end() ? nullptr : &it->second.value;
  }
  void erase(std::string_view key) {
    const auto it = map_.find(key);
    if (it == map_.end()) return;
    const auto pos = it->second.pos;
    map_.erase(it);
    order_.erase(pos);
  }
  /// Drops keys from the cold end whose last touch is before `cutoff_ms`.
  std::size_t expire(std::int64_t cutoff_ms) {
    std::size_t n = 0;
    while (!order_.empty()) {
      const auto it = map_.find(order_.front());
      if (it->second.last_ms >= cutoff_ms) break;
      map_.erase(it);
      order_.pop_front();
      ++n;
    }
    return n;
  }
  /// Drops the coldest keys until at most `cap` remain.
  std::size_t trim(std::size_t cap) {
    std::size_t n = 0;
    while (map_.size() > cap) {
      map_.erase(order_.front());
      order_.pop_front();
      ++n;
    }
    return n;
  }
  [[nodiscard]] std::size_t size() const noexcept { return map_.size(); }

 private:
  struct entry {
    V value;
    std::int64_t last_ms;
    std::list<std::string>::iterator pos;
  };
  std::list<std::string> order_;  ///< front = coldest; the map's keys view these strings
  std::unordered_map<std::string_view, entry> map_;
};

/// Runs a rule set (or one rule of it) on one shard's events.
class rule_engine final : public detector {
 public:
  /// Runs every rule of `set`, or only rule number `only` (tests).
  explicit rule_engine(std::shared_ptr<const rule_set> set,
                       std::optional<std::size_t> only = std::nullopt);
  ~rule_engine() override;
  rule_engine(const rule_engine&) = delete;
  rule_engine& operator=(const rule_engine&) = delete;

  [[nodiscard]] std::string_view name() const noexcept override { return "rules"; }
  void on_event(const normalized_event& ev, alert_emitter& out) override;

  /// This instance's counters.
  [[nodiscard]] const engine_stats& stats() const noexcept { return stats_; }
  /// Keys currently tracked by rule number `rule` (windows, not suppression).
  [[nodiscard]] std::size_t tracked_keys(std::size_t rule) const;

 private:
  struct window_state {
    std::vector<std::pair<std::int64_t, event_ref>> events;  ///< sorted by time
    std::vector<std::pair<std::string, std::int64_t>> values;  ///< value_count
  };
  struct suppress_state {
    std::int64_t until_ms = 0;
    std::int64_t folded = 0;
  };
  struct rule_state {
    lru_map<window_state> windows;
    lru_map<suppress_state> suppression;
  };

  bool eval(std::uint32_t node, const normalized_event& ev);
  bool pattern_matched(const cond_node& n, const normalized_event& ev);
  const std::string& key_of(const std::vector<field_id>& by, const normalized_event& ev);
  void on_rule(std::size_t index, const normalized_event& ev, alert_emitter& out);
  void fire(std::size_t index, const normalized_event& ev, const std::string& key,
            std::int64_t window_start, std::int64_t count, std::int64_t first_ms,
            std::vector<event_ref> refs, const window_state* window, alert_emitter& out);
  static int on_match(unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx);

  std::shared_ptr<const rule_set> set_;
  std::optional<std::size_t> only_;
  hs_scratch* scratch_ = nullptr;
  std::uint32_t generation_ = 0;
  std::vector<std::uint32_t> leaf_seen_;  ///< leaf → generation it last matched
  std::vector<std::uint32_t> db_scanned_;  ///< database → generation it was last scanned
  std::vector<rule_state> state_;
  std::string key_;
  engine_stats stats_;
};

/// A per-shard factory: every call builds a fresh engine sharing `set`.
detector_factory make_rule_factory(std::shared_ptr<const rule_set> set);

}  // namespace dingwatch::rules
