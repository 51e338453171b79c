#pragma once
/// Enrichment: derived facts added to each event before detectors see it.
///
/// The pipeline runs the enricher on the event's shard thread, right before that
/// shard's detectors (so the work spreads over the shards and needs no locks). An
/// enricher fills fields of `normalized_event` that no decoder sets — the jurisdictions
/// of addresses, hosts and positions, for instance — and may keep per-shard counters,
/// which it publishes in `flush()` once per batch.

#include <functional>
#include <memory>

#include "dingwatch/core/event.hpp"

namespace dingwatch {

/// Adds derived fields to events. One instance per shard: no locks needed.
class enricher {
 public:
  virtual ~enricher() = default;
  /// Fills derived fields of `ev` in place. Must not throw; should not allocate.
  virtual void enrich(normalized_event& ev) noexcept = 0;
  /// Called on the shard thread at the end of each batch slice: publish local counters.
  virtual void flush() noexcept {}
};

/// Builds a fresh enricher for one shard.
using enricher_factory = std::function<std::unique_ptr<enricher>()>;

}  // namespace dingwatch
