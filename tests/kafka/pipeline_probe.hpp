#pragma once
// A labelled stream of DingTalk audit records and a detector that checks it off, for
// tests that run the whole pipeline against the embedded broker under faults: which
// records must be decoded, which rejected, which alert ids must come out.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "dingwatch/core/detector.hpp"

namespace dingwatch::test {

/// Record `i` of the stream: a camelCase audit item (bizId "r<i>") for user `i % 997`,
/// padded with `pad_bytes` of an ignored field; every 7th is a download the probe alerts
/// on; every 53rd is cut short (malformed JSON, a dead letter).
struct labelled_record {
  std::string key;
  std::string value;
};
labelled_record make_record(std::uint64_t i, std::size_t pad_bytes = 0);

/// Whether record `i` is malformed; whether the probe alerts on it, and with which id.
bool is_hostile(std::uint64_t i);
bool alerts_on(std::uint64_t i);
std::string probe_alert_id(std::uint64_t i);

/// The `i` of a record's value (its bizId, which even a cut record keeps).
std::uint64_t record_index(std::string_view value);

/// A detector factory whose detectors note every decoded record (partition, offset) and
/// raise one alert (id `probe_alert_id(i)`) per record `alerts_on(i)`. `delay` slows each
/// event down while it is non-zero (microseconds), so a test can make the pipeline lag.
class pipeline_probe {
 public:
  [[nodiscard]] detector_factory detectors();

  /// Distinct (partition, offset) pairs decoded so far.
  [[nodiscard]] std::set<std::pair<std::int32_t, std::int64_t>> decoded() const;
  /// Events seen, duplicates included.
  [[nodiscard]] std::uint64_t events() const noexcept { return events_.load(); }

  std::atomic<int> delay_us{0};

 private:
  class probe_detector;
  mutable std::mutex mutex_;
  std::set<std::pair<std::int32_t, std::int64_t>> decoded_;
  std::atomic<std::uint64_t> events_{0};
};

/// Per partition of `topic`: what `group` has committed (< 0 for nothing) and the
/// watermarks. Asks the broker (OffsetFetch, ListOffsets) through a client of its own.
struct partition_progress {
  std::int32_t partition;
  std::int64_t committed;
  std::int64_t low;  ///< above 0 once the broker dropped old records (the mock keeps 5 MiB)
  std::int64_t high;
};
std::vector<partition_progress> progress_of(const std::string& bootstrap, const std::string& group,
                                            const std::string& topic, int partitions);

/// Sum of high watermarks of `topic`: how many records were ever written to it.
std::int64_t records_in(const std::string& bootstrap, const std::string& topic, int partitions);

/// This process's resident set size in bytes (/proc/self/statm).
std::size_t resident_bytes();

}  // namespace dingwatch::test
