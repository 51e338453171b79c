#pragma once
/// Where records come from: a Kafka consumer group or JSONL files.

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dingwatch/core/record.hpp"

namespace dingwatch {

/// The next offset to commit for one partition (Kafka semantics: last processed + 1).
struct partition_offset {
  std::string_view topic_name;  ///< owned by the source
  std::int32_t partition;
  std::int64_t next_offset;
};

/// Outcome of one poll.
enum class poll_status { records, idle, end_of_input, error };

/// A source of raw records. Used by the pipeline's ingest thread only.
class record_source {
 public:
  virtual ~record_source() = default;

  /// Adds up to `max` records to `batch`, waiting at most `timeout` for the first.
  /// Returns `records` if any were added, `idle` if none arrived in time,
  /// `end_of_input` once a finite source is exhausted.
  virtual poll_status poll(record_batch& batch, std::size_t max,
                           std::chrono::milliseconds timeout) = 0;

  /// Records that everything before each `next_offset` is fully processed.
  /// Sources commit these (synchronously or asynchronously) in order.
  virtual void commit(std::span<const partition_offset> offsets) = 0;

  /// Stops fetching new records (backpressure) and resumes it. `poll` keeps serving
  /// group membership while paused.
  virtual void pause() {}
  virtual void resume() {}

  /// Before the first poll: read each listed partition from `next_offset` instead of its
  /// committed offset once it is assigned (a restored checkpoint's cut; other partitions
  /// start as usual). False if this source cannot start at given offsets; then the
  /// checkpoint is not used.
  virtual bool start_at(std::span<const partition_offset> offsets) {
    (void)offsets;
    return false;
  }

  /// Commits synchronously whatever was passed to `commit` and not yet committed.
  virtual void flush_commits() {}

  /// False while the source cannot deliver yet (e.g. a consumer still joining its
  /// group); idle time is only counted once it is ready.
  [[nodiscard]] virtual bool ready() const noexcept { return true; }
};

}  // namespace dingwatch
