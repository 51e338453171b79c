#pragma once
/// The steady run of `dingwatch bench` (issue #9, figures 4 and 5): the pipeline consumes
/// paced traffic from a broker for a while; the alert latency histogram and the process's
/// RSS are read over the steady phase.
///
/// The broker and the producer are this binary's own `broker` and `gen` commands, run as
/// child processes, so the RSS measured is the pipeline's alone (the mock broker keeps
/// ~5 MiB per partition, librdkafka's producer its queues). Steps: start the broker; start
/// the pipeline (app detectors, jurisdiction enrichment, one shard per core, no sinks);
/// prime it with one record, so the consumer group has joined (the mock cluster holds the
/// first join ~3 s) before paced traffic starts; start `gen --rate R`; after `warmup`
/// (backlog, broker retention and buffers settle) read the histogram, RSS and counters;
/// sample RSS every second for `duration`; read them again.

#include <chrono>
#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

namespace dingwatch {

struct steady_options {
  double rate = 100'000;  ///< records per second the producer is paced at
  std::chrono::seconds warmup{5};
  std::chrono::seconds duration{60};
  /// Per topic on the broker: few on purpose, as a fetch walks all of its partition's
  /// retained message sets (mock_broker.hpp): 8 per topic saturated the broker's thread at
  /// 100k rec/s and the p99 measured it. Each partition keeps 100,000 messages: 4 per
  /// topic hold seconds of traffic, far more than the lag of a run that keeps up.
  int partitions = 4;
};

struct steady_result {
  double rate_reached = 0;     ///< records consumed per second over the steady phase
  std::uint64_t records = 0;   ///< records consumed in the steady phase
  std::uint64_t alerts = 0;    ///< latency observations (alerts) in the steady phase
  double p99_seconds = 0;      ///< event → alert p99, interpolated in its bucket
  double p50_seconds = 0;
  bool p99_beyond_buckets = false;  ///< p99 above the largest finite bucket bound (10 s)
  std::int64_t lag_end = 0;    ///< consumer lag at the end of the steady phase
  double rss_start_mib = 0, rss_end_mib = 0, rss_max_mib = 0;
  double rss_slope_mib_per_min = 0;  ///< least-squares slope over the 1 s samples
};

/// Runs the steady run; `progress` receives a line now and then. Throws when a child
/// cannot be started, the broker does not answer, or `stop` is requested (children stopped).
steady_result run_steady(const steady_options& options, const std::function<void(const std::string&)>& progress,
                         std::stop_token stop);

}  // namespace dingwatch
