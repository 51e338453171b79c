#pragma once
/// A keyed Kafka producer for generators, the alert sink and the dead-letter sink.
///
/// Defaults: `linger.ms=5`, `batch.num.messages=10000`, `acks=all`; the idempotent
/// variant adds `enable.idempotence=true` (ordered, no duplicates on retry). Delivery
/// reports count failures; `flush` reports whether everything since the last flush was
/// acknowledged. Not thread-safe: one thread produces, polls and flushes.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dingwatch/ingest/kafka_config.hpp"

namespace dingwatch {

/// A librdkafka producer that keys records and tracks delivery failures.
class kafka_producer {
 public:
  /// Connects lazily; throws std::runtime_error on a bad broker list or config key.
  explicit kafka_producer(kafka_options options, bool idempotent = false);
  /// Waits up to 5 s for outstanding deliveries, then closes.
  ~kafka_producer();
  kafka_producer(const kafka_producer&) = delete;
  kafka_producer& operator=(const kafka_producer&) = delete;

  /// Enqueues one record (bytes are copied). False if the local queue is still full after
  /// waiting up to ~1 s, or the record was refused (unknown topic, too large); the caller
  /// retries. `timestamp_ms` 0 means "now".
  bool produce(std::string_view topic, std::string_view key, std::string_view value,
               std::span<const std::pair<std::string, std::string>> headers = {},
               std::int64_t timestamp_ms = 0);

  /// Waits until everything enqueued is acknowledged. False on timeout, or if any delivery
  /// failed since the last flush.
  bool flush(std::chrono::milliseconds timeout);

  /// Serves delivery reports without blocking.
  void poll();

  /// Records enqueued but not yet acknowledged (or failed).
  [[nodiscard]] int outstanding() const noexcept;

  /// Deliveries that failed since the producer was created (never reset, unlike the
  /// count `flush` reports and clears): lets a caller tell "failed" from "still in flight".
  [[nodiscard]] std::uint64_t failures() const noexcept { return failures_.load(std::memory_order_relaxed); }

 private:
  rd_kafka_topic_t* topic_handle(std::string_view topic);
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  rd_kafka_t* rk_ = nullptr;
  std::vector<std::pair<std::string, rd_kafka_topic_t*>> topics_;
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> failures_{0};
  kafka_detail::error_throttle throttle_;
};

}  // namespace dingwatch
