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

#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
///
/// Every letter is kept until a flush has it acknowledged; after a failed delivery the
/// next flush sends them all again, so retrying the flush (as the pipeline does) retries
/// the letters too, even those whose delivery timed out during a broker outage.
class kafka_dlq_sink final : public dead_letter_sink {
 public:
  /// Throws std::runtime_error on a bad broker list or config key.
  explicit kafka_dlq_sink(kafka_options options, std::string topic = "dingwatch.dlq");
  /// Enqueues one dead letter (bytes copied).
  void write(const dead_letter& d) override;
  /// Waits (up to 1 s) until every dead letter since the last successful flush is
  /// acknowledged; false (letters kept, to be waited for or sent again) otherwise.
  bool flush() override;

 private:
  struct pending_letter {
    std::string key;
    std::string value;
    std::array<std::pair<std::string, std::string>, 5> headers;
    std::size_t header_count = 4;
  };
  bool produce(const pending_letter& p);

  kafka_producer producer_;
  std::string topic_;
  std::vector<pending_letter> pending_;  ///< written since the last acknowledged flush
  bool resend_ = false;                  ///< a delivery failed: send `pending_` again
  std::uint64_t failures_seen_ = 0;      ///< producer_.failures() at the last flush
};

}  // namespace dingwatch
