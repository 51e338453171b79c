#pragma once
/// The detection contract: detectors see normalized events and emit alerts.
///
/// Each shard owns its own detector instances (built by a `detector_factory`), so a
/// detector's state is touched by exactly one thread and needs no locks.

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "dingwatch/core/alert.hpp"
#include "dingwatch/core/event.hpp"
#include "dingwatch/core/state_io.hpp"

namespace dingwatch {

/// Where a detector sends what it found.
class alert_emitter {
 public:
  virtual ~alert_emitter() = default;
  /// Takes ownership of one alert. Cheap; the pipeline delivers it after the batch.
  virtual void emit(alert&& a) = 0;
};

/// A detector: stateless or stateful, fed every event routed to its shard.
class detector {
 public:
  virtual ~detector() = default;
  /// Stable name for logs and metrics.
  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  /// Inspects one event; may emit any number of alerts. Must not throw.
  virtual void on_event(const normalized_event& ev, alert_emitter& out) = 0;
  /// Called on the shard's thread after each batch's events (and before its alerts are
  /// delivered): a safe point to swap configuration, e.g. a reloaded rule set.
  virtual void on_batch_end() {}
  /// Writes the detector's state (checkpoint.hpp); called on the shard's thread at a
  /// batch boundary. Stateless detectors write nothing.
  virtual void save(state_writer& out) const { (void)out; }
  /// Replaces the state with what `save` wrote, before the first event. On malformed
  /// input calls `in.fail(reason)` (the pipeline then starts every detector afresh);
  /// must not crash or allocate beyond the input's size, whatever the bytes.
  virtual void restore(state_reader& in) { (void)in; }
};

/// Builds a fresh, independent set of detectors for one shard.
using detector_factory = std::function<std::vector<std::unique_ptr<detector>>()>;

}  // namespace dingwatch
