#pragma once
/// What `run`, `demo` and `replay` write into the alert store for the weekly report,
/// besides the alerts: one row of pipeline counters per wall-clock minute (throughput,
/// dead letters by reason; a minute without a row counts as downtime), and the rules
/// loaded at startup with a content hash (so the report can say what changed).

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "dingwatch/core/pipeline.hpp"
#include "dingwatch/sinks/alert_store.hpp"

namespace dingwatch::report {

/// A snapshot of the pipeline's cumulative counters.
struct pipeline_counters {
  std::uint64_t records_read = 0, records_decoded = 0, events = 0, alerts = 0, rejected = 0;
  std::array<std::uint64_t, k_reject_reason_count> rejected_by_reason{};

  static pipeline_counters of(const pipeline_stats& s) noexcept;
  static pipeline_counters of(const run_summary& s) noexcept;
};

/// Turns cumulative counters into one `pipeline_minutes` row per minute. Not thread-safe:
/// call it from one thread (the status loop).
class pipeline_recorder {
 public:
  /// `command`: run, demo or replay. The process name is "host:pid".
  pipeline_recorder(alert_store& store, std::string command, std::int64_t now_ms);

  /// Writes the finished minute when `now_ms` has moved past it (cheap otherwise).
  void tick(const pipeline_counters& now, std::int64_t now_ms);

  /// Writes what the current, unfinished minute has so far (at the end of a run).
  void flush(const pipeline_counters& now, std::int64_t now_ms);

 private:
  void write(const pipeline_counters& now);

  alert_store& store_;
  std::string command_, process_;
  std::int64_t minute_ms_;
  pipeline_counters written_;
};

/// The rules in `paths` (files, or directories of *.yaml / *.yml, not recursive) with
/// id, name, version and a hash of each rule's YAML. Unreadable files and entries
/// without an id are skipped: loading the rules proper reports those.
std::vector<rule_version> scan_rule_versions(const std::vector<std::string>& paths);

}  // namespace dingwatch::report
