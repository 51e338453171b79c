#pragma once
/// Per-rule counters of the rule engine, kept per shard and readable from any thread.
///
/// Every `rule_engine` (one per shard) owns a `counter_block`: one `rule_counters` per
/// rule of its set, written only by that shard's thread (relaxed single-writer stores,
/// no lock prefix on the hot path) and read by anyone with relaxed loads.
///
/// Engines built by the detector kind `rules` attach their blocks to
/// `global_metrics()`; `snapshot()` sums them per rule id — live engines are read as
/// they are, and the final counts of engines that were destroyed (a reload, a
/// shutdown) stay in the totals, so the sums only grow (Prometheus counters):
///
///     for (const auto& t : dingwatch::rules::global_metrics()->snapshot()) {
///       suppressed_total.Add({{"rule", t.rule}}).Increment(t.suppressed - last[t.rule]);
///       evictions_total.Add({{"rule", t.rule}}) … t.evicted …
///     }

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace dingwatch::rules {

class rule_set;

/// A counter written by one thread and read by any.
class shard_counter {
 public:
  void add(std::uint64_t n = 1) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t get() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

/// The counters of one rule on one shard.
struct rule_counters {
  shard_counter matched;     ///< events that met the rule's condition (a step, for correlations)
  shard_counter excepted;    ///< of those, silenced by an exception
  shard_counter alerts;      ///< alerts emitted
  shard_counter suppressed;  ///< alerts folded by suppression → dingwatch_alerts_suppressed_total{rule}
  shard_counter expired;     ///< state dropped by TTL (idle keys, old first_seen values)
  shard_counter evicted;     ///< state dropped by a cap (max_keys, max_values) → dingwatch_state_evictions_total{rule}
};

/// A plain copy of the counters, with the rule id.
struct rule_totals {
  std::string rule;
  std::uint64_t matched = 0, excepted = 0, alerts = 0, suppressed = 0, expired = 0, evicted = 0;

  /// Adds another engine's counts for the same rule.
  rule_totals& operator+=(const rule_totals& o) noexcept {
    matched += o.matched;
    excepted += o.excepted;
    alerts += o.alerts;
    suppressed += o.suppressed;
    expired += o.expired;
    evicted += o.evicted;
    return *this;
  }
};

/// One engine's counters: `counters[i]` belongs to `ids[i]` (rule number i of the set).
struct counter_block {
  explicit counter_block(const rule_set& set);
  std::vector<std::string> ids;
  std::unique_ptr<rule_counters[]> counters;

  [[nodiscard]] rule_totals read(std::size_t rule) const;
};

/// Collects the blocks of many engines (every shard, every load) and sums them per rule.
class rule_metrics {
 public:
  /// A new block for one engine running `set`, registered here.
  std::shared_ptr<counter_block> attach(const rule_set& set);
  /// Totals per rule id over every block ever attached, sorted by rule id. Thread-safe.
  [[nodiscard]] std::vector<rule_totals> snapshot() const;

 private:
  mutable std::mutex mu_;
  mutable std::vector<std::shared_ptr<counter_block>> blocks_;
  mutable std::vector<rule_totals> retired_;  ///< folded counts of engines that are gone
};

/// The process-wide collector the `rules` detector kind attaches its engines to.
std::shared_ptr<rule_metrics> global_metrics();

}  // namespace dingwatch::rules
