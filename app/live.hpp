#pragma once
/// Running the pipeline against Kafka with a periodic status line (`run`, `demo`).

#include <chrono>
#include <functional>
#include <stop_token>

#include "dingwatch/core/metrics.hpp"
#include "dingwatch/core/pipeline.hpp"
#include "dingwatch/ingest/kafka_source.hpp"

namespace dingwatch {

struct live_options {
  std::chrono::milliseconds status_every{1000};
  bool status_to_terminal = true;  ///< true: a status line on stderr; false: an info log line
  /// Polled each status tick; returning true stops the pipeline (e.g. the demo is over).
  std::function<bool(const pipeline_stats&)> finished;
  /// When set, the rule engine's per-rule counters are mirrored into it every second.
  metrics* m = nullptr;
  /// Called with the live counters each tick (the weekly report's pipeline minutes).
  std::function<void(const pipeline_stats&)> on_tick;
};

/// Runs `p` on a worker thread until it returns (signal, idle exit or `finished`),
/// reporting progress meanwhile; returns the pipeline's summary.
run_summary run_live(pipeline& p, const kafka_source& source, std::stop_token stop,
                     const live_options& options);

/// Prints the end-of-run summary block.
void print_summary(const run_summary& s, std::FILE* out);

}  // namespace dingwatch
