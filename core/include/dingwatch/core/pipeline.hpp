#pragma once
/// The sharded pipeline: source → decode → route by user → enrich → detect → sinks → commit.
///
/// Threads: the caller's thread runs ingest (poll, decode, route, commit); each of N
/// shards runs its own detectors on its own thread. A batch of records travels as one
/// unit: the ingest thread pushes pointers to its events into the shards' lock-free
/// queues followed by an end-of-batch marker; each shard, on the marker, writes the
/// alerts it produced for that batch to every sink, then signs the batch off. A batch's
/// offsets are committed once every shard has signed it off and all batches before it
/// are committed too, so a record's offset is never committed before its alerts and
/// dead letters are durable (at-least-once). When too many batches are in flight the
/// source is paused (backpressure); nothing is dropped.
///
/// Crash safety (with `checkpoint_dir`): at the first batch boundary after each
/// `checkpoint_interval`, and once more when the run ends, every shard saves its
/// detectors' state on its own thread as it finishes that batch, so the saved states
/// form one consistent cut: exactly the records up to the batch's offsets. The ingest
/// thread writes the checkpoint (checkpoint.hpp) once that batch and every one before it
/// are delivered. On start a valid checkpoint is restored into the shards and the source
/// starts at its offsets: records after the cut are replayed and give the same alert
/// ids; a corrupt or incompatible one is reported and the run starts afresh.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <vector>

#include "dingwatch/core/checkpoint.hpp"
#include "dingwatch/core/decoder.hpp"
#include "dingwatch/core/detector.hpp"
#include "dingwatch/core/enricher.hpp"
#include "dingwatch/core/metrics.hpp"
#include "dingwatch/core/reject.hpp"
#include "dingwatch/core/sink.hpp"
#include "dingwatch/core/source.hpp"

namespace dingwatch {

/// Tuning knobs; defaults suit one machine.
struct pipeline_options {
  std::size_t shards = 0;  ///< 0 = one per hardware thread
  std::size_t batch_size = 2048;
  std::size_t max_batches_in_flight = 8;
  std::chrono::milliseconds poll_timeout{100};
  /// Stop (after draining and committing) once nothing has arrived for this long.
  std::optional<std::chrono::milliseconds> idle_exit;
  /// Optional: one enricher per shard, run on each event before the detectors.
  enricher_factory enrich;
  /// Where checkpoints of detector state are kept; empty: none (see above).
  std::filesystem::path checkpoint_dir;
  /// Checkpoint at the first batch boundary after this much time (and at the end).
  std::chrono::milliseconds checkpoint_interval{30'000};
};

/// Live counters, readable from any thread (status lines, tests).
struct pipeline_stats {
  std::atomic<std::uint64_t> records_read{0};
  std::atomic<std::uint64_t> records_decoded{0};  ///< records that yielded ≥ 1 event
  std::atomic<std::uint64_t> events{0};           ///< normalized events (fan-out counted)
  std::atomic<std::uint64_t> rejected{0};
  std::array<std::atomic<std::uint64_t>, k_reject_reason_count> rejected_by_reason{};
  std::atomic<std::uint64_t> alerts{0};
  std::atomic<std::uint64_t> records_committed{0};
  std::atomic<std::uint64_t> sink_errors{0};
  std::atomic<std::uint64_t> checkpoints{0};  ///< checkpoints written
};

/// What a finished run did.
struct run_summary {
  std::uint64_t records_read = 0;
  std::uint64_t records_decoded = 0;
  std::uint64_t events = 0;
  std::uint64_t rejected = 0;
  std::array<std::uint64_t, k_reject_reason_count> rejected_by_reason{};
  std::uint64_t alerts = 0;
  std::uint64_t records_committed = 0;
  std::uint64_t checkpoints = 0;  ///< checkpoints written
  /// What the checkpoint this run started from had accounted for (records before its
  /// cut, over every earlier run); the counts above are this run's only.
  std::optional<checkpoint_counters> restored;
  double seconds = 0;
  /// One-line JSON: {"read":…,"decoded":…,"rejected":{"reason":n,…},"alerts":…,
  /// "committed":…,"checkpoints":…[,"restored":{"read":…,"decoded":…,"rejected":…}],"seconds":…}
  [[nodiscard]] std::string to_json() const;
};

class pipeline {
 public:
  /// Everything passed by reference must outlive the pipeline. `sinks` may be empty;
  /// `dead_letters` and `m` may be null.
  pipeline(pipeline_options options, record_source& source, record_decoder& decoder,
           detector_factory detectors, std::vector<alert_sink*> sinks,
           dead_letter_sink* dead_letters, metrics* m);
  ~pipeline();
  pipeline(const pipeline&) = delete;
  pipeline& operator=(const pipeline&) = delete;

  /// Runs until `stop` is requested, a finite source ends, or `idle_exit` passes
  /// without records; then drains every in-flight batch, commits, and returns.
  run_summary run(std::stop_token stop = {});

  /// Live counters.
  [[nodiscard]] const pipeline_stats& stats() const noexcept;

  /// Number of shards actually running.
  [[nodiscard]] std::size_t shard_count() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace dingwatch
