#pragma once
/// Sinks that write to Kafka: alerts to `dingwatch.alerts`, dead letters to `dingwatch.dlq`.
///
/// Alerts: key = alert id (deterministic, so consumers de-duplicate replays), value =
/// `to_json(alert)`, idempotent producer with `acks=all`; `write` returns once the broker
/// acknowledged every alert it was given.
///
/// Dead letters: key = the original key, value = the original bytes unchanged, headers
/// `reason` (reject_reason name), `source.topic`, `source.partition`, `source.offset`
/// (decimal). `write` only enqueues; `flush` waits for the acknowledgements.

#include <chrono>
#include <string>
#include <string_view>

#include "dingwatch/core/sink.hpp"
#include "dingwatch/ingest/kafka_producer.hpp"

namespace dingwatch {

/// Writes alerts to a Kafka topic through an idempotent producer.
class kafka_alert_sink final : public alert_sink {
 public:
  /// Throws std::runtime_error on a bad broker list or config key.
  explicit kafka_alert_sink(kafka_options options, std::string topic = "dingwatch.alerts");
  [[nodiscard]] std::string_view name() const noexcept override { return "kafka"; }
  /// Produces every alert and waits (up to 10 s) for their acknowledgement.
  bool write(std::span<const alert> alerts) override;

 private:
  kafka_producer producer_;
  std::string topic_;
};

/// Writes dead letters (original bytes plus why and where from) to a Kafka topic. A
/// record above 900,000 bytes (more than Kafka's default message size allows) keeps
/// its first 900,000 bytes and gets an `original.size` header.
class kafka_dlq_sink final : public dead_letter_sink {
 public:
  /// Throws std::runtime_error on a bad broker list or config key.
  explicit kafka_dlq_sink(kafka_options options, std::string topic = "dingwatch.dlq");
  /// Enqueues one dead letter (bytes copied).
  void write(const dead_letter& d) override;
  /// Waits (up to 10 s) until every dead letter since the last flush is acknowledged.
  bool flush() override;

 private:
  kafka_producer producer_;
  std::string topic_;
  bool enqueue_failed_ = false;
};

}  // namespace dingwatch
