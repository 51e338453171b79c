#pragma once
/// The Kafka consumer-group source: at-least-once reading of the DingTalk input topics.
///
/// - Offsets: `enable.auto.commit=false` and `enable.auto.offset.store=false`; only the
///   offsets the pipeline passes to `commit()` (records fully processed) are committed,
///   asynchronously, and synchronously by `flush_commits()` and before partitions are
///   given up in a rebalance or on close. Offsets for partitions no longer assigned are
///   dropped: their new owner re-reads those records (duplicates, never loss).
/// - Rebalancing: `partition.assignment.strategy=cooperative-sticky` by default (override
///   through `kafka_options::extra`); both cooperative and eager protocols are handled.
/// - Batching: `poll` waits up to `timeout` for the first message, then takes what is
///   already fetched, up to `max`, without waiting. Payloads and keys are copied into the
///   batch and the librdkafka messages released at once. (rd_kafka_consume_batch_queue is
///   avoided: librdkafka < 2.1 mis-tracks positions with it around pause/resume.)
/// - Backpressure: `pause` pauses every assigned partition (and any assigned while paused);
///   a partition assigned while not paused is resumed explicitly, since librdkafka keeps
///   a pause across a lost assignment and `resume` reaches assigned partitions only.
///   librdkafka 2.0.2 discards the already-prefetched messages of a paused partition and
///   re-fetches them from the last consumed position on `resume`: nothing is lost, and a
///   `poll` while paused serves rebalances and returns nothing new.
/// - Checkpoints: `start_at` makes the first assignment of a partition start at a given
///   offset (the cut of a restored checkpoint) rather than at the committed one.
/// - Errors: partition EOF is no record; other errors are counted in
///   `consumer_errors{error}`, logged (once per error code per 10 s) and not fatal; only a
///   librdkafka fatal error makes `poll` return `error`.
/// - Metrics: `consumed{topic}` once per batch; `consumer_lag{topic,partition}` refreshed
///   at most once per second from `poll`.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

#include "dingwatch/core/metrics.hpp"
#include "dingwatch/core/source.hpp"
#include "dingwatch/ingest/kafka_config.hpp"

namespace dingwatch {

/// Settings of the consumer-group source.
struct kafka_source_options {
  kafka_options kafka;
  std::string group = "dingwatch";  ///< consumer group id
  std::vector<std::string> topics = default_input_topics();
  bool from_beginning = true;  ///< auto.offset.reset=earliest (else latest) without a commit
};

/// A `record_source` reading a Kafka consumer group. Used from one thread (the ingest
/// thread); only `lag()` may be read from others.
class kafka_source final : public record_source {
 public:
  /// Creates the consumer and subscribes. Throws std::runtime_error on bad config.
  explicit kafka_source(kafka_source_options options, metrics* m = nullptr);
  /// Commits what was passed to `commit()`, leaves the group and closes the consumer.
  ~kafka_source() override;
  kafka_source(const kafka_source&) = delete;
  kafka_source& operator=(const kafka_source&) = delete;

  poll_status poll(record_batch& batch, std::size_t max,
                   std::chrono::milliseconds timeout) override;
  /// Asynchronous commit of explicit next offsets (assigned partitions only).
  void commit(std::span<const partition_offset> offsets) override;
  /// The listed partitions start at these offsets when first assigned, whatever the
  /// group committed (a later assignment in this process uses the committed offset).
  bool start_at(std::span<const partition_offset> offsets) override;
  void pause() override;
  void resume() override;
  /// Synchronous commit of everything passed to `commit()` and not yet acknowledged.
  void flush_commits() override;

  /// Sum of lag over assigned partitions (high watermark − committed offset, or − position
  /// before the first commit), refreshed by `poll` at most every second.
  [[nodiscard]] std::int64_t lag() const noexcept { return lag_.load(std::memory_order_relaxed); }

  /// Number of partitions currently assigned to this member.
  [[nodiscard]] std::size_t assigned_partitions() const noexcept { return assigned_.size(); }
  /// Ready once the group has assigned this member at least one partition.
  [[nodiscard]] bool ready() const noexcept override { return !assigned_.empty(); }

 private:
  struct topic_entry {
    std::string name;
    source_topic kind;
    prometheus::Counter* consumed = nullptr;
    std::uint64_t pending = 0;  ///< records counted in the current batch
  };
  struct partition_state {
    topic_entry* topic;
    std::int32_t partition;
    std::int64_t wanted = -1;     ///< next offset passed to commit()
    std::int64_t committed = -1;  ///< next offset the broker acknowledged
    prometheus::Gauge* lag = nullptr;
  };

  topic_entry& intern(std::string_view name);
  partition_state* find(std::string_view topic, std::int32_t partition);
  void on_assign(rd_kafka_topic_partition_list_t* parts);
  void on_revoke(rd_kafka_topic_partition_list_t* parts);
  /// Synchronously commits wanted offsets of `parts` (all assigned if null).
  void commit_sync(const rd_kafka_topic_partition_list_t* parts);
  void refresh_lag();
  void log_error(int code, std::string_view what);

  static void rebalance_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* parts, void* opaque);
  static void commit_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* offsets, void* opaque);
  static void error_cb(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  rd_kafka_t* rk_ = nullptr;
  metrics* metrics_;
  std::string group_;
  std::deque<topic_entry> topics_;  ///< interned; names stay valid for the source's lifetime
  std::vector<partition_state> assigned_;
  struct start_offset {
    std::string topic;
    std::int32_t partition;
    std::int64_t offset;
  };
  std::vector<start_offset> start_at_;  ///< not yet assigned: see start_at()
  bool paused_ = false;
  bool fatal_ = false;
  std::atomic<std::int64_t> lag_{0};
  std::chrono::steady_clock::time_point next_lag_refresh_{};
  kafka_detail::error_throttle throttle_;
};

}  // namespace dingwatch
