#pragma once
/// Paced emission of generated DingTalk traffic, with optional hostile records,
/// shared by `dingwatch gen` and `dingwatch demo`.

#include <atomic>
#include <functional>
#include <stop_token>
#include <string_view>

#include "commands.hpp"
#include "dingwatch/gen/generator.hpp"

namespace dingwatch {

/// Receives one record to write: topic, key, value, event time.
using record_writer = std::function<void(std::string_view topic, std::string_view key,
                                         std::string_view value, std::int64_t ts_ms)>;

/// Counters the caller may read while emission runs.
struct traffic_progress {
  std::atomic<std::uint64_t> produced{0};
  std::atomic<std::uint64_t> hostile{0};
  std::atomic<bool> done{false};
};

/// Emits `args.events` records (or rate × duration, or until `stop`) through `write`,
/// paced to `args.rate` per second when set. Writes the incident labels at the end.
void emit_traffic(const traffic_args& args, const record_writer& write, traffic_progress& progress,
                  std::stop_token stop);

}  // namespace dingwatch
