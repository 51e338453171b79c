#pragma once
/// Figures 5 and 6 of issue #9, measured with the counting operator new
/// (counting_new.hpp) on the calling thread: allocations per event on the hot path, and
/// the rule engine's state per tracked user.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "detect_support.hpp"

namespace dingwatch::bench {

/// Allocations of `passes` counted passes over the corpus in steady state: after warm-up
/// passes that fill the engine's tables, buffers and arenas, until one whole pass
/// allocates nothing outside alerts (or `max_warmup` passes). An event that raises an
/// alert allocates the alert (its id, texts and evidence are strings handed to the
/// sinks): those allocations are counted apart, by event.
///
/// Why a steady state exists: every container the hot path grows is bounded — a count
/// window by its rule's threshold (it resets when the rule fires), correlation hits by
/// steps × hits kept per step, first_seen values by `max_values`, key texts by the
/// input's field limits — and keeps its block when its key goes (key_table.hpp), so the
/// allocations of a process's whole life are bounded by keys × log₂(bound), not by
/// events. Rare bursts (an attack's many downloads) are what take the longest to meet.
struct allocation_count {
  std::uint64_t allocations = 0;  ///< all of them
  std::uint64_t events = 0;
  std::uint64_t records = 0;
  std::uint64_t alerts = 0;             ///< alerts raised in the counted passes
  std::uint64_t alert_events = 0;       ///< events that raised them
  std::uint64_t alert_allocations = 0;  ///< allocations within those events
  std::uint64_t warmup_passes = 0;      ///< passes run before the counted ones
  /// Allocations per event that raised no alert: the hot path's own.
  [[nodiscard]] double per_quiet_event() const noexcept {
    const std::uint64_t quiet = events - alert_events;
    return quiet == 0 ? 0 : static_cast<double>(allocations - alert_allocations) / static_cast<double>(quiet);
  }
};

/// Decode only (`detect` false) or decode + enrich + detect with the default pack, in
/// pipeline batches, on the calling thread.
allocation_count count_allocations(const detect_corpus& corpus, bool detect, std::uint64_t passes,
                                   std::uint64_t max_warmup = 400);

/// What one engine holds for `users` distinct users.
struct state_per_user {
  std::size_t users = 0;
  double tracked_keys = 0;   ///< per user, all rules
  double accounted_bytes = 0;  ///< per user: Σ tracked keys × rule_engine::bytes_per_key (a bound)
  double heap_bytes = 0;     ///< per user: live heap growth through operator new
  double rss_bytes = 0;      ///< per user: resident set growth
  std::map<std::string, double> keys_by_kind;  ///< tracked keys per user by stateful kind
  std::uint64_t evicted = 0, expired = 0;
};

/// `users` distinct 16-character user ids, each given `events_per_user` events decoded
/// from the corpus (round robin over every shape) with its own user id, all within 5
/// simulated minutes of a Tuesday 10:00 Macau so no window expires, fed to one engine
/// (one shard) with every rule's key cap lifted above `users` so every user stays tracked.
state_per_user measure_state_per_user(const detect_corpus& corpus, std::size_t users,
                                      std::size_t events_per_user = 4);

/// Resident set size of this process, from /proc/self/statm.
std::int64_t rss_bytes();

}  // namespace dingwatch::bench
